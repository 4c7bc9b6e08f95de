//! `plumb lint`: migration-safety lint.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use globset::{Glob, GlobSetBuilder};
use plumb_migrations::{Layout, MigrationSet};
use plumb_report::{Format, Report};

use crate::config::Config;

/// `plumb lint` arguments.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Migration folders, SQL files, or `-` for standard input
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format: text, json, sarif, github, markdown
    #[arg(long, short = 'f', default_value = "text")]
    pub format: String,
    /// Exit with status 1 when a finding is at or above this severity (critical, high, medium, low, info, none)
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Target PostgreSQL major version (default: the newest supported)
    #[arg(long)]
    pub pg_version: Option<u32>,
    /// Report only migrations from this one on (a version or a file); earlier ones give context
    #[arg(long)]
    pub since: Option<String>,
    /// Force a layout: plain, sqlx, golang-migrate, diesel, dbmate, flyway, prisma
    #[arg(long)]
    pub layout: Option<String>,
    /// Config file (default: ./plumb.toml when present)
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Color output
    #[arg(long, value_enum, default_value = "auto")]
    pub color: super::ColorChoice,
}

/// Runs `plumb lint`.
pub fn run(args: &LintArgs) -> anyhow::Result<u8> {
    let (config, _) = Config::load(args.config.as_deref())?;
    let format = super::report_format(&args.format)?;
    let fail_on = super::fail_on(args.fail_on.as_deref(), &config)?;
    let layout = match args.layout.as_deref().or(config.layout.as_deref()) {
        Some(l) => Some(Layout::parse(l).with_context(|| {
            format!(
                "--layout `{l}`: expected one of {}",
                Layout::ALL.map(Layout::as_str).join(", ")
            )
        })?),
        None => None,
    };
    let settings = super::settings(args.pg_version, &config)?;

    let progress = super::spinner("reading migrations");
    let mut sets = load_sets(&args.paths, layout)?;
    exclude(&mut sets, &config.exclude)?;
    let scripts: usize = sets
        .iter()
        .map(|s| {
            s.migrations
                .iter()
                .map(|m| m.scripts().count())
                .sum::<usize>()
        })
        .sum();
    progress.set_message(format!("linting {scripts} scripts"));
    // The engine counts statements as it reads them; a terminal sees the count grow.
    let read = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    if let Some(since) = args.since.as_deref() {
        if !sets.is_empty()
            && !sets
                .iter()
                .any(|set| plumb_rules::since_matches(set, since))
        {
            bail!(
                "--since `{since}` matches no migration: give a version (or a date, as a prefix of timestamp versions) or a script path that exists"
            );
        }
    }
    let output = std::thread::scope(|scope| {
        if !progress.is_hidden() {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let n = read.load(std::sync::atomic::Ordering::Relaxed);
                    progress.set_message(format!("linting {scripts} scripts: {n} statements read"));
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
        }
        let output =
            plumb_rules::lint_with_progress(&sets, &settings, args.since.as_deref(), &read);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        output
    });
    progress.finish_and_clear();

    let sources: BTreeMap<String, String> = if format == Format::Text || format == Format::Markdown
    {
        sets.iter()
            .flat_map(|s| {
                s.migrations
                    .iter()
                    .flat_map(plumb_migrations::Migration::scripts)
            })
            .map(|s| (s.path.clone(), s.text.clone()))
            .collect()
    } else {
        BTreeMap::new()
    };
    let rules: Vec<&plumb_diagnostics::RuleMeta> =
        plumb_rules::RULES.iter().map(|r| r.meta()).collect();
    let report = Report {
        findings: &output.findings,
        files: output.files,
        statements: output.statements,
        sources: &sources,
        rules: &rules,
        subject: None,
    };
    super::write_report(format, &report, args.color, args.output.as_deref())?;
    let status = super::exit_status(fail_on, &output.findings);
    // The process ends next: freeing hundreds of thousands of findings and every script's text
    // one by one would only delay the exit (by a tenth of a second on large inputs).
    std::mem::forget(output);
    std::mem::forget(sets);
    std::mem::forget(sources);
    Ok(status)
}

fn load_sets(paths: &[PathBuf], layout: Option<Layout>) -> anyhow::Result<Vec<MigrationSet>> {
    use rayon::prelude::*;
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        bail!("`-` (standard input) given twice");
    }
    // The same folder or file given twice (as `migrations` and `./migrations/`, or through a
    // link) is read once.
    let mut seen = std::collections::BTreeSet::new();
    let paths: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| {
            let key = std::fs::canonicalize(p).unwrap_or_else(|_| (*p).clone());
            let first = seen.insert(key);
            if !first {
                eprintln!("note: {} is given twice; it is linted once", p.display());
            }
            first
        })
        .collect();
    let (dirs, files): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
        .into_iter()
        .partition(|p| p.as_os_str() == "-" || p.is_dir());
    // Folders are read in parallel: on large inputs reading files is a good share of the run.
    let mut sets = dirs
        .par_iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                plumb_migrations::from_stdin(layout)
            } else {
                super::discover_under(p, layout)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !files.is_empty() {
        let files: Vec<PathBuf> = files.into_iter().cloned().collect();
        sets.push(plumb_migrations::from_files(&files, layout)?);
    }
    Ok(sets)
}

fn exclude(sets: &mut [MigrationSet], patterns: &[String]) -> anyhow::Result<()> {
    if patterns.is_empty() {
        return Ok(());
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("exclude pattern `{p}` is not a valid glob"))?);
    }
    let globs = b.build()?;
    // A pattern matches the path as given, without a leading `./`, or as an absolute path, so it
    // does not depend on how the folder was typed.
    let mut used = vec![false; patterns.len()];
    for set in sets {
        set.migrations.retain(|m| {
            let hits: Vec<usize> = m
                .scripts()
                .flat_map(|s| {
                    let given = std::path::Path::new(&s.path);
                    let mut forms = vec![given.to_path_buf()];
                    if let Ok(stripped) = given.strip_prefix(".") {
                        forms.push(stripped.to_path_buf());
                    }
                    if let Ok(abs) = std::fs::canonicalize(given) {
                        forms.push(abs);
                    }
                    forms
                        .into_iter()
                        .flat_map(|f| globs.matches(f))
                        .collect::<Vec<_>>()
                })
                .collect();
            for &h in &hits {
                used[h] = true;
            }
            hits.is_empty()
        });
    }
    for (p, used) in patterns.iter().zip(used) {
        if !used {
            eprintln!("warning: exclude pattern `{p}` matches no migration");
        }
    }
    Ok(())
}
