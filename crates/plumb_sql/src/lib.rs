//! plumb's SQL front end: parses text with the real PostgreSQL parser (libpg_query, through the
//! `pg_query` crate) into statements with byte spans, syntax errors with their position, and
//! `-- plumb:ignore` suppression comments.
//!
//! Nothing here does IO, and parsing never fails: it returns what parsed plus the errors.

pub mod ast;
pub mod canon;
mod ffi;
pub mod fingerprint;
mod lines;
mod parse;
mod suppress;

pub use lines::LineIndex;
pub use parse::{
    chunk_ends, list_items_after_name, parse, parse_abridged, uncovered_token, ParsedSql,
    Statement, SyntaxError,
};
pub use pg_query::{protobuf, NodeEnum, NodeRef};
pub use suppress::{Suppression, SuppressionScope};

/// Deparses one statement node back to SQL, or `None` when libpg_query cannot.
pub fn deparse(node: &NodeEnum) -> Option<String> {
    // A panic must never escape analysis, whatever the node.
    std::panic::catch_unwind(|| ffi::deparse_statement(node))
        .ok()
        .flatten()
}

/// Whether a text parses as PostgreSQL (checked by the parser alone, without exporting a tree).
pub fn parses(sql: &str) -> bool {
    !sql.contains('\0') && pg_query::split_with_parser(sql).is_ok()
}

/// Blanks out what psql reads that is not SQL — meta-commands such as `\connect` or
/// `\restrict` (in `pg_dump` output) and the data lines of `COPY ... FROM stdin` up to `\.` —
/// with spaces, keeping every byte offset (and so line and column numbers) unchanged.
pub fn blank_psql_meta(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\n\\") && !text.starts_with('\\') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_copy_data = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let blank = if in_copy_data {
            if body == "\\." {
                in_copy_data = false;
            }
            true
        } else if body.starts_with('\\') {
            true
        } else {
            let upper = body.trim_start().to_ascii_uppercase();
            if upper.starts_with("COPY ") && upper.trim_end().ends_with("FROM STDIN;") {
                in_copy_data = true;
            }
            false
        };
        if blank {
            out.push_str(&" ".repeat(body.len()));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The end of the clause that starts at `start` (a column definition): the `,` or `)` that
/// closes it at its own nesting level, or `limit`; quoted text is skipped and trailing space
/// dropped.
pub fn clause_end(text: &str, start: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut depth, mut quote) = (start, 0i32, None::<u8>);
    while i < limit.min(bytes.len()) {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' => depth += 1,
                b')' | b']' if depth > 0 => depth -= 1,
                b',' | b')' if depth == 0 => break,
                _ => {}
            },
        }
        i += 1;
    }
    start + text[start..i].trim_end().len()
}
