//! Human-readable output: rustc-style snippets with the lock, the help and the fix.

use std::fmt::Write;

use plumb_diagnostics::{Applicability, Finding, Location, Severity};

use crate::{severity_counts, Report};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.paint(code, s.as_str())
    }
}

fn line_text(src: &str, line: u32) -> &str {
    src.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
}

fn render_one(out: &mut String, f: &Finding, report: &Report<'_>, st: &Style) {
    let label = f
        .label
        .as_deref()
        .map(|l| format!(" ({l} migration)"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{}: {}{label}",
        st.severity(f.severity),
        st.paint("1", &format!("[{}]", f.rule)),
        st.paint("1", &f.message)
    );
    let gutter_width;
    match &f.location {
        Location::Span {
            file, start, end, ..
        } => {
            gutter_width = end.line.to_string().len();
            let pad = " ".repeat(gutter_width);
            let _ = writeln!(
                out,
                "{pad}{} {file}:{}:{}",
                st.paint("1;34", "-->"),
                start.line,
                start.column
            );
            if let Some(src) = report.sources.get(file) {
                let bar = st.paint("1;34", "|");
                let _ = writeln!(out, "{pad} {bar}");
                let last = end.line.min(start.line + 5);
                for line in start.line..=last {
                    let text = line_text(src, line);
                    let _ = writeln!(
                        out,
                        "{} {bar} {text}",
                        st.paint("1;34", &format!("{line:>gutter_width$}"))
                    );
                    let from = if line == start.line {
                        start.column as usize
                    } else {
                        1
                    };
                    let to = if line == end.line {
                        end.column as usize
                    } else {
                        text.chars().count()
                    };
                    if to >= from && !text.trim().is_empty() {
                        let lead = if line == start.line {
                            from - 1
                        } else {
                            text.chars().take_while(|c| c.is_whitespace()).count()
                        };
                        let width = (to + 1).saturating_sub(lead + 1).max(1);
                        let _ = writeln!(
                            out,
                            "{pad} {bar} {}{}",
                            " ".repeat(lead),
                            st.paint("1;31", &"^".repeat(width))
                        );
                    }
                }
                if end.line > last {
                    let _ = writeln!(out, "{pad} {bar} ...");
                }
            }
        }
        Location::Object { object_kind, .. } => {
            gutter_width = 1;
            let _ = writeln!(
                out,
                "  {} {object_kind} {}",
                st.paint("1;34", "-->"),
                f.location.object_path().unwrap_or_default()
            );
        }
        Location::Global => gutter_width = 1,
    }
    let pad = " ".repeat(gutter_width);
    let eq = st.paint("1;34", "=");
    if let Some(lock) = &f.lock {
        let _ = writeln!(out, "{pad} {eq} {}: {lock}", st.paint("1", "lock"));
    }
    for n in &f.notes {
        let _ = writeln!(out, "{pad} {eq} {}: {n}", st.paint("1", "note"));
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "{pad} {eq} {}: {}", st.paint("1", "help"), f.help);
    }
    if let Some(why) = &f.irreversible {
        let _ = writeln!(out, "{pad} {eq} {}: {why}", st.paint("1", "irreversible"));
    }
    if let Some(fix) = &f.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        };
        let place = match fix.placement {
            plumb_diagnostics::Placement::Replace => "replaces the statement",
            plumb_diagnostics::Placement::Before => "goes before the statement",
        };
        let _ = writeln!(
            out,
            "{pad} {eq} {} ({kind}, {place}): {}",
            st.paint("1;32", "fix"),
            fix.title
        );
        for l in fix.sql.lines() {
            let _ = writeln!(out, "{pad}       {}", st.paint("32", l));
        }
        if let Some(rb) = &fix.rollback {
            let _ = writeln!(out, "{pad}     {}", st.paint("1", "rollback:"));
            for l in rb.lines() {
                let _ = writeln!(out, "{pad}       {l}");
            }
        }
    }
    out.push('\n');
}

/// Renders findings for a terminal; `color` adds ANSI styles.
pub fn render_text(report: &Report<'_>, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    for f in report.findings {
        render_one(&mut out, f, report, &st);
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings in {}.", report.scope());
    } else {
        let n = report.findings.len();
        let _ = writeln!(
            out,
            "{} {} ({}) in {}.",
            n,
            if n == 1 { "finding" } else { "findings" },
            severity_counts(report.findings),
            report.scope()
        );
        // Which rules make up the count, most first, and how to narrow the report.
        let mut by_rule: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for f in report.findings {
            *by_rule.entry(f.rule).or_default() += 1;
        }
        let mut ranked: Vec<(&str, usize)> = by_rule.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if ranked.len() > 1 {
            let top: Vec<String> = ranked
                .iter()
                .take(5)
                .map(|(r, c)| format!("{r} {c}"))
                .collect();
            let more = ranked.len().saturating_sub(5);
            let _ = writeln!(
                out,
                "By rule: {}{}.",
                top.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(
            out,
            "Narrow it with --fail-on <severity>, `-- plumb:ignore <rule> <reason>` before a statement, or rules off in plumb.toml."
        );
    }
    out
}
