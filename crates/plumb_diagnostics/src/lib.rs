//! The finding model shared by every plumb analysis.
//!
//! A [`Finding`] is what every analysis produces and every renderer consumes. This crate knows
//! nothing of SQL or PostgreSQL: rule metadata, severities, locations and fixes are plain data.

use std::fmt;

use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
///
/// - critical: data loss, or an outage-length lock on an existing table;
/// - high: blocks reads or writes on an existing table for a time proportional to its size, or
///   fails / breaks the running application;
/// - medium: short blocking or a risky pattern;
/// - low and info: style and type choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: no action needed.
    Info,
    /// Style or type choice.
    Low,
    /// Short blocking or a risky pattern.
    Medium,
    /// Long blocking, a failure or a break of the running application.
    High,
    /// Data loss or an outage-length lock.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in configuration and machine output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase severity name.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number, in characters.
    pub column: u32,
}

/// Where a finding points.
///
/// Many findings have no source span (a live database object, a plan node), so this is an enum.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A range of a source file.
    Span {
        /// The path as the user gave it (or `-` for standard input).
        file: String,
        /// Byte offset of the start of the range.
        start_byte: usize,
        /// Byte offset just past the end of the range.
        end_byte: usize,
        /// Start of the range.
        start: LineCol,
        /// End of the range (inclusive of its last character).
        end: LineCol,
    },
    /// A database object.
    Object {
        /// Object kind: table, index, column, constraint, sequence, ...
        object_kind: String,
        /// Schema name.
        schema: String,
        /// Object name.
        name: String,
        /// Column name when the finding is about one column.
        column: Option<String>,
    },
    /// No location: the finding is about the whole input.
    Global,
}

impl Location {
    /// The dotted name of an object location: `schema.name[.column]`, or `name` for objects
    /// outside a schema (schemas themselves).
    pub fn object_path(&self) -> Option<String> {
        match self {
            Location::Object {
                schema,
                name,
                column,
                ..
            } => {
                let mut out = if schema.is_empty() {
                    name.clone()
                } else {
                    format!("{schema}.{name}")
                };
                if let Some(c) = column {
                    out.push('.');
                    out.push_str(c);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// The file of a span location.
    pub fn file(&self) -> Option<&str> {
        match self {
            Location::Span { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// How safely a fix can be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Same meaning and locking behaviour: can be applied mechanically.
    Safe,
    /// Changes semantics or how the migration must run (e.g. CONCURRENTLY cannot run in a
    /// transaction, a step must move to a later migration): a person applies it.
    Unsafe,
    /// Remediation SQL to read and run by hand; never applied by a tool.
    DisplayOnly,
}

impl Applicability {
    /// The machine-output spelling (what the JSON contract and serde print).
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display_only",
        }
    }
}

/// Where a fix's SQL goes relative to the statement it is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// The fix is the whole replacement for the statement.
    #[default]
    Replace,
    /// The fix goes before the statement, which stays (e.g. a `lock_timeout` setting).
    Before,
}

impl Placement {
    /// The lowercase name used in machine output.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Replace => "replace",
            Placement::Before => "before",
        }
    }
}

/// A remediation: the SQL to run instead, and the SQL that undoes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Fix {
    /// One line saying what the fix does.
    pub title: String,
    /// The SQL of the safe rewrite. Multi-step fixes mark the migration and transaction
    /// boundaries with SQL comments; the whole text parses as PostgreSQL.
    pub sql: String,
    /// The SQL that undoes `sql`, when undoing is possible.
    pub rollback: Option<String>,
    /// How safely it applies.
    pub applicability: Applicability,
    /// Whether `sql` replaces the statement or goes before it.
    pub placement: Placement,
    /// When `sql` is the statement's own text with these replacements (byte ranges of the
    /// script), the replacements: fixes of several findings on one statement are then combined
    /// into one statement with every replacement, instead of one copy of it per finding. Not
    /// part of the machine output.
    #[serde(skip)]
    pub edits: Vec<Edit>,
}

/// One replacement in a script: bytes `start..end` become `text`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    /// First byte replaced.
    pub start: usize,
    /// Just past the last byte replaced.
    pub end: usize,
    /// The replacement.
    pub text: String,
}

/// One problem found by one rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// Location first so that sorting findings orders them by file and position.
    pub location: Location,
    /// The stable rule name (kebab-case).
    pub rule: &'static str,
    /// Severity after configuration overrides.
    pub severity: Severity,
    /// The problem, short.
    pub message: String,
    /// What to do.
    pub help: String,
    /// The lock involved, e.g. `ACCESS EXCLUSIVE on public.users`.
    pub lock: Option<String>,
    /// Evidence: lock levels, what is blocked, the context that made the rule fire.
    pub notes: Vec<String>,
    /// The safe rewrite, when there is one (boxed: most findings have none, and a run can hold
    /// hundreds of thousands of findings).
    pub fix: Option<Box<Fix>>,
    /// A label for the input part, e.g. `down` for a down migration.
    pub label: Option<String>,
    /// Why the statement, once run, cannot be undone (the data it removes is gone), when so.
    pub irreversible: Option<String>,
    /// For a finding on a database object of a schema read from SQL files: where that object
    /// (or column) is defined, a [`Location::Span`].
    pub defined_at: Option<Box<Location>>,
}

impl Finding {
    /// The source range the finding is about: its own location when that is a span, else
    /// where its object is defined ([`Finding::defined_at`]), if known.
    pub fn span(&self) -> Option<&Location> {
        [Some(&self.location), self.defined_at.as_deref()]
            .into_iter()
            .flatten()
            .find(|l| matches!(l, Location::Span { .. }))
    }

    /// A finding of a rule at a location, with the rule's default severity and nothing else
    /// filled in.
    pub fn new(meta: &RuleMeta, location: Location, message: impl Into<String>) -> Finding {
        Finding {
            location,
            rule: meta.name,
            severity: meta.severity,
            message: message.into(),
            help: String::new(),
            lock: None,
            notes: Vec::new(),
            fix: None,
            label: None,
            irreversible: None,
            defined_at: None,
        }
    }
}

/// A byte count for people: `8192 bytes`, `1.5 MB`, `2.0 GB` (binary multiples).
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Which family a rule belongs to; groups rules in listings and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Index builds and drops.
    Index,
    /// Constraints validated under lock.
    Constraint,
    /// Table rewrites.
    Rewrite,
    /// Failures at run time and changes that break the running application.
    Breaking,
    /// Data loss.
    DataLoss,
    /// Unbounded data changes.
    Data,
    /// Lock discipline: timeouts, explicit locks, transaction shape.
    Locking,
    /// Type and key choices.
    Types,
    /// Naming conventions of a schema.
    Naming,
    /// Privileges, ownership, row-level security and secrets.
    Security,
    /// Input that PostgreSQL rejects, and plumb's own meta findings.
    Syntax,
    /// How an application's queries are written (applied to each query of a workload).
    Query,
}

impl Family {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Index => "index",
            Family::Constraint => "constraint",
            Family::Rewrite => "rewrite",
            Family::Breaking => "breaking",
            Family::DataLoss => "data-loss",
            Family::Data => "data",
            Family::Locking => "locking",
            Family::Types => "types",
            Family::Naming => "naming",
            Family::Security => "security",
            Family::Syntax => "syntax",
            Family::Query => "query",
        }
    }
}

/// What a rule needs to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inputs {
    /// The SQL text alone.
    Sql,
    /// The SQL plus the schema built from earlier migrations.
    SqlAndCatalog,
    /// A schema: from migrations, a dump, a snapshot or a live database.
    Catalog,
    /// A live database.
    LiveDatabase,
    /// An EXPLAIN plan.
    Plan,
    /// A workload's queries (server logs, pg_stat_statements).
    Workload,
}

/// A rule's metadata: the single source for listings, docs, SARIF and MCP descriptions.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleMeta {
    /// Stable short code, e.g. `PL101`.
    pub code: &'static str,
    /// Stable kebab-case name that names the hazard, e.g. `create-index-non-concurrently`.
    pub name: &'static str,
    /// The family.
    pub family: Family,
    /// Default severity (a rule may raise or lower it per finding; configuration overrides it).
    pub severity: Severity,
    /// One-line summary (the first line of the docs' "What it does").
    pub summary: &'static str,
    /// The full Markdown documentation, from the rule's doc comment.
    pub docs: &'static str,
    /// Oldest PostgreSQL major version the rule applies to.
    pub min_pg: Option<u32>,
    /// Newest PostgreSQL major version the rule applies to.
    pub max_pg: Option<u32>,
    /// What the rule needs.
    pub inputs: Inputs,
}

impl RuleMeta {
    /// Whether the rule applies to a PostgreSQL major version.
    pub fn applies_to(&self, pg_version: u32) -> bool {
        self.min_pg.is_none_or(|min| pg_version >= min)
            && self.max_pg.is_none_or(|max| pg_version <= max)
    }
}

/// Counts findings by severity, every severity present (zero when none).
pub fn count_by_severity(findings: &[Finding]) -> [(Severity, usize); 5] {
    let mut counts = Severity::ALL.map(|s| (s, 0));
    for f in findings {
        counts[f.severity as usize].1 += 1;
    }
    counts
}
