//! `plumb schema`: load one catalog from migrations, a SQL dump, a JSON snapshot or a live
//! database; review it, dump it, document it; turn a DBML design into DDL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use plumb_catalog::{Catalog, Snapshot};
use plumb_diagnostics::Location;
use plumb_migrations::Layout;
use plumb_report::Report;
use plumb_rules::SkippedStatement;

use crate::config::Config;
use crate::EXIT_CLEAN;

/// `plumb schema` arguments.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Subcommand, Debug)]
enum SchemaCommand {
    /// Review a schema for production readiness: keys, indexes, constraints, types, naming,
    /// security
    Review(ReviewArgs),
    /// Write the catalog as a versioned JSON snapshot
    Dump(DumpArgs),
    /// Write schema documentation: DBML, a Mermaid ER diagram, or a Markdown data dictionary
    Docs(DocsArgs),
    /// Turn a DBML design into PostgreSQL DDL (a first migration)
    Import(ImportArgs),
}

/// Where the schema comes from.
#[derive(Args, Debug)]
struct SourceArgs {
    /// A migrations folder, a SQL file (such as `pg_dump --schema-only` output), or a JSON
    /// snapshot from `plumb schema dump`
    source: Option<PathBuf>,
    /// Read a live database instead: a postgresql:// URL or key=value connection string
    /// (`''` uses the PG* environment variables). Read-only, with statement and lock timeouts
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Force the migrations layout: plain, sqlx, golang-migrate, diesel, dbmate, flyway, prisma
    #[arg(long)]
    layout: Option<String>,
    /// statement_timeout for the live database, in seconds
    #[arg(long, default_value_t = 30)]
    statement_timeout: u64,
}

#[derive(Args, Debug)]
struct ReviewArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format: text, json, sarif, github, markdown
    #[arg(long, short = 'f', default_value = "text")]
    format: String,
    /// Exit with status 1 when a finding is at or above this severity (critical, high, medium, low, info, none)
    #[arg(long)]
    fail_on: Option<String>,
    /// Target PostgreSQL major version (default: the newest supported)
    #[arg(long)]
    pg_version: Option<u32>,
    /// Config file (default: ./plumb.toml when present)
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Color output
    #[arg(long, value_enum, default_value = "auto")]
    color: super::ColorChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DumpFormat {
    /// The versioned JSON snapshot
    Json,
}

#[derive(Args, Debug)]
struct DumpArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "json")]
    format: DumpFormat,
    /// Write to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DocsFormat {
    /// DBML (dbdiagram.io, dbdocs)
    Dbml,
    /// A Mermaid erDiagram
    Mermaid,
    /// A Markdown data dictionary
    Markdown,
}

#[derive(Args, Debug)]
struct DocsArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "markdown")]
    format: DocsFormat,
    /// Write to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The DBML file
    file: PathBuf,
    /// Write the DDL to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// Runs `plumb schema`.
pub fn run(args: &SchemaArgs) -> anyhow::Result<u8> {
    match &args.command {
        SchemaCommand::Review(a) => review(a),
        SchemaCommand::Dump(a) => dump(a),
        SchemaCommand::Docs(a) => docs(a),
        SchemaCommand::Import(a) => import(a),
    }
}

/// A loaded schema and what its source held that the catalog does not represent.
struct Loaded {
    catalog: Catalog,
    skipped: Vec<SkippedStatement>,
    sources: BTreeMap<String, String>,
    statements: usize,
    /// `database postgresql://user@host:port/db`, for live sources.
    subject: Option<String>,
    /// Where each object was first defined in the files read (see
    /// `plumb_catalog::definition_key`).
    defined: BTreeMap<String, Location>,
}

impl Loaded {
    /// Gives each finding on an object the place in the files where that object (its column,
    /// else its table, index or sequence) is defined.
    fn locate(&self, findings: &mut [plumb_diagnostics::Finding]) {
        if self.defined.is_empty() {
            return;
        }
        for f in findings {
            let Location::Object {
                object_kind,
                schema,
                name,
                column,
            } = &f.location
            else {
                continue;
            };
            let q = plumb_catalog::QualifiedName::new(Some(schema), name);
            let kind = match object_kind.as_str() {
                "index" => "index",
                "sequence" => "sequence",
                _ => "table",
            };
            let keys = [
                column
                    .as_deref()
                    .map(|c| plumb_catalog::definition_key("column", &q, Some(c))),
                Some(plumb_catalog::definition_key(kind, &q, None)),
                Some(plumb_catalog::definition_key("table", &q, None)),
            ];
            f.defined_at = keys
                .into_iter()
                .flatten()
                .find_map(|k| self.defined.get(&k).cloned().map(Box::new));
        }
    }
}

fn load(args: &SourceArgs) -> anyhow::Result<Loaded> {
    match (&args.source, &args.db) {
        (Some(_), Some(_)) => bail!("give either a schema source or --db, not both"),
        (None, None) => {
            bail!("no schema given: pass a migrations folder, a SQL or JSON file, or --db URL")
        }
        (None, Some(url)) => load_live(url, args.statement_timeout),
        (Some(path), None) => {
            let layout = match args.layout.as_deref() {
                Some(l) => Some(Layout::parse(l).with_context(|| {
                    format!(
                        "--layout `{l}`: expected one of {}",
                        Layout::ALL.map(Layout::as_str).join(", ")
                    )
                })?),
                None => None,
            };
            if path.is_dir() {
                load_migrations(path, layout)
            } else {
                load_file(path)
            }
        }
    }
}

fn load_live(url: &str, timeout: u64) -> anyhow::Result<Loaded> {
    let mut options = plumb_pg::ConnectOptions::new(url);
    options.statement_timeout = std::time::Duration::from_secs(timeout.max(1));
    let progress = super::spinner("connecting");
    let catalog = plumb_pg::block_on(async {
        let session = plumb_pg::Session::connect(&options).await?;
        progress.set_message(format!("reading the catalog of {}", session.target()));
        let catalog = plumb_pg::load_catalog(&session).await?;
        Ok::<_, plumb_pg::PgError>((catalog, session.target().to_string()))
    })?;
    progress.finish_and_clear();
    let (catalog, target) = catalog.map_err(|e| {
        let hint = match e.sqlstate() {
            Some("42501") => "; connect as a role that can read the system catalogs",
            Some("57014") => "; raise --statement-timeout",
            _ => "",
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    Ok(Loaded {
        catalog,
        skipped: Vec::new(),
        sources: BTreeMap::new(),
        statements: 0,
        subject: Some(format!("database {target}")),
        defined: BTreeMap::new(),
    })
}

/// Applies one script to the catalog, recording what it skipped and what does not parse.
fn apply_script(loaded: &mut Loaded, path: &str, text: &str) {
    let text = plumb_sql::blank_psql_meta(text);
    let applied = loaded.catalog.apply_sql(&text);
    let lines = plumb_sql::LineIndex::new(&text);
    let span = |start: usize, end: usize| Location::Span {
        file: path.to_owned(),
        start_byte: start,
        end_byte: end,
        start: lines.line_col(&text, start),
        end: lines.line_col(&text, end.saturating_sub(1).max(start)),
    };
    loaded.statements += applied.statements;
    for (key, start, end) in applied.defined {
        loaded
            .defined
            .entry(key)
            .or_insert_with(|| span(start, end));
    }
    for s in applied.skipped {
        loaded.skipped.push(SkippedStatement {
            location: span(s.start, s.end),
            form: s.form.to_owned(),
            syntax_error: None,
            already_exists: s.already_exists,
        });
    }
    for e in applied.errors {
        loaded.skipped.push(SkippedStatement {
            location: span(
                e.offset,
                (e.offset + 1).min(e.statement_end.max(e.offset + 1)),
            ),
            form: "a statement that does not parse".to_owned(),
            syntax_error: Some(e.message),
            already_exists: None,
        });
    }
    loaded.sources.insert(path.to_owned(), text.into_owned());
}

fn empty() -> Loaded {
    Loaded {
        catalog: Catalog::default(),
        skipped: Vec::new(),
        sources: BTreeMap::new(),
        statements: 0,
        subject: None,
        defined: BTreeMap::new(),
    }
}

fn load_migrations(dir: &Path, layout: Option<Layout>) -> anyhow::Result<Loaded> {
    let set = super::discover_under(dir, layout)?;
    let mut loaded = empty();
    for m in &set.migrations {
        if let Some(up) = &m.up {
            apply_script(&mut loaded, &up.path, &up.text);
        }
    }
    Ok(loaded)
}

fn load_file(path: &Path) -> anyhow::Result<Loaded> {
    let text = plumb_migrations::read_sql_file(path)?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if is_json {
        let snapshot = Snapshot::from_json(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}; write one with `plumb schema dump --format json`",
                path.display()
            )
        })?;
        let mut loaded = empty();
        loaded.catalog = snapshot.catalog;
        return Ok(loaded);
    }
    let mut loaded = empty();
    apply_script(&mut loaded, &path.display().to_string(), &text);
    Ok(loaded)
}

fn review(args: &ReviewArgs) -> anyhow::Result<u8> {
    let (config, _) = Config::load(args.config.as_deref())?;
    let format = super::report_format(&args.format)?;
    let fail_on = super::fail_on(args.fail_on.as_deref(), &config)?;
    let settings = super::settings(args.pg_version, &config)?;
    let loaded = load(&args.source)?;
    let mut findings = plumb_rules::review(&loaded.catalog, &settings, &loaded.skipped);
    loaded.locate(&mut findings);
    let rules: Vec<&plumb_diagnostics::RuleMeta> =
        plumb_rules::RULES.iter().map(|r| r.meta()).collect();
    let report = Report {
        findings: &findings,
        files: loaded.sources.len(),
        statements: loaded.statements,
        sources: &loaded.sources,
        rules: &rules,
        subject: loaded.subject.as_deref(),
    };
    super::write_report(format, &report, args.color, args.output.as_deref())?;
    Ok(super::exit_status(fail_on, &findings))
}

fn warn_skipped(loaded: &Loaded) {
    if loaded.skipped.is_empty() {
        return;
    }
    eprintln!(
        "warning: {} statements are not modelled and left out (see `plumb schema review` for the list)",
        loaded.skipped.len()
    );
}

fn dump(args: &DumpArgs) -> anyhow::Result<u8> {
    let loaded = load(&args.source)?;
    warn_skipped(&loaded);
    let DumpFormat::Json = args.format;
    let snapshot = Snapshot::new(loaded.catalog);
    super::emit_with(args.output.as_deref(), |w| {
        serde_json::to_writer_pretty(&mut *w, &snapshot)?;
        w.write_all(b"\n")
    })?;
    Ok(EXIT_CLEAN)
}

fn docs(args: &DocsArgs) -> anyhow::Result<u8> {
    let loaded = load(&args.source)?;
    warn_skipped(&loaded);
    let text = match args.format {
        DocsFormat::Dbml => plumb_report::schema_docs::render_dbml(&loaded.catalog),
        DocsFormat::Mermaid => plumb_report::schema_docs::render_mermaid(&loaded.catalog),
        DocsFormat::Markdown => {
            plumb_report::schema_docs::render_markdown_dictionary(&loaded.catalog)
        }
    };
    super::emit(&text, args.output.as_deref())?;
    Ok(EXIT_CLEAN)
}

fn import(args: &ImportArgs) -> anyhow::Result<u8> {
    let text = plumb_migrations::read_sql_file(&args.file)?;
    let ddl =
        plumb_dbml::to_ddl(&text).map_err(|e| anyhow::anyhow!("{}:{e}", args.file.display()))?;
    super::emit(&ddl, args.output.as_deref())?;
    Ok(EXIT_CLEAN)
}
