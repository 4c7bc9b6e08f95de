//! Parsing a whole file into statements with spans, never failing.

use pg_query::NodeEnum;

use crate::ffi;
use crate::suppress::{self, Suppression, SuppressionScope};

/// One parsed top-level statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The statement's parse tree.
    pub node: NodeEnum,
    /// Byte offset of the statement's first token (leading comments excluded).
    pub start: usize,
    /// Byte offset just past the statement's last token (the `;` excluded).
    pub end: usize,
    /// Byte offset that the `location` fields inside `node` are relative to: a node at
    /// `location` L starts at byte `base + L` of the text. For an abridged statement only the
    /// locations in its header (before the dropped body) are meaningful.
    pub base: usize,
    /// True when the tree omits the statement's body (see [`parse_abridged`]): a view's query is
    /// replaced by `SELECT 1`. The span still covers the whole statement.
    pub abridged: bool,
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
        Err(whole_err) => parse_piecewise(text, &whole_err, &mut out),
    }
    out.suppressions = suppress::find(text, &out.statements);
    out
}

/// Like [`parse`], but bodies that migration linting never looks into are dropped from the tree
/// (the statement is marked [`Statement::abridged`]):
/// - the query of `CREATE [MATERIALIZED] VIEW` (replaced by `SELECT 1`);
/// - the rows of `INSERT` (replaced by `DEFAULT VALUES`);
/// - the body of `CREATE FUNCTION`/`PROCEDURE` and `DO` (replaced by an empty string).
///
/// The whole text is still checked by PostgreSQL's parser, so syntax errors inside those bodies
/// are still reported. Exporting the parse trees of view queries, row data and function bodies
/// is most of the parser's cost on real migration sets.
pub fn parse_abridged(text: &str) -> ParsedSql {
    if !has_abridgeable(text) || text.contains('\0') {
        return parse(text);
    }
    let Ok(pieces) = pg_query::split_with_parser(text) else {
        // A syntax error somewhere: the full path reports it precisely.
        return parse(text);
    };
    let mut out = ParsedSql::default();
    let base_ptr = text.as_ptr() as usize;
    let mut run: Option<(usize, usize)> = None;
    let flush = |run: &mut Option<(usize, usize)>, out: &mut ParsedSql| {
        if let Some((a, b)) = run.take() {
            match ffi::parse_protobuf(&text[a..b]) {
                Ok(tree) => push_statements(text, a, b, tree, out),
                Err(e) => parse_piecewise(&text[a..b], &e, out),
            }
        }
    };
    for piece in pieces {
        let start = (piece.as_ptr() as usize).saturating_sub(base_ptr);
        let end = start + piece.len();
        if let Some(node) = abridged_node(piece) {
            flush(&mut run, &mut out);
            let (s, e) = trim_trivia(text, start, end);
            out.statements.push(Statement {
                node,
                start: s,
                end: e,
                base: start,
                abridged: true,
            });
        } else {
            run = Some(run.map_or((start, end), |(a, _)| (a, end)));
        }
    }
    flush(&mut run, &mut out);
    out.suppressions = suppress::find(text, &out.statements);
    out
}

fn has_abridgeable(text: &str) -> bool {
    // Only view queries are worth the extra split pass on their own (measured on the corpus:
    // abridging INSERT rows and function bodies alone costs more than it saves); in a file that
    // has a view, those are abridged too.
    text.as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"view"))
}

/// The abridged parse tree of a statement whose body linting never needs, if it is one.
fn abridged_node(piece: &str) -> Option<NodeEnum> {
    let words = leading_words(piece, 6);
    let first = words.first()?;
    let synthesized = if first.eq_ignore_ascii_case("insert") {
        insert_header(piece)?
    } else if first.eq_ignore_ascii_case("do") {
        "DO ''".to_owned()
    } else if first.eq_ignore_ascii_case("create")
        && words
            .iter()
            .skip(1)
            .take(3)
            .any(|w| w.eq_ignore_ascii_case("function") || w.eq_ignore_ascii_case("procedure"))
    {
        routine_without_body(piece)?
    } else {
        return view_header(piece);
    };
    let tree = ffi::parse_protobuf(&synthesized).ok()?;
    let mut stmts = tree.stmts.into_iter();
    let node = stmts.next()?.stmt?.node?;
    if stmts.next().is_some() {
        return None;
    }
    matches!(
        node,
        NodeEnum::InsertStmt(_) | NodeEnum::DoStmt(_) | NodeEnum::CreateFunctionStmt(_)
    )
    .then_some(node)
}

/// `INSERT INTO target` of an INSERT, followed by `DEFAULT VALUES`.
fn insert_header(piece: &str) -> Option<String> {
    let (start, end) = trim_trivia(piece, 0, piece.len());
    let stmt = &piece[start..end];
    let upper = stmt.get(..stmt.len().min(300))?.to_ascii_uppercase();
    // `INSERT ... SELECT` keeps its query: the linter reads which tables it copies from.
    if !upper.starts_with("INSERT") || upper.contains("SELECT") {
        return None;
    }
    let into = upper.find("INTO ")? + 5;
    let rest = &upper[into..];
    let stop = rest
        .find(|c: char| c == '(' || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    // Only plain `INSERT INTO name` or `schema.name` (no quoting): the rest falls back.
    let target = stmt[into..into + stop].trim();
    let plain = !target.is_empty()
        && target
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    plain.then(|| format!("INSERT INTO {target} DEFAULT VALUES"))
}

/// A CREATE FUNCTION/PROCEDURE with its `AS '...'` or `AS $tag$...$tag$` body emptied.
fn routine_without_body(piece: &str) -> Option<String> {
    let b = piece.as_bytes();
    let mut from = 0;
    // Find `AS` followed by a string literal, outside parentheses.
    loop {
        let at = from + top_level_as(&piece[from..])?;
        let mut i = at + 2;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            Some(b'$') => {
                let tag_end = i + 1 + piece[i + 1..].find('$')?;
                let tag = &piece[i..=tag_end];
                if !tag[1..tag.len() - 1]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    return None;
                }
                let close = tag_end + 1 + piece[tag_end + 1..].find(tag)?;
                return Some(format!(
                    "{}AS ''{}",
                    &piece[..at],
                    &piece[close + tag.len()..]
                ));
            }
            Some(b'\'') => {
                let mut j = i + 1;
                loop {
                    match b.get(j)? {
                        b'\'' if b.get(j + 1) == Some(&b'\'') => j += 2,
                        b'\'' => break,
                        _ => j += 1,
                    }
                }
                return Some(format!("{}AS ''{}", &piece[..at], &piece[j + 1..]));
            }
            _ => from = at + 2,
        }
    }
}

/// For `CREATE [OR REPLACE] [TEMP] [RECURSIVE|MATERIALIZED] VIEW name ... AS query`, the parse tree
/// of the statement with its query replaced by `SELECT 1`.
fn view_header(piece: &str) -> Option<NodeEnum> {
    let words = leading_words(piece, 6);
    let is_view = words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("create"))
        && words
            .iter()
            .skip(1)
            .take(4)
            .any(|w| w.eq_ignore_ascii_case("view"));
    if !is_view {
        return None;
    }
    let as_at = top_level_as(piece)?;
    let header = format!("{} AS SELECT 1", &piece[..as_at]);
    let tree = ffi::parse_protobuf(&header).ok()?;
    let node = tree.stmts.into_iter().next()?.stmt?.node?;
    matches!(node, NodeEnum::ViewStmt(_) | NodeEnum::CreateTableAsStmt(_)).then_some(node)
}

/// The first `n` words of a statement, skipping comments.
fn leading_words(text: &str, n: usize) -> Vec<&str> {
    let (start, end) = trim_trivia(text, 0, text.len());
    text[start..end]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(n)
        .collect()
}

/// Byte offset of the first `AS` keyword outside parentheses, quotes and comments.
fn top_level_as(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0usize, 0i32);
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            // A `--` comment ends at a newline or a carriage return, as in PostgreSQL's scanner.
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && !matches!(b[i], b'\n' | b'\r') {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let close = text[i + 2..].find("*/")?;
                i += close + 3;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'a' | b'A' if depth == 0 => {
                let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
                let is_as = b.get(i + 1).is_some_and(|c| c.eq_ignore_ascii_case(&b's'))
                    && b.get(i + 2)
                        .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
                if word_start && is_as {
                    return Some(i);
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                // Skip the rest of an identifier so `alias`, `bas` never match.
                while i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn push_statements(
    text: &str,
    base: usize,
    piece_end: usize,
    tree: pg_query::protobuf::ParseResult,
    out: &mut ParsedSql,
) {
    // A statement is a few hundred bytes: growing the vector by doubling copied them all again.
    out.statements.reserve_exact(tree.stmts.len());
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
        out.statements.push(Statement {
            node,
            start,
            end,
            base,
            abridged: false,
        });
    }
}

fn parse_piecewise(text: &str, whole_err: &ffi::RawError, out: &mut ParsedSql) {
    let Some(pieces) = split_statements(text) else {
        // The scanner itself failed (an unterminated quote or comment, a NUL byte): report the
        // parser's error for the whole text.
        let offset = whole_err.offset.unwrap_or(0).min(text.len());
        let (start, end) = trim_trivia(text, 0, text.len());
        out.errors.push(SyntaxError {
            message: one_line(&whole_err.message),
            offset: offset.max(start).min(end.max(start)),
            statement_start: start,
            statement_end: end,
        });
        return;
    };
    for piece in pieces {
        let (base, piece_end) = (piece.start, piece.end);
        match ffi::parse_protobuf(&text[base..piece_end]) {
            Ok(tree) => push_statements(text, base, piece_end, tree, out),
            Err(err) if piece.inner_semicolons.is_empty() => {
                push_error(text, base, piece_end, &err, base, out);
            }
            Err(err) => {
                // A `(` that is never closed swallows the rest of the file into one piece. The
                // parser stops at the first error; the text after it is split at every `;` and
                // parsed on its own, so one typo does not hide every statement after it.
                let stop = err.offset.map_or(base, |o| base + o);
                let mut from = base;
                let mut reported = false;
                for cut in piece
                    .inner_semicolons
                    .iter()
                    .copied()
                    .chain(std::iter::once(piece_end))
                {
                    let (s, e) = (from, cut);
                    from = cut + 1;
                    if trim_trivia(text, s, e).0 >= e {
                        continue;
                    }
                    if !reported && stop <= e.max(s) {
                        reported = true;
                        push_error(text, s, e, &err, base, out);
                        continue;
                    }
                    match ffi::parse_protobuf(&text[s..e]) {
                        Ok(tree) => push_statements(text, s, e, tree, out),
                        Err(sub) => push_error(text, s, e, &sub, s, out),
                    }
                }
            }
        }
    }
}

/// Records a rejected statement `[start, end)`; `err.offset` is relative to `err_base`.
fn push_error(
    text: &str,
    start: usize,
    end: usize,
    err: &ffi::RawError,
    err_base: usize,
    out: &mut ParsedSql,
) {
    let (start, end) = trim_trivia(text, start, end);
    let offset = err.offset.map_or(start, |o| err_base + o);
    out.errors.push(SyntaxError {
        message: one_line(&err.message),
        offset: offset.clamp(start, end.max(start)),
        statement_start: start,
        statement_end: end,
    });
}

/// A parser message on one line: PostgreSQL quotes the offending token, which may span lines.
fn one_line(message: &str) -> String {
    if message.contains(['\n', '\r']) {
        message
            .split(['\n', '\r'])
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        message.to_owned()
    }
}

/// One top-level piece of a script, as psql would send it.
struct Piece {
    start: usize,
    /// Just before the terminating `;` (or the end of the text).
    end: usize,
    /// `;` tokens inside unclosed parentheses (only possible in text PostgreSQL rejects, or in
    /// a multi-action `CREATE RULE`).
    inner_semicolons: Vec<usize>,
}

/// Splits `text` at top-level semicolons the way psql does, with PostgreSQL's own scanner so
/// that `;` inside strings, quoted identifiers, dollar quotes and comments never splits: a `)`
/// with no `(` open is ignored (psql never lets the depth go below zero) and `BEGIN ATOMIC ... END`
/// bodies are kept whole. Unlike libpg_query's splitter, every piece that holds a token is kept,
/// even one without a keyword, so nothing of the input can be dropped. `None` when the scanner
/// rejects the text (an unterminated quote or comment, a NUL byte).
fn split_statements(text: &str) -> Option<Vec<Piece>> {
    if text.contains('\0') {
        return None;
    }
    let tokens = scan_tokens(text)?;
    let mut pieces = Vec::new();
    let mut nesting = Nesting::default();
    let mut start = 0usize;
    let mut inner = Vec::new();
    let mut seen_token = false;
    for t in &tokens {
        let Ok(s) = usize::try_from(t.start) else {
            continue;
        };
        match nesting.step(t.token) {
            Step::Comment => continue,
            Step::Boundary => {
                if seen_token {
                    pieces.push(Piece {
                        start,
                        end: s,
                        inner_semicolons: std::mem::take(&mut inner),
                    });
                }
                start = s + 1;
                seen_token = false;
                continue;
            }
            Step::InnerSemicolon => inner.push(s),
            Step::Other => {}
        }
        seen_token = true;
    }
    if seen_token {
        pieces.push(Piece {
            start,
            end: text.len(),
            inner_semicolons: inner,
        });
    }
    Some(pieces)
}

/// Where a token stream stands relative to statement boundaries, tracked as psql does:
/// parenthesis depth (never below zero) and `BEGIN ATOMIC ... END` bodies (with their `CASE ...
/// END`s), in which a `;` does not end the statement.
#[derive(Default)]
struct Nesting {
    depth: usize,
    atomic: usize,
    prev: i32,
}

/// What one token is to [`Nesting`].
enum Step {
    Comment,
    /// A `;` that ends a statement.
    Boundary,
    /// A `;` inside parentheses or a `BEGIN ATOMIC` body.
    InnerSemicolon,
    Other,
}

impl Nesting {
    fn step(&mut self, tok: i32) -> Step {
        use pg_query::protobuf::Token;
        if tok == Token::SqlComment as i32 || tok == Token::CComment as i32 {
            return Step::Comment;
        }
        let mut step = Step::Other;
        if tok == Token::Ascii40 as i32 {
            self.depth += 1;
        } else if tok == Token::Ascii41 as i32 {
            self.depth = self.depth.saturating_sub(1);
        } else if (tok == Token::Atomic as i32 && self.prev == Token::BeginP as i32)
            || (self.atomic > 0 && tok == Token::Case as i32)
        {
            self.atomic += 1;
        } else if self.atomic > 0 && tok == Token::EndP as i32 {
            self.atomic -= 1;
        } else if tok == Token::Ascii59 as i32 {
            step = if self.depth == 0 && self.atomic == 0 {
                Step::Boundary
            } else {
                Step::InnerSemicolon
            };
        }
        self.prev = tok;
        step
    }
}

/// PostgreSQL's scanner over `text`, `None` when it rejects it. Text that is only whitespace has
/// no tokens (libpg_query returns a null array for it, which must not reach `scan_tokens`).
fn scan_tokens(text: &str) -> Option<Vec<pg_query::protobuf::ScanToken>> {
    if text
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x0b'))
    {
        return Some(Vec::new());
    }
    pg_query::scan_tokens(text).ok()
}

/// Where to cut a large script into pieces of about `target` bytes that can be parsed one at a
/// time: each cut is just past a top-level `;`, so every piece is whole statements and parsing
/// the pieces gives the same statements as parsing the text at once, with memory bounded by the
/// piece instead of the file. Returns the end offsets of the pieces (the last is `text.len()`).
///
/// A window of the text is scanned with PostgreSQL's scanner; the tokens before a cut inside a
/// string or comment lex the same as in the whole text, and a window the scanner rejects (the
/// cut fell inside a quote) is widened until it does not. Text without a usable `;` (an unclosed
/// parenthesis) stays one piece.
pub fn chunk_ends(text: &str, target: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = 0usize;
    let target = target.max(1);
    if text.contains('\0') {
        return vec![text.len()];
    }
    while text.len() - pos > target {
        let mut window = target;
        loop {
            let mut end = (pos + window).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            if end >= text.len() {
                ends.push(text.len());
                return ends;
            }
            if let Some(cut) = last_top_level_semicolon(&text[pos..end]) {
                pos += cut + 1;
                ends.push(pos);
                break;
            }
            window = window.saturating_mul(2);
        }
    }
    ends.push(text.len());
    ends
}

/// Offset of the last `;` of `text` outside parentheses and `BEGIN ATOMIC` bodies, if the
/// scanner accepts the text.
fn last_top_level_semicolon(text: &str) -> Option<usize> {
    let tokens = scan_tokens(text)?;
    let mut nesting = Nesting::default();
    let mut last = None;
    for t in &tokens {
        if let Step::Boundary = nesting.step(t.token) {
            last = usize::try_from(t.start).ok();
        }
    }
    last
}

impl ParsedSql {
    /// Moves a piece's parse to its place in the whole text: byte offsets grow by `bytes` and
    /// statement indices (of suppressions) by `statements`.
    pub fn shift(&mut self, bytes: usize, statements: usize) {
        for s in &mut self.statements {
            s.start += bytes;
            s.end += bytes;
            s.base += bytes;
        }
        for e in &mut self.errors {
            e.offset += bytes;
            e.statement_start += bytes;
            e.statement_end += bytes;
        }
        for s in &mut self.suppressions {
            s.start += bytes;
            s.end += bytes;
            if let SuppressionScope::Statement(Some(i)) = &mut s.scope {
                *i += statements;
            }
        }
    }
}

/// The first token of `text` that is neither inside a parsed statement nor inside a rejected
/// one, if any: the invariant "nothing of the input is silently dropped" is
/// `uncovered_token(text, &parse(text)).is_none()`. Comments and `;` need no cover. When the
/// scanner rejects the text, the whole text must be one rejected statement.
pub fn uncovered_token(text: &str, parsed: &ParsedSql) -> Option<usize> {
    use pg_query::protobuf::Token;
    let spans: Vec<(usize, usize)> = parsed
        .statements
        .iter()
        .map(|s| (s.start, s.end))
        .chain(
            parsed
                .errors
                .iter()
                .map(|e| (e.statement_start, e.statement_end)),
        )
        .collect();
    let covered = |a: usize, b: usize| spans.iter().any(|&(s, e)| s <= a && b <= e);
    let tokens = if text.contains('\0') {
        None
    } else {
        scan_tokens(text)
    };
    let Some(tokens) = tokens else {
        let (s, e) = trim_trivia(text, 0, text.len());
        return (s < e && !covered(s, e)).then_some(s);
    };
    tokens.iter().find_map(|t| {
        let (a, b) = (usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?);
        let trivia = [Token::SqlComment, Token::CComment, Token::Ascii59]
            .iter()
            .any(|k| *k as i32 == t.token);
        (!trivia && !covered(a, b)).then_some(a)
    })
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
            // Up to a newline or a carriage return, as PostgreSQL's scanner reads it.
            while i < end && !matches!(bytes[i], b'\n' | b'\r') {
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

/// The items of a comma-separated list that follows a (possibly qualified) name in `sql`: for
/// `ALTER TABLE s.t ADD COLUMN a int, ALTER COLUMN b SET NOT NULL`, with `name_at` the byte where
/// `s.t` starts, the byte ranges of `ADD COLUMN a int` and `ALTER COLUMN b SET NOT NULL`. Commas
/// inside parentheses, strings, dollar quotes and comments do not split, and an item's range runs
/// from its first token to the end of its last (comments around it left out). The name may be
/// followed by `*`. `None` when the scanner rejects the text or no token starts at `name_at`.
pub fn list_items_after_name(sql: &str, name_at: usize) -> Option<Vec<(usize, usize)>> {
    use pg_query::protobuf::Token;
    let tokens = scan_tokens(sql)?;
    let is_comment = |t: i32| t == Token::SqlComment as i32 || t == Token::CComment as i32;
    let code: Vec<_> = tokens.iter().filter(|t| !is_comment(t.token)).collect();
    let mut i = code
        .iter()
        .position(|t| usize::try_from(t.start).ok() == Some(name_at))?;
    // The name and its `.part`s, then an optional `*` (inheritance children included).
    i += 1;
    while i + 1 < code.len() && code[i].token == Token::Ascii46 as i32 {
        i += 2;
    }
    if code
        .get(i)
        .is_some_and(|t| t.token == Token::Ascii42 as i32)
    {
        i += 1;
    }
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut item: Option<(usize, usize)> = None;
    for t in &code[i..] {
        let (Ok(s), Ok(e)) = (usize::try_from(t.start), usize::try_from(t.end)) else {
            continue;
        };
        if t.token == Token::Ascii44 as i32 && depth == 0 {
            items.extend(item.take());
            continue;
        }
        if t.token == Token::Ascii40 as i32 {
            depth += 1;
        } else if t.token == Token::Ascii41 as i32 {
            depth = depth.saturating_sub(1);
        }
        item = Some(item.map_or((s, e), |(a, _)| (a, e)));
    }
    items.extend(item);
    Some(items)
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
    fn abridged_views_keep_names_and_spans() {
        let text = "CREATE TABLE t (a int);\n-- v\nCREATE OR REPLACE VIEW public.\"As\" (x) WITH (security_barrier) AS\n  SELECT a AS x FROM t WHERE a IN (SELECT 1 AS one);\nCREATE MATERIALIZED VIEW mv AS SELECT 1 WITH NO DATA;\nALTER TABLE t ADD COLUMN b int;";
        let full = parse(text);
        let abridged = parse_abridged(text);
        assert_eq!(full.statements.len(), abridged.statements.len());
        for (f, a) in full.statements.iter().zip(&abridged.statements) {
            assert_eq!((f.start, f.end), (a.start, a.end));
            assert_eq!(
                std::mem::discriminant(&f.node),
                std::mem::discriminant(&a.node)
            );
        }
        assert!(abridged.statements[1].abridged && abridged.statements[2].abridged);
        let NodeEnum::ViewStmt(v) = &abridged.statements[1].node else {
            panic!()
        };
        assert_eq!(v.view.as_ref().unwrap().relname, "As");
        let text = "CREATE VIEW w AS SELECT 1;\nINSERT INTO public.t (a) VALUES (1), (2);\nCREATE OR REPLACE FUNCTION f(x int) RETURNS int AS $body$ SELECT x; $body$ LANGUAGE sql;\nDO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT ''a''::int';";
        let full = parse(text);
        let abridged = parse_abridged(text);
        assert_eq!(full.statements.len(), 5);
        for (f, a) in full.statements.iter().zip(&abridged.statements) {
            assert_eq!((f.start, f.end), (a.start, a.end));
            assert_eq!(
                std::mem::discriminant(&f.node),
                std::mem::discriminant(&a.node)
            );
            assert!(a.abridged);
        }
        let NodeEnum::InsertStmt(i) = &abridged.statements[1].node else {
            panic!()
        };
        assert_eq!(i.relation.as_ref().unwrap().relname, "t");
        // A syntax error inside a view body is still found.
        let bad = parse_abridged("CREATE VIEW v AS SELEC 1;");
        assert_eq!(bad.errors.len(), 1);
    }

    #[test]
    fn unbalanced_parentheses_never_hide_statements() {
        // libpg_query's splitter loses these whole: a stray `)` underflows its depth counter,
        // an unclosed `(` never ends, and pieces without a keyword are skipped.
        let cases: &[(&str, usize, usize)] = &[
            ("SELECT 1);\nCREATE INDEX j ON t (b);\nDROP TABLE t;\n", 2, 1),
            ("SELECT (1;", 0, 1),
            ("CREATE TABLE x (id int));", 0, 1),
            ("SELECT (1;\nCREATE INDEX j ON t (b);\nDROP TABLE t;", 2, 1),
            ("SELECT 1; ]; DROP TABLE t;", 2, 1),
            ("SELECT 1; 42; SELECT 2", 2, 1),
            (")", 0, 1),
            ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELEC 3;", 1, 1),
            // Found by the fuzzer: a `--` comment ends at a carriage return too.
            ("CREATE TAB/LE t (id int);\n-- ok\rLOCK TABLE t;\n", 1, 1),
            ("-- c\rSELECT 1;", 1, 0),
        ];
        for &(text, statements, errors) in cases {
            let parsed = parse(text);
            assert_eq!(parsed.statements.len(), statements, "{text:?}");
            assert_eq!(parsed.errors.len(), errors, "{text:?}");
            assert_eq!(uncovered_token(text, &parsed), None, "{text:?}");
            let abridged = parse_abridged(text);
            assert_eq!(uncovered_token(text, &abridged), None, "{text:?}");
        }
        // The error sits where PostgreSQL stops: at the `;` the unclosed `(` runs into.
        let text = "SELECT (1;\nCREATE INDEX j ON t (b);";
        let e = &parse(text).errors[0];
        assert_eq!(&text[e.offset..=e.offset], ";");
        assert_eq!(&text[e.statement_start..e.statement_end], "SELECT (1");
        // A stray `)`: PostgreSQL reports it, the statements after it are still read.
        let text = "SELECT 1);\nCREATE INDEX j ON t (b);";
        let p = parse(text);
        assert_eq!(&text[p.errors[0].offset..=p.errors[0].offset], ")");
        assert!(matches!(p.statements[0].node, NodeEnum::IndexStmt(_)));
    }

    #[test]
    fn chunked_parse_equals_whole_parse() {
        let text = "CREATE TABLE a (id int);\n-- plumb:ignore x\nSELECT ';', $q$ ; $q$;\n\
                    CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n\
                    /* ; */ INSERT INTO a VALUES (1), (2);\nSELECT (1; SELECT 2);\nSELECT 3";
        let whole = parse_abridged(text);
        for target in 1..text.len() + 2 {
            let ends = chunk_ends(text, target);
            assert_eq!(ends.last(), Some(&text.len()));
            let (mut from, mut spans, mut errors, mut supp) =
                (0, Vec::new(), Vec::new(), Vec::new());
            for end in ends {
                let mut p = parse_abridged(&text[from..end]);
                p.shift(from, spans.len());
                spans.extend(p.statements.iter().map(|s| (s.start, s.end)));
                errors.extend(p.errors);
                supp.extend(p.suppressions);
                from = end;
            }
            let want: Vec<_> = whole.statements.iter().map(|s| (s.start, s.end)).collect();
            assert_eq!(spans, want, "target {target}");
            assert_eq!(errors, whole.errors, "target {target}");
            assert_eq!(supp, whole.suppressions, "target {target}");
        }
    }

    #[test]
    fn messages_are_one_line() {
        // PostgreSQL quotes the token it stopped at, here a string spanning two lines.
        let p = parse("SELECT 1 'a\nb';");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].message, "syntax error at or near \"'a b'\"");
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

    #[test]
    fn list_items_split_alter_subcommands_at_top_level_commas() {
        let sql = "ALTER TABLE ONLY s.\"t\" * ADD COLUMN a numeric(10, 2) DEFAULT 'x, y', /* a, b */\n  ALTER COLUMN b SET NOT NULL -- c, d\n, ADD CONSTRAINT k CHECK (a IN (1, 2))";
        let at = sql.find("s.").unwrap();
        let items = list_items_after_name(sql, at).unwrap();
        let texts: Vec<&str> = items.iter().map(|&(s, e)| &sql[s..e]).collect();
        assert_eq!(
            texts,
            [
                "ADD COLUMN a numeric(10, 2) DEFAULT 'x, y'",
                "ALTER COLUMN b SET NOT NULL",
                "ADD CONSTRAINT k CHECK (a IN (1, 2))"
            ]
        );
        assert!(list_items_after_name(sql, at + 3).is_none());
        assert!(list_items_after_name("ALTER TABLE t ADD 'x", 12).is_none());
    }
}
