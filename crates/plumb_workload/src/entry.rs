//! Entries of a stderr log: one prefixed line and the continuation lines after it (a multi-line
//! statement's next lines, which PostgreSQL writes starting with a tab), as one message with
//! its prefix fields and severity.

use std::borrow::Cow;

use crate::prefix::{severity_at, Fields, Prefix};

/// One log message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// What the prefix said.
    pub fields: Fields<'a>,
    /// `LOG`, `ERROR`, `DETAIL`, `STATEMENT`, ...
    pub severity: &'a str,
    /// The text after `SEVERITY:  `, continuation lines joined with `\n` (their leading tab
    /// removed).
    pub message: Cow<'a, str>,
    /// 1-based line number of the entry's first line in its input.
    pub line: usize,
}

/// Splits a stderr log into entries. Lines before the first prefixed line (the tail of an
/// entry that began in an earlier file) are counted in [`Entries::orphan_lines`], not lost
/// in silence.
pub struct Entries<'a, 'p> {
    lines: std::iter::Peekable<std::iter::Enumerate<std::str::Lines<'a>>>,
    prefix: &'p Prefix,
    /// Lines no entry claimed.
    pub orphan_lines: usize,
}

impl<'a, 'p> Entries<'a, 'p> {
    /// The entries of `text`, a stderr log written with `prefix`.
    pub fn new(text: &'a str, prefix: &'p Prefix) -> Self {
        Entries {
            lines: text.lines().enumerate().peekable(),
            prefix,
            orphan_lines: 0,
        }
    }
}

impl<'a> Iterator for Entries<'a, '_> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        loop {
            let (n, line) = self.lines.next()?;
            let Some((fields, rest)) = self.prefix.split(line) else {
                self.orphan_lines += 1;
                continue;
            };
            // `rest` starts at the severity: `LOG:  message`.
            let colon = rest.find(":  ").unwrap_or(rest.len());
            let severity = &rest[..colon];
            let first = rest.get(colon + 3..).unwrap_or_default();
            let mut message = Cow::Borrowed(first);
            // Continuation lines: whatever does not start a new entry.
            while let Some((_, next)) = self.lines.peek() {
                if severity_at(next).is_some() && self.prefix.split(next).is_some() {
                    break;
                }
                let (_, next) = self.lines.next()?;
                let m = message.to_mut();
                m.push('\n');
                m.push_str(next.strip_prefix('\t').unwrap_or(next));
            }
            return Some(Entry {
                fields,
                severity,
                message,
                line: n + 1,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_join_their_entry() {
        let p = Prefix::parse("%m [%p] %q%u@%d ").expect("prefix");
        let log = "\tstray tail of an earlier file\n\
2026-12-06 06:18:59.667 UTC [30691] root@test LOG:  duration: 0.301 ms  statement: SELECT a,\n\
\t  b\n\
\tFROM t\n\
2026-12-06 06:18:59.669 UTC [30691] root@test ERROR:  division by zero\n\
2026-12-06 06:18:59.669 UTC [30691] root@test STATEMENT:  SELECT 1/0\n\
2026-12-06 06:18:59.700 UTC [2264] LOG:  checkpoint starting: time\n";
        let mut entries = Entries::new(log, &p);
        let all: Vec<Entry<'_>> = entries.by_ref().collect();
        assert_eq!(entries.orphan_lines, 1);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].severity, "LOG");
        assert_eq!(
            all[0].message,
            "duration: 0.301 ms  statement: SELECT a,\n  b\nFROM t"
        );
        assert_eq!(all[0].line, 2);
        assert_eq!(
            (all[1].severity, all[1].message.as_ref()),
            ("ERROR", "division by zero")
        );
        assert_eq!(all[2].severity, "STATEMENT");
        assert_eq!(all[3].fields.user, None);
        assert_eq!(all[3].fields.pid, Some("2264"));
    }
}
