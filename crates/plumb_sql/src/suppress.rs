//! `-- plumb:ignore` suppression comments.
//!
//! `-- plumb:ignore rule-a,rule-b reason` suppresses those rules on the next statement;
//! `-- plumb:ignore-file rule-a reason` suppresses them in the whole file. Comments are found with
//! PostgreSQL's scanner, so a `--` inside a string literal is never mistaken for one.

use crate::parse::Statement;

/// What a suppression covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionScope {
    /// The statement at this index of `ParsedSql::statements`; `None` when no statement follows.
    Statement(Option<usize>),
    /// The whole file.
    File,
}

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Rule names (or codes) it names.
    pub rules: Vec<String>,
    /// The reason written after the rule list (may be empty).
    pub reason: String,
    /// What it covers.
    pub scope: SuppressionScope,
    /// Byte offset of the comment.
    pub start: usize,
    /// Byte offset just past the comment.
    pub end: usize,
}

const MARKER: &str = "plumb:ignore";

pub(crate) fn find(text: &str, statements: &[Statement]) -> Vec<Suppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let Ok(scan) = pg_query::scan(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for token in scan.tokens {
        let is_comment = token.token == pg_query::protobuf::Token::SqlComment as i32
            || token.token == pg_query::protobuf::Token::CComment as i32;
        if !is_comment {
            continue;
        }
        let (Ok(start), Ok(end)) = (usize::try_from(token.start), usize::try_from(token.end))
        else {
            continue;
        };
        let Some(raw) = text.get(start..end) else {
            continue;
        };
        let body = raw
            .trim_start_matches("--")
            .trim_start_matches("/*")
            .trim_end_matches("*/")
            .trim();
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        let (file_scope, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let (list, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let rules: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        let scope = if file_scope {
            SuppressionScope::File
        } else {
            SuppressionScope::Statement(statements.iter().position(|s| s.start >= end))
        };
        out.push(Suppression {
            rules,
            reason: reason.trim().to_owned(),
            scope,
            start,
            end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::parse;

    #[test]
    fn statement_and_file_suppressions() {
        let text = "-- plumb:ignore-file prefer-text-field legacy\nSELECT '-- plumb:ignore nope';\n\
                    -- plumb:ignore create-index-non-concurrently,drop-column small table\nCREATE INDEX i ON t (a);";
        let parsed = parse(text);
        assert_eq!(parsed.suppressions.len(), 2);
        let file = &parsed.suppressions[0];
        assert_eq!(file.scope, super::SuppressionScope::File);
        assert_eq!(file.rules, ["prefer-text-field"]);
        let stmt = &parsed.suppressions[1];
        assert_eq!(stmt.scope, super::SuppressionScope::Statement(Some(1)));
        assert_eq!(stmt.rules, ["create-index-non-concurrently", "drop-column"]);
        assert_eq!(stmt.reason, "small table");
    }
}
