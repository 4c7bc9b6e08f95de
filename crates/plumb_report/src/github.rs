//! GitHub Actions workflow commands (`::error file=...::message`).

use plumb_diagnostics::{Location, Severity};

use crate::Report;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Renders one workflow command per finding: critical and high as `error`, medium as
/// `warning`, the rest as `notice`.
pub fn render_github(report: &Report<'_>) -> String {
    let mut out = String::new();
    for f in report.findings {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(Location::Span {
            file, start, end, ..
        }) = f.span()
        {
            props.push(format!("file={}", escape_property(file)));
            props.push(format!("line={}", start.line));
            props.push(format!("col={}", start.column));
            props.push(format!("endLine={}", end.line));
            if start.line == end.line {
                props.push(format!("endColumn={}", end.column));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("plumb {} ({})", f.rule, f.severity))
        ));
        let mut msg = f.message.clone();
        if !f.help.is_empty() {
            msg.push('\n');
            msg.push_str(&f.help);
        }
        if let Some(fix) = &f.fix {
            msg.push_str("\nFix:\n");
            msg.push_str(&fix.sql);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&msg)
        ));
    }
    out
}
