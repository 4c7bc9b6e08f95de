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

/// The lines of `src` from the one holding byte `at` on, without their line breaks: found from
/// the byte offset, so a report on a big file does not count lines from the top per finding.
fn lines_from(src: &str, at: usize) -> impl Iterator<Item = &str> {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    src[start..]
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Source lines longer than this are shown as a window around the span.
const MAX_LINE: usize = 160;

/// A long line abridged to a window around the 0-based character `focus`: the text shown and
/// the column (0-based, in characters) of the line's character 0 in it, which can be negative
/// when the start was cut off.
fn window(text: &str, focus: usize) -> (String, isize) {
    let n = text.chars().count();
    if n <= MAX_LINE {
        return (text.to_owned(), 0);
    }
    let from = focus.saturating_sub(60);
    let to = (from + MAX_LINE - 20).min(n);
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    shown.extend(text.chars().skip(from).take(to - from));
    if to < n {
        shown.push('…');
    }
    let shift = isize::from(from > 0) - isize::try_from(from).unwrap_or(0);
    (shown, shift)
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
                let start_byte = match &f.location {
                    Location::Span { start_byte, .. } => *start_byte,
                    _ => 0,
                };
                for (line, raw) in (start.line..=last).zip(lines_from(src, start_byte)) {
                    let from = if line == start.line {
                        start.column as usize
                    } else {
                        1
                    };
                    let to = if line == end.line {
                        end.column as usize
                    } else {
                        raw.chars().count()
                    };
                    let lead = if line == start.line {
                        from - 1
                    } else {
                        raw.chars().take_while(|c| c.is_whitespace()).count()
                    };
                    let (text, shift) = window(raw, lead);
                    let _ = writeln!(
                        out,
                        "{} {bar} {text}",
                        st.paint("1;34", &format!("{line:>gutter_width$}"))
                    );
                    if to >= from && !raw.trim().is_empty() {
                        let shown = text.chars().count();
                        let at = |col: usize| {
                            usize::try_from(isize::try_from(col).unwrap_or(0) + shift)
                                .unwrap_or(0)
                                .min(shown)
                        };
                        let caret_from = at(lead);
                        let caret_to = at(to).max(caret_from + 1).min(shown.max(caret_from + 1));
                        let _ = writeln!(
                            out,
                            "{pad} {bar} {}{}",
                            " ".repeat(caret_from),
                            st.paint("1;31", &"^".repeat(caret_to - caret_from))
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
            let defined = match f.defined_at.as_deref() {
                Some(Location::Span { file, start, .. }) => {
                    format!(" (defined at {file}:{}:{})", start.line, start.column)
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} {object_kind} {}{defined}",
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
