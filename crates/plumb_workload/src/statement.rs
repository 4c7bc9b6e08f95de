//! What a `LOG` message says about a statement: `log_min_duration_statement`'s
//! `duration: 1.2 ms  statement: ...` and `execute <name>: ...`, `log_statement`'s
//! `statement: ...` (with `log_duration`'s `duration: 1.2 ms` after it), and the extended
//! protocol's `parse` / `bind` steps.

/// The protocol step a statement line reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A simple-protocol statement (`statement:`).
    Simple,
    /// `parse <name>:` (extended protocol; not an execution).
    Parse,
    /// `bind <name>:` (extended protocol; not an execution).
    Bind,
    /// `execute <name>:` (extended protocol).
    Execute,
}

/// A `LOG` message about a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Logged<'a> {
    /// A statement, with its duration when the same line gives one.
    Statement {
        /// Milliseconds, when logged on the same line.
        duration_ms: Option<f64>,
        /// Which step.
        step: Step,
        /// The SQL text.
        sql: &'a str,
    },
    /// `duration: X ms` alone: the duration of the session's previous statement.
    Duration(f64),
}

/// Reads a `LOG` message; `None` for messages about anything else.
pub fn classify(message: &str) -> Option<Logged<'_>> {
    let (duration_ms, rest) = match message.strip_prefix("duration: ") {
        Some(d) => {
            let (ms, rest) = d.split_once(" ms")?;
            let ms: f64 = ms.trim().parse().ok()?;
            let rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                return Some(Logged::Duration(ms));
            }
            (Some(ms), rest)
        }
        None => (None, message),
    };
    if let Some(sql) = rest.strip_prefix("statement: ") {
        return Some(Logged::Statement {
            duration_ms,
            step: Step::Simple,
            sql,
        });
    }
    for (word, step) in [
        ("execute ", Step::Execute),
        ("parse ", Step::Parse),
        ("bind ", Step::Bind),
    ] {
        if let Some(named) = rest.strip_prefix(word) {
            // `execute <unnamed>: SQL`, `execute S_1: SQL`, `execute S_1/C_2: SQL`.
            let (_, sql) = named.split_once(": ")?;
            return Some(Logged::Statement {
                duration_ms,
                step,
                sql,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_statement_lines() {
        assert_eq!(
            classify("duration: 5.260 ms  statement: SELECT 1"),
            Some(Logged::Statement {
                duration_ms: Some(5.26),
                step: Step::Simple,
                sql: "SELECT 1"
            })
        );
        assert_eq!(
            classify("duration: 0.207 ms  execute <unnamed>: INSERT INTO e VALUES ($1)"),
            Some(Logged::Statement {
                duration_ms: Some(0.207),
                step: Step::Execute,
                sql: "INSERT INTO e VALUES ($1)"
            })
        );
        assert_eq!(
            classify("execute S_1/C_2: SELECT $1"),
            Some(Logged::Statement {
                duration_ms: None,
                step: Step::Execute,
                sql: "SELECT $1"
            })
        );
        assert!(matches!(
            classify("duration: 0.006 ms  bind <unnamed>: SELECT 1"),
            Some(Logged::Statement {
                step: Step::Bind,
                ..
            })
        ));
        assert_eq!(classify("duration: 12.5 ms"), Some(Logged::Duration(12.5)));
        assert_eq!(classify("checkpoint starting: time"), None);
        assert_eq!(classify("duration: abc ms"), None);
    }
}
