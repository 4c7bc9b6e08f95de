//! Renderers for findings: human text, JSON, SARIF 2.1.0, GitHub workflow annotations and
//! Markdown. This is the only crate that knows those wire formats.
//!
//! # JSON contract, version 1
//!
//! ```json
//! {"version": 1,
//!  "findings": [{"rule": "create-index-non-concurrently", "severity": "high",
//!                "file": "migrations/0004.sql", "line": 3, "column": 1, "end_line": 3, "end_column": 52,
//!                "message": "...", "help": "...", "lock": "SHARE on public.orders",
//!                "fix": "CREATE INDEX CONCURRENTLY ...", "rollback": "DROP INDEX ...",
//!                "fix_applicability": "unsafe", "fix_placement": "replace",
//!                "irreversible": "...", "notes": ["..."], "label": "down"}],
//!  "summary": {"files": 1, "statements": 10,
//!              "findings_by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 0, "info": 0}}}
//! ```
//! `lock`, `fix`, `rollback`, `irreversible` and `label` are present only when they apply;
//! `label` is `"down"` for findings in down migrations. `fix_placement` says whether the fix is
//! the whole replacement for the statement (`"replace"`) or goes before it, the statement staying
//! as it is (`"before"`, e.g. a `lock_timeout` setting). `irreversible` says why the statement,
//! once run, cannot be undone (the data it removes is gone): no rollback can restore it. Fields
//! are only ever added within a version.

mod github;
mod json;
mod markdown;
mod sarif;
pub mod schema_docs;
mod text;
pub mod workload;

use std::collections::BTreeMap;

use plumb_diagnostics::{Finding, RuleMeta};

pub use github::render_github;
pub use json::{finding_value, render_json, write_json, JSON_VERSION};
pub use markdown::render_markdown;
pub use sarif::render_sarif;
pub use text::render_text;

/// Everything a renderer needs.
pub struct Report<'a> {
    /// Findings, sorted.
    pub findings: &'a [Finding],
    /// Number of files analysed.
    pub files: usize,
    /// Number of statements analysed.
    pub statements: usize,
    /// Source text by path, for snippets.
    pub sources: &'a BTreeMap<String, String>,
    /// Metadata of every rule, for SARIF rule descriptions and help links.
    pub rules: &'a [&'a RuleMeta],
    /// What was analysed, when it is not files of statements (`database postgresql://...`):
    /// replaces "N files (M statements)" in summaries.
    pub subject: Option<&'a str>,
}

impl Report<'_> {
    /// "3 files (40 statements)", or the subject.
    pub fn scope(&self) -> String {
        if let Some(s) = self.subject {
            return s.to_owned();
        }
        format!(
            "{} {} ({} {})",
            self.files,
            if self.files == 1 { "file" } else { "files" },
            self.statements,
            if self.statements == 1 {
                "statement"
            } else {
                "statements"
            }
        )
    }
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, with source snippets.
    Text,
    /// The versioned JSON contract.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
    /// A Markdown pull-request comment.
    Markdown,
}

impl Format {
    /// Parses a format name.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "github" => Some(Format::Github),
            "markdown" | "md" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// Renders a report in a format. `color` applies to text only.
pub fn render(format: Format, report: &Report<'_>, color: bool) -> String {
    match format {
        Format::Text => render_text(report, color),
        Format::Json => render_json(report),
        Format::Sarif => render_sarif(report),
        Format::Github => render_github(report),
        Format::Markdown => render_markdown(report),
    }
}

/// Writes a report in a format to `w`; JSON is streamed.
pub fn render_to(
    format: Format,
    report: &Report<'_>,
    color: bool,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => write_json(report, w),
        _ => w.write_all(render(format, report, color).as_bytes()),
    }
}

/// "3 findings (1 high, 2 low)" style counts, highest severity first.
pub(crate) fn severity_counts(findings: &[Finding]) -> String {
    let counts = plumb_diagnostics::count_by_severity(findings);
    let parts: Vec<String> = counts
        .iter()
        .rev()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests;

/// Pretty JSON of any serializable value (used for listings outside the lint contract).
pub fn to_json_pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
