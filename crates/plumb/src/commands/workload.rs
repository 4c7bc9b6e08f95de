//! `plumb workload`: which queries cost the most, the N+1 loops, the errors, lock waits and
//! temporary files, read from PostgreSQL server logs; `plumb workload merge` combines JSON
//! results of several runs exactly.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use plumb_report::workload::{
    workload_from_json, workload_html, workload_json, workload_markdown, workload_text,
};
use plumb_workload::read::{expand, read_all, Options, Progress};
use plumb_workload::{Prefix, Timestamp, Workload};

use crate::EXIT_CLEAN;

/// Output formats of `plumb workload`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WorkloadFormat {
    /// For people in a terminal.
    Text,
    /// The versioned JSON contract (also the partial result `merge` combines).
    Json,
    /// Tables for a pull request or a wiki.
    Markdown,
    /// One self-contained page with charts (opens offline, no external request).
    Html,
}

/// What to print and where.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: WorkloadFormat,
    /// Write to this file instead of standard output (atomically: never a partial file)
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Queries (and errors, lock waits, temporary files) shown in text and Markdown; JSON
    /// keeps them all so that results merge exactly
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Replace constants and parameters in every example (and drop error details and logged
    /// plans), to share the result
    #[arg(long)]
    anonymize: bool,
}

/// `plumb workload` arguments.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WorkloadArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// PostgreSQL server logs: files (plain or gzip), folders of rotated files, or `-` for
    /// standard input. stderr with any log_line_prefix, csvlog and jsonlog are told apart by
    /// their content
    paths: Vec<PathBuf>,
    /// Read pg_stat_statements of this database instead of logs (a libpq URL or key=value
    /// string; PG* environment variables fill in the rest). Read-only
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// With --db: two snapshots this far apart (`60s`, `5m`), and the work done between them
    #[arg(long, value_name = "DURATION", requires = "db")]
    interval: Option<String>,
    /// With --db: every database's statements (pg_stat_statements is cluster-wide), not only
    /// the connected database's
    #[arg(long, requires = "db")]
    all_databases: bool,
    #[command(flatten)]
    out: OutputArgs,
    /// Only messages at or after this time (`2025-03-03 08:00:00`, or a date), in the log's
    /// time zone
    #[arg(long)]
    since: Option<String>,
    /// Only messages before this time
    #[arg(long)]
    until: Option<String>,
    /// The server's log_line_prefix (`SHOW log_line_prefix`), when detection fails
    #[arg(long)]
    prefix: Option<String>,
    /// Threads that parse and fingerprint (default: every core)
    #[arg(long)]
    threads: Option<usize>,
    /// N+1: executions of the child query in a row, at least
    #[arg(long, default_value_t = 5)]
    n_plus_one_min: u64,
    /// N+1: the longest gap between two executions of a burst, in milliseconds
    #[arg(long, default_value_t = 50.0)]
    n_plus_one_window_ms: f64,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Combine JSON results of `plumb workload --format json` (other logs, servers or days)
    /// into one, exactly
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// JSON results to combine
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

/// A `--since` / `--until` value: a time stamp as the log writes it, or a date.
fn when(flag: &str, value: &str) -> anyhow::Result<Timestamp> {
    let v = value.trim();
    let full = if v.len() == 10 {
        format!("{v} 00:00:00")
    } else if v.len() == 16 {
        format!("{v}:00")
    } else {
        v.to_owned()
    };
    match Timestamp::parse(&full) {
        Some((t, _)) => Ok(t),
        None => bail!("{flag} `{value}`: expected a time like `2025-03-03 08:00:00` or a date like `2025-03-03`"),
    }
}

/// The query rules' findings on every query of the workload (severity by share of time).
fn query_findings(w: &Workload) -> Vec<plumb_diagnostics::Finding> {
    let inputs: Vec<plumb_rules::QueryInput<'_>> = w
        .queries
        .values()
        .map(|q| plumb_rules::QueryInput {
            fingerprint: &q.fingerprint,
            query: &q.query,
            example: &q.example,
            parameters: q.example_parameters.as_deref(),
            calls: q.calls,
            total_ms: q.total_ms,
            share: q.share,
        })
        .collect();
    plumb_rules::check_queries(&inputs, &plumb_rules::Settings::default())
}

/// A finding in a line or three of text.
fn finding_lines(f: &plumb_diagnostics::Finding) -> String {
    let mut s = format!(
        "{}[{}] {}\n      {}",
        f.severity.as_str(),
        f.rule,
        f.message,
        f.help
    );
    if let Some(n) = f.notes.first() {
        s.push_str(&format!("\n      {n}"));
    }
    if let Some(fix) = &f.fix {
        s.push_str(&format!("\n      fix: {}", fix.sql.replace('\n', " ")));
        if let Some(r) = &fix.rollback {
            s.push_str(&format!("\n      rollback: {r}"));
        }
    }
    s
}

fn render(w: &Workload, out: &OutputArgs) -> anyhow::Result<()> {
    let findings = query_findings(w);
    let text = match out.format {
        WorkloadFormat::Json => {
            let doc = workload_json(
                w,
                findings.iter().map(plumb_report::finding_value).collect(),
            );
            let mut s = serde_json::to_string_pretty(&doc).context("writing JSON")?;
            s.push('\n');
            s
        }
        WorkloadFormat::Text => {
            let lines: Vec<String> = findings
                .iter()
                .filter(|f| f.severity > plumb_diagnostics::Severity::Info)
                .map(finding_lines)
                .collect();
            workload_text(w, out.top, &lines)
        }
        WorkloadFormat::Html => {
            let rows: Vec<(String, String, String, String, Option<String>)> = findings
                .iter()
                .filter(|f| f.severity > plumb_diagnostics::Severity::Info)
                .map(|f| {
                    (
                        f.severity.as_str().to_owned(),
                        f.rule.to_owned(),
                        f.message.clone(),
                        f.help.clone(),
                        f.fix.as_ref().map(|x| x.sql.clone()),
                    )
                })
                .collect();
            workload_html(w, out.top, &rows)
        }
        WorkloadFormat::Markdown => {
            let lines: Vec<String> = findings
                .iter()
                .filter(|f| f.severity > plumb_diagnostics::Severity::Info)
                .map(|f| {
                    format!(
                        "**{}** `{}`: {} {}",
                        f.severity.as_str(),
                        f.rule,
                        f.message,
                        f.help
                    )
                })
                .collect();
            workload_markdown(w, out.top, &lines)
        }
    };
    super::emit(&text, out.output.as_deref())
}

/// Runs `plumb workload`.
pub fn run(args: &WorkloadArgs) -> anyhow::Result<u8> {
    if let Some(Action::Merge(m)) = &args.action {
        return merge(m);
    }
    if let Some(url) = &args.db {
        if !args.paths.is_empty() {
            bail!("give log files or --db, not both: run each with --format json and compare, or merge them with `plumb workload merge`");
        }
        let interval = args.interval.as_deref().map(interval).transpose()?;
        let mut w = from_db(url, interval, args.all_databases)?;
        if args.out.anonymize {
            w.anonymize();
        }
        render(&w, &args.out)?;
        return Ok(EXIT_CLEAN);
    }
    if args.paths.is_empty() {
        bail!("give PostgreSQL log files, a folder of them, or `-` to read standard input (or --db URL for pg_stat_statements)");
    }
    let prefix = args
        .prefix
        .as_deref()
        .map(Prefix::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--prefix: {e}"))?;
    let mut options = Options {
        prefix: prefix.clone(),
        since: args
            .since
            .as_deref()
            .map(|s| when("--since", s))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| when("--until", s))
            .transpose()?,
        ..Options::default()
    };
    if let Some(t) = args.threads {
        options.threads = t.max(1);
    }
    options.nplus1.min_calls = args.n_plus_one_min.max(2);
    options.nplus1.window_ms = args.n_plus_one_window_ms.max(0.0);
    let sources = expand(&args.paths, prefix.as_ref())?;
    let progress = Arc::new(Progress::default());
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        if std::io::stderr().is_terminal() {
            let progress = progress.clone();
            let done = &done;
            scope.spawn(move || {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "reading logs {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                while !done.load(Ordering::Relaxed) {
                    bar.set_length(progress.total.load(Ordering::Relaxed));
                    bar.set_position(progress.done.load(Ordering::Relaxed));
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let r = read_all(&sources, &options, &progress);
        done.store(true, Ordering::Relaxed);
        r
    });
    let mut w = result?;
    if let Some(p) = &prefix {
        if w.inputs.iter().any(|i| i.format.starts_with("stderr"))
            && args.out.format == WorkloadFormat::Text
        {
            eprintln!("using log_line_prefix '{}'", p.text());
        }
    }
    if w.statements == 0 && w.inputs.iter().all(|i| i.records == 0) {
        bail!(
            "{}: no log messages read; check that these are PostgreSQL server logs",
            w.inputs
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if args.out.anonymize {
        w.anonymize();
    }
    render(&w, &args.out)?;
    Ok(EXIT_CLEAN)
}

/// `--interval`: `90`, `90s`, `5m`, `1h`.
fn interval(value: &str) -> anyhow::Result<std::time::Duration> {
    let v = value.trim();
    let (n, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 =
        n.parse().ok().filter(|n| *n > 0).with_context(|| {
            format!("--interval `{value}`: expected a duration like 60s, 5m or 1h")
        })?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        _ => bail!("--interval `{value}`: expected a duration like 60s, 5m or 1h"),
    };
    Ok(std::time::Duration::from_secs(secs))
}

/// A workload from pg_stat_statements: one snapshot, or the difference of two.
fn from_db(
    url: &str,
    interval: Option<std::time::Duration>,
    all_databases: bool,
) -> anyhow::Result<Workload> {
    let options = plumb_pg::ConnectOptions::new(url);
    let progress = super::spinner("reading pg_stat_statements");
    let (entries, target) = plumb_pg::block_on(async {
        let session = plumb_pg::Session::connect(&options).await?;
        let first = plumb_pg::read_stat_statements(&session).await?;
        let entries = match interval {
            None => first,
            Some(d) => {
                progress.set_message(format!(
                    "waiting {} s for the second pg_stat_statements snapshot",
                    d.as_secs()
                ));
                std::thread::sleep(d);
                let second = plumb_pg::read_stat_statements(&session).await?;
                plumb_pg::difference(&first, &second)
            }
        };
        Ok::<_, plumb_pg::StatStatementsError>((entries, session.target().clone()))
    })??;
    progress.finish_and_clear();
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| all_databases || e.database == target.dbname)
        .collect();
    let mut w = Workload::default();
    w.inputs.push(plumb_workload::stats::InputSummary {
        name: target.to_string(),
        format: match interval {
            None => "pg_stat_statements".to_owned(),
            Some(d) => format!("pg_stat_statements, {} s apart", d.as_secs()),
        },
        records: entries.len() as u64,
        ..Default::default()
    });
    for e in &entries {
        w.add_totals(&plumb_workload::stats::Totals {
            query: &e.query,
            user: &e.user,
            database: &e.database,
            calls: u64::try_from(e.calls).unwrap_or(0),
            total_ms: e.total_ms,
            max_ms: interval.is_none().then_some(e.max_ms),
            rows: u64::try_from(e.rows).unwrap_or(0),
        });
    }
    w.finish();
    Ok(w)
}

fn merge(m: &MergeArgs) -> anyhow::Result<u8> {
    let mut all: Option<Workload> = None;
    for f in &m.files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("{}: cannot read the file", f.display()))?;
        let w = workload_from_json(&text).with_context(|| {
            format!(
                "{}: expected the JSON of `plumb workload --format json`",
                f.display()
            )
        })?;
        match all.as_mut() {
            None => all = Some(w),
            Some(a) => a.merge(w),
        }
    }
    let mut w = all.context("give JSON results to merge")?;
    if m.out.anonymize {
        w.anonymize();
    }
    render(&w, &m.out)?;
    Ok(EXIT_CLEAN)
}
