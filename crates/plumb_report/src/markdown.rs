//! A Markdown pull-request comment.

use std::fmt::Write;

use plumb_diagnostics::{Location, Severity};

use crate::{severity_counts, Report};

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🛑",
        Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

/// Renders a summary table and one collapsible section per finding.
pub fn render_markdown(report: &Report<'_>) -> String {
    let mut out = String::from("## plumb migration review\n\n");
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings in {}.", report.scope());
        return out;
    }
    let _ = writeln!(
        out,
        "{} findings ({}) in {}.\n",
        report.findings.len(),
        severity_counts(report.findings),
        report.scope()
    );
    out.push_str("| | Severity | Rule | Where | Problem |\n|---|---|---|---|---|\n");
    for f in report.findings {
        let loc = match &f.location {
            Location::Span { file, start, .. } => format!("`{file}:{}`", start.line),
            Location::Object { .. } => match f.defined_at.as_deref() {
                Some(Location::Span { file, start, .. }) => format!(
                    "`{}` (`{file}:{}`)",
                    f.location.object_path().unwrap_or_default(),
                    start.line
                ),
                _ => format!("`{}`", f.location.object_path().unwrap_or_default()),
            },
            Location::Global => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {loc} | {} |",
            icon(f.severity),
            f.severity,
            f.rule,
            f.message.replace('|', "\\|")
        );
    }
    out.push('\n');
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
    {
        let _ = writeln!(
            out,
            "<details><summary>{} <code>{}</code>: {}</summary>\n",
            icon(f.severity),
            f.rule,
            f.message
        );
        if let Some(lock) = &f.lock {
            let _ = writeln!(out, "**Lock:** {lock}\n");
        }
        for n in &f.notes {
            let _ = writeln!(out, "- {n}");
        }
        if !f.help.is_empty() {
            let _ = writeln!(out, "\n**What to do:** {}\n", f.help);
        }
        if let Some(why) = &f.irreversible {
            let _ = writeln!(out, "**Irreversible:** {why}\n");
        }
        if let Some(fix) = &f.fix {
            if fix.placement == plumb_diagnostics::Placement::Before {
                let _ = writeln!(out, "Run before the statement:");
            }
            let _ = writeln!(out, "```sql\n{}\n```", fix.sql);
            if let Some(rb) = &fix.rollback {
                let _ = writeln!(out, "Rollback:\n```sql\n{rb}\n```");
            }
        }
        out.push_str("</details>\n\n");
    }
    out
}
