//! Parsing a whole file into statements with spans, never failing.

use pg_query::NodeEnum;

use crate::ffi;
use crate::suppress::{self, Suppression};

/// One parsed top-level statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The statement's parse tree.
    pub node: NodeEnum,
    /// Byte offset of the statement's first token (leading comments excluded).
    pub start: usize,
    /// Byte offset just past the statement's last token (the `;` excluded).
    pub end: usize,
}

/// A statement PostgreSQL's parser rejects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// PostgreSQL's message, e.g. `syntax error at or near "TABEL"`.
    pub message: String,
    /// Byte offset where the parser stopped (or the statement start when unknown).
    pub offset: usize,
    /// Byte offset of the start of the rejected statement.
    pub statement_start: usize,
    /// Byte offset just past the rejected statement.
    pub statement_end: usize,
}

/// The result of parsing one SQL text.
#[derive(Clone, Debug, Default)]
pub struct ParsedSql {
    /// Statements in source order.
    pub statements: Vec<Statement>,
    /// Rejected statements in source order.
    pub errors: Vec<SyntaxError>,
    /// `-- plumb:ignore` comments.
    pub suppressions: Vec<Suppression>,
}

/// Parses `text` with the PostgreSQL parser.
///
/// When the whole text parses, one call to the parser does the work. Otherwise the text is split
/// at top-level semicolons by PostgreSQL's own scanner and each piece is parsed alone, so one bad
/// statement does not hide the others.
pub fn parse(text: &str) -> ParsedSql {
    let mut out = ParsedSql::default();
    match ffi::parse_protobuf(text) {
        Ok(tree) => push_statements(text, 0, text.len(), tree, &mut out),
        Err(whole_err) => parse_piecewise(text, whole_err, &mut out),
    }
    out.suppressions = suppress::find(text, &out.statements);
    out
}

fn push_statements(
    text: &str,
    base: usize,
    piece_end: usize,
    tree: pg_query::protobuf::ParseResult,
    out: &mut ParsedSql,
) {
    for raw in tree.stmts {
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        let loc = base + usize::try_from(raw.stmt_location).unwrap_or(0);
        let end = match usize::try_from(raw.stmt_len) {
            Ok(0) | Err(_) => piece_end,
            Ok(len) => (loc + len).min(piece_end),
        };
        let (start, end) = trim_trivia(text, loc, end);
        out.statements.push(Statement { node, start, end });
    }
}

fn parse_piecewise(text: &str, whole_err: ffi::RawError, out: &mut ParsedSql) {
    let pieces = if text.contains('\0') {
        None
    } else {
        pg_query::split_with_scanner(text).ok()
    };
    let Some(pieces) = pieces else {
        // The scanner itself failed (an unterminated quote or comment, a NUL byte): report the
        // parser's error for the whole text.
        let offset = whole_err.offset.unwrap_or(0).min(text.len());
        let (start, end) = trim_trivia(text, 0, text.len());
        out.errors.push(SyntaxError {
            message: whole_err.message,
            offset: offset.max(start).min(end.max(start)),
            statement_start: start,
            statement_end: end,
        });
        return;
    };
    let base_ptr = text.as_ptr() as usize;
    for piece in pieces {
        let base = (piece.as_ptr() as usize).saturating_sub(base_ptr);
        let piece_end = base + piece.len();
        match ffi::parse_protobuf(piece) {
            Ok(tree) => push_statements(text, base, piece_end, tree, out),
            Err(err) => {
                let (start, end) = trim_trivia(text, base, piece_end);
                let offset = err.offset.map_or(start, |o| base + o);
                out.errors.push(SyntaxError {
                    message: err.message,
                    offset: offset.clamp(start, end.max(start)),
                    statement_start: start,
                    statement_end: end,
                });
            }
        }
    }
}

/// Narrows `[start, end)` to exclude leading whitespace and comments and trailing whitespace.
fn trim_trivia(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut i = start.min(end);
    loop {
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..end].starts_with(b"--") {
            while i < end && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..end].starts_with(b"/*") {
            let mut depth = 0usize;
            while i < end {
                if bytes[i..end].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..end].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            break;
        }
    }
    let mut j = end;
    while j > i && bytes[j - 1].is_ascii_whitespace() {
        j -= 1;
    }
    (i, j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_exclude_comments_and_semicolons() {
        let text = "-- first\nCREATE TABLE a (id int);\n\n/* two */ SELECT 1;\nSELECT 2";
        let parsed = parse(text);
        assert!(parsed.errors.is_empty());
        let spans: Vec<&str> = parsed
            .statements
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(spans, ["CREATE TABLE a (id int)", "SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn one_bad_statement_does_not_hide_the_others() {
        let text = "SELECT 1;\nCREATE TABEL x (id int);\nSELECT 3;";
        let parsed = parse(text);
        assert_eq!(parsed.statements.len(), 2);
        assert_eq!(parsed.errors.len(), 1);
        let err = &parsed.errors[0];
        assert_eq!(err.message, "syntax error at or near \"TABEL\"");
        assert_eq!(&text[err.offset..err.offset + 5], "TABEL");
        assert_eq!(
            &text[err.statement_start..err.statement_end],
            "CREATE TABEL x (id int)"
        );
    }

    #[test]
    fn unterminated_quote_and_nul_are_errors_not_panics() {
        for text in ["SELECT 'abc", "SELECT 1;\0", "/* open", "$$"] {
            let parsed = parse(text);
            assert_eq!(parsed.errors.len(), 1, "{text:?}");
        }
        assert!(parse("").statements.is_empty());
        assert!(parse("  -- only a comment\n").errors.is_empty());
    }
}
