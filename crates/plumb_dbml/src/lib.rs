//! DBML (Database Markup Language, <https://dbml.dbdiagram.io/docs/>) to PostgreSQL DDL, for
//! `plumb schema import`: design a schema in DBML, review it with plumb, and start from the
//! generated first migration.
//!
//! Supported: `Table` (schema-qualified names, aliases, notes, column settings `pk`,
//! `primary key`, `increment`, `not null`, `null`, `unique`, `default`, `note`, inline `ref`),
//! `Indexes` blocks (columns, expressions in backticks, composite keys, `pk`, `unique`,
//! `name`, `type`; a backtick key is written as given when PostgreSQL takes it as an index
//! element, so `` `name gin_trgm_ops` `` and `` `created_at DESC` `` keep their operator class
//! and order; an index note holding `INCLUDE (...)` / `WHERE ...` completes the index, and
//! one starting `CONSTRAINT` makes it a UNIQUE constraint), `checks` blocks, `Enum` (with value
//! notes), `Ref` (short and long form, composite keys, `delete`/`update` actions), `Note`, and
//! the `Project` note, whose `extensions: a, b` line and SQL statements (as `plumb schema docs`
//! writes what DBML has no syntax for: collations, text search configurations, domains, types,
//! sequences, functions, aggregates, `ALTER TABLE`s, views and their indexes) are run where
//! they must be;
//! `TableGroup` and `Records` are read and ignored.
//! Column types are taken as written (domains, extension types), except names only other
//! databases use (`string`, `datetime`), refused with what to use instead. Identifiers are
//! quoted where PostgreSQL needs it (keywords such as `authorization`). The input is untrusted
//! text: every error is a [`DbmlError`] with a line and column, never a panic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use plumb_sql::ast::quote_ident;
use plumb_sql::NodeEnum;

/// A parse or validation error, with its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbmlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for DbmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for DbmlError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A bare word.
    Word(String),
    /// A double-quoted name.
    Quoted(String),
    /// A single- or triple-quoted string.
    Str(String),
    /// A backtick expression.
    Expr(String),
    /// A number.
    Number(String),
    /// Punctuation; `<>` is one token.
    Punct(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, DbmlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let err = |line, column, message: String| DbmlError {
        line,
        column,
        message,
    };
    while i < chars.len() {
        let c = chars[i];
        let (tl, tc) = (line, col);
        let advance = |n: usize, i: &mut usize, line: &mut usize, col: &mut usize| {
            for _ in 0..n {
                if chars.get(*i) == Some(&'\n') {
                    *line += 1;
                    *col = 1;
                } else {
                    *col += 1;
                }
                *i += 1;
            }
        };
        if c.is_whitespace() {
            advance(1, &mut i, &mut line, &mut col);
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                advance(1, &mut i, &mut line, &mut col);
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            advance(2, &mut i, &mut line, &mut col);
            loop {
                if i >= chars.len() {
                    return Err(err(tl, tc, "unterminated /* comment".into()));
                }
                if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    advance(2, &mut i, &mut line, &mut col);
                    break;
                }
                advance(1, &mut i, &mut line, &mut col);
            }
            continue;
        }
        if c == '\'' {
            let triple = chars.get(i + 1) == Some(&'\'') && chars.get(i + 2) == Some(&'\'');
            let quote_len = if triple { 3 } else { 1 };
            advance(quote_len, &mut i, &mut line, &mut col);
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(err(tl, tc, "unterminated string".into()));
                };
                if ch == '\\' {
                    if let Some(&next) = chars.get(i + 1) {
                        s.push(next);
                        advance(2, &mut i, &mut line, &mut col);
                        continue;
                    }
                }
                if triple
                    && ch == '\''
                    && chars.get(i + 1) == Some(&'\'')
                    && chars.get(i + 2) == Some(&'\'')
                {
                    advance(3, &mut i, &mut line, &mut col);
                    break;
                }
                if !triple && ch == '\'' {
                    advance(1, &mut i, &mut line, &mut col);
                    break;
                }
                if !triple && ch == '\n' {
                    return Err(err(
                        tl,
                        tc,
                        "unterminated string (use '''...''' for text on several lines)".into(),
                    ));
                }
                s.push(ch);
                advance(1, &mut i, &mut line, &mut col);
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: tl,
                column: tc,
            });
            continue;
        }
        if c == '"' || c == '`' {
            advance(1, &mut i, &mut line, &mut col);
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    let what = if c == '"' {
                        "quoted name"
                    } else {
                        "backtick expression"
                    };
                    return Err(err(tl, tc, format!("unterminated {what}")));
                };
                if ch == '\\' && chars.get(i + 1) == Some(&c) {
                    s.push(c);
                    advance(2, &mut i, &mut line, &mut col);
                    continue;
                }
                if ch == c {
                    advance(1, &mut i, &mut line, &mut col);
                    break;
                }
                s.push(ch);
                advance(1, &mut i, &mut line, &mut col);
            }
            let tok = if c == '"' {
                Tok::Quoted(s)
            } else {
                Tok::Expr(s)
            };
            out.push(Token {
                tok,
                line: tl,
                column: tc,
            });
            continue;
        }
        if c.is_ascii_digit()
            || (c == '-'
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                && matches!(
                    out.last(),
                    Some(Token {
                        tok: Tok::Punct(":"),
                        ..
                    })
                ))
        {
            let mut s = String::new();
            s.push(c);
            advance(1, &mut i, &mut line, &mut col);
            while let Some(&ch) = chars.get(i) {
                if ch.is_ascii_digit() || ch == '.' {
                    s.push(ch);
                    advance(1, &mut i, &mut line, &mut col);
                } else {
                    break;
                }
            }
            // A number run into letters is a word (`2fa_secret`).
            if chars
                .get(i)
                .is_some_and(|ch| ch.is_alphabetic() || *ch == '_')
            {
                while let Some(&ch) = chars.get(i) {
                    if ch.is_alphanumeric() || ch == '_' {
                        s.push(ch);
                        advance(1, &mut i, &mut line, &mut col);
                    } else {
                        break;
                    }
                }
                out.push(Token {
                    tok: Tok::Word(s),
                    line: tl,
                    column: tc,
                });
            } else {
                out.push(Token {
                    tok: Tok::Number(s),
                    line: tl,
                    column: tc,
                });
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(&ch) = chars.get(i) {
                if ch.is_alphanumeric() || ch == '_' {
                    s.push(ch);
                    advance(1, &mut i, &mut line, &mut col);
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Word(s),
                line: tl,
                column: tc,
            });
            continue;
        }
        let punct: &'static str = match c {
            '<' if chars.get(i + 1) == Some(&'>') => "<>",
            '{' => "{",
            '}' => "}",
            '[' => "[",
            ']' => "]",
            '(' => "(",
            ')' => ")",
            ',' => ",",
            ':' => ":",
            '.' => ".",
            '<' => "<",
            '>' => ">",
            '-' => "-",
            ';' => ";",
            _ => return Err(err(tl, tc, format!("unexpected character `{c}`"))),
        };
        advance(punct.len(), &mut i, &mut line, &mut col);
        out.push(Token {
            tok: Tok::Punct(punct),
            line: tl,
            column: tc,
        });
    }
    Ok(out)
}

/// A value of a setting or a default.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Number(String),
    Expr(String),
    Word(String),
}

#[derive(Clone, Debug, Default)]
struct ColumnDef {
    name: String,
    type_name: String,
    type_line: (usize, usize),
    pk: bool,
    increment: bool,
    not_null: bool,
    unique: bool,
    default: Option<Value>,
    note: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct IndexDef {
    /// Column names, or expressions (`true`).
    keys: Vec<(String, bool)>,
    pk: bool,
    unique: bool,
    name: Option<String>,
    method: Option<String>,
    /// The index note: an `INCLUDE (...)` and/or `WHERE ...` clause is appended to the index.
    note: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct TableDef {
    schema: Option<String>,
    name: String,
    columns: Vec<ColumnDef>,
    indexes: Vec<IndexDef>,
    /// `checks { `expr` [name: 'n'] }`: name and expression.
    checks: Vec<(Option<String>, String)>,
    note: Option<String>,
}

#[derive(Clone, Debug)]
struct RefDef {
    name: Option<String>,
    /// The referencing side (foreign key) and the referenced side: table parts and columns.
    from: (Vec<String>, Vec<String>),
    to: (Vec<String>, Vec<String>),
    delete: Option<String>,
    update: Option<String>,
    at: (usize, usize),
}

#[derive(Clone, Debug, Default)]
struct EnumDef {
    schema: Option<String>,
    name: String,
    values: Vec<String>,
    note: Option<String>,
}

/// One `[key: value]` setting with its position.
type Setting = (String, Option<Value>, (usize, usize));

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    tables: Vec<TableDef>,
    enums: Vec<EnumDef>,
    refs: Vec<RefDef>,
    aliases: BTreeMap<String, Vec<String>>,
    /// The `Project` note (plumb writes the extensions the schema needs there).
    project_note: Option<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn here(&self) -> (usize, usize) {
        self.peek()
            .or_else(|| self.toks.last())
            .map_or((1, 1), |t| (t.line, t.column))
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, DbmlError> {
        let (line, column) = self.here();
        Err(DbmlError {
            line,
            column,
            message: message.into(),
        })
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Punct(q), .. }) if *q == p)
    }

    /// Whether the next tokens open a `word { ... }` block (`Indexes {`, `checks {`).
    fn block_starts(&self, word: &str) -> bool {
        self.is_word(word)
            && self
                .toks
                .get(self.pos + 1)
                .is_some_and(|t| t.tok == Tok::Punct("{"))
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(x), .. }) if x.eq_ignore_ascii_case(w))
    }

    fn expect(&mut self, p: &str) -> Result<(), DbmlError> {
        if self.is_punct(p) {
            self.pos += 1;
            Ok(())
        } else {
            self.error(format!("expected `{p}`{}", self.found()))
        }
    }

    fn found(&self) -> String {
        match self.peek().map(|t| &t.tok) {
            None => ", found the end of the file".to_owned(),
            Some(Tok::Word(w) | Tok::Number(w)) => format!(", found `{w}`"),
            Some(Tok::Quoted(w)) => format!(", found \"{w}\""),
            Some(Tok::Str(_)) => ", found a string".to_owned(),
            Some(Tok::Expr(_)) => ", found a backtick expression".to_owned(),
            Some(Tok::Punct(p)) => format!(", found `{p}`"),
        }
    }

    /// A name: a word or a double-quoted name.
    fn name(&mut self) -> Result<String, DbmlError> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(w) | Tok::Quoted(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => self.error(format!("expected a name{}", self.found())),
        }
    }

    /// A dotted name: `a`, `a.b`, `a.b.c`.
    fn dotted(&mut self) -> Result<Vec<String>, DbmlError> {
        let mut parts = vec![self.name()?];
        while self.is_punct(".") {
            self.pos += 1;
            if self.is_punct("(") {
                // `table.(a, b)`: the caller reads the column list.
                self.pos -= 1;
                break;
            }
            parts.push(self.name()?);
        }
        Ok(parts)
    }

    fn string(&mut self) -> Result<String, DbmlError> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => self.error(format!("expected a 'string'{}", self.found())),
        }
    }

    /// Skips a balanced `{ ... }` block.
    fn skip_block(&mut self) -> Result<(), DbmlError> {
        self.expect("{")?;
        let mut depth = 1;
        while depth > 0 {
            match self.next() {
                None => return self.error("unterminated block: missing `}`"),
                Some(Token {
                    tok: Tok::Punct("{"),
                    ..
                }) => depth += 1,
                Some(Token {
                    tok: Tok::Punct("}"),
                    ..
                }) => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// `[a, b: value, c d]` → (key, value) pairs; keys lower-cased, words joined by a space.
    fn settings(&mut self) -> Result<Vec<Setting>, DbmlError> {
        self.expect("[")?;
        let mut out = Vec::new();
        loop {
            if self.is_punct("]") {
                self.pos += 1;
                return Ok(out);
            }
            let at = self.here();
            let mut key = Vec::new();
            while let Some(Token {
                tok: Tok::Word(w), ..
            }) = self.peek()
            {
                key.push(w.to_ascii_lowercase());
                self.pos += 1;
            }
            if key.is_empty() {
                return self.error(format!("expected a setting{}", self.found()));
            }
            let key = key.join(" ");
            let value = if self.is_punct(":") {
                self.pos += 1;
                Some(self.value(&key)?)
            } else {
                None
            };
            out.push((key, value, at));
            if self.is_punct(",") {
                self.pos += 1;
            } else if !self.is_punct("]") {
                return self.error(format!("expected `,` or `]`{}", self.found()));
            }
        }
    }

    fn value(&mut self, key: &str) -> Result<Value, DbmlError> {
        if key == "ref" {
            // Inline ref: `> table.column`; kept as text, read by the column.
            let mut text = String::new();
            while !self.is_punct(",") && !self.is_punct("]") {
                match self.next() {
                    Some(Token {
                        tok: Tok::Punct(p), ..
                    }) => text.push_str(p),
                    Some(Token {
                        tok: Tok::Word(w), ..
                    }) => text.push_str(&w),
                    Some(Token {
                        tok: Tok::Quoted(w),
                        ..
                    }) => {
                        text.push('"');
                        text.push_str(&w);
                        text.push('"');
                    }
                    _ => return self.error("expected `ref: > table.column`"),
                }
                text.push(' ');
            }
            return Ok(Value::Word(text));
        }
        match self.next().map(|t| t.tok) {
            Some(Tok::Str(s)) => Ok(Value::Str(s)),
            Some(Tok::Number(n)) => Ok(Value::Number(n)),
            Some(Tok::Expr(e)) => Ok(Value::Expr(e)),
            Some(Tok::Word(w) | Tok::Quoted(w)) => {
                // `set null`, `no action`: words up to the next separator.
                let mut words = vec![w];
                while let Some(Token {
                    tok: Tok::Word(x), ..
                }) = self.peek()
                {
                    words.push(x.clone());
                    self.pos += 1;
                }
                Ok(Value::Word(words.join(" ")))
            }
            Some(Tok::Punct("-")) => {
                if let Some(Tok::Number(n)) = self.next().map(|t| t.tok) {
                    Ok(Value::Number(format!("-{n}")))
                } else {
                    self.pos -= 1;
                    self.error("expected a number after `-`")
                }
            }
            _ => {
                self.pos -= 1;
                self.error(format!("expected a value for `{key}`{}", self.found()))
            }
        }
    }

    fn note(&mut self) -> Result<String, DbmlError> {
        // `Note: '...'` or `Note { '...' }` (the `Note` word is consumed).
        if self.is_punct(":") {
            self.pos += 1;
            return self.string();
        }
        self.expect("{")?;
        let s = self.string()?;
        self.expect("}")?;
        Ok(s)
    }

    fn file(&mut self) -> Result<(), DbmlError> {
        while let Some(t) = self.peek().cloned() {
            let Tok::Word(w) = &t.tok else {
                return self.error(format!(
                    "expected Table, Enum, Ref, Note, Project or TableGroup{}",
                    self.found()
                ));
            };
            match w.to_ascii_lowercase().as_str() {
                "table" => {
                    self.pos += 1;
                    self.table()?;
                }
                "enum" => {
                    self.pos += 1;
                    self.enum_def()?;
                }
                "ref" => {
                    self.pos += 1;
                    self.ref_def()?;
                }
                "note" => {
                    self.pos += 1;
                    if !self.is_punct(":") && !self.is_punct("{") {
                        self.name()?;
                    }
                    self.note()?;
                }
                "project" => {
                    self.pos += 1;
                    self.project()?;
                }
                "tablegroup" | "records" => {
                    self.pos += 1;
                    while !self.is_punct("{") {
                        if self.next().is_none() {
                            return self.error("expected `{`");
                        }
                    }
                    self.skip_block()?;
                }
                "tablepartial" => {
                    return self
                        .error("TablePartial is not supported; write the columns in each table");
                }
                _ => {
                    return self.error(format!(
                        "expected Table, Enum, Ref, Note, Project or TableGroup, found `{w}`"
                    ));
                }
            }
        }
        Ok(())
    }

    /// `[schema.]name` of a table or enum: its parts, schema and name.
    fn qualified_name(
        &mut self,
        what: &str,
    ) -> Result<(Vec<String>, Option<String>, String), DbmlError> {
        let parts = self.dotted()?;
        match split_schema(&parts) {
            Some((schema, name)) => Ok((parts, schema, name)),
            None => self.error(format!("{what} name has at most a schema and a name")),
        }
    }

    fn table(&mut self) -> Result<(), DbmlError> {
        let (parts, schema, name) = self.qualified_name("a table")?;
        let mut table = TableDef {
            schema,
            name,
            ..TableDef::default()
        };
        if self.is_word("as") {
            self.pos += 1;
            let alias = self.name()?;
            self.aliases.insert(alias, parts.clone());
        }
        if self.is_punct("[") {
            for (k, v, _) in self.settings()? {
                if k == "note" {
                    if let Some(Value::Str(s)) = v {
                        table.note = Some(s);
                    }
                }
            }
        }
        self.expect("{")?;
        loop {
            if self.is_punct("}") {
                self.pos += 1;
                break;
            }
            if self.peek().is_none() {
                return self.error(format!("table {}: missing `}}`", table.name));
            }
            if self.block_starts("indexes") {
                self.pos += 1;
                self.indexes(&mut table)?;
                continue;
            }
            if self.block_starts("checks") {
                self.pos += 1;
                self.checks(&mut table)?;
                continue;
            }
            if self.is_word("note")
                && self
                    .toks
                    .get(self.pos + 1)
                    .is_some_and(|t| matches!(t.tok, Tok::Punct(":" | "{")))
            {
                self.pos += 1;
                table.note = Some(self.note()?);
                continue;
            }
            let col = self.column(&parts)?;
            table.columns.push(col);
        }
        self.tables.push(table);
        Ok(())
    }

    fn column(&mut self, table_parts: &[String]) -> Result<ColumnDef, DbmlError> {
        let name_line = self.here().0;
        let name = self.name()?;
        let type_line = self.here();
        if type_line.0 != name_line {
            return self.error(format!("column {name}: expected its type on the same line"));
        }
        let mut type_name = self.dotted()?.join(".");
        if self.is_punct("(") {
            // Type modifiers: `varchar(255)`, `numeric(10, 2)`.
            self.pos += 1;
            let mut mods = Vec::new();
            loop {
                if let Some(Tok::Number(n) | Tok::Word(n)) = self.next().map(|t| t.tok) {
                    mods.push(n);
                } else {
                    self.pos -= 1;
                    return self.error(format!(
                        "column {name}: expected a type modifier{}",
                        self.found()
                    ));
                }
                if self.is_punct(",") {
                    self.pos += 1;
                } else {
                    self.expect(")")?;
                    break;
                }
            }
            type_name = format!("{type_name}({})", mods.join(","));
        }
        while self.is_punct("[")
            && self
                .toks
                .get(self.pos + 1)
                .is_some_and(|t| t.tok == Tok::Punct("]"))
        {
            self.pos += 2;
            type_name.push_str("[]");
        }
        let mut col = ColumnDef {
            name,
            type_name,
            type_line,
            ..ColumnDef::default()
        };
        if self.is_punct("[") && self.here().0 == name_line {
            for (k, v, at) in self.settings()? {
                match (k.as_str(), v) {
                    ("pk" | "primary key", None) => col.pk = true,
                    ("increment", None) => col.increment = true,
                    ("not null", None) => col.not_null = true,
                    ("null", None) => col.not_null = false,
                    ("unique", None) => col.unique = true,
                    ("default", Some(v)) => col.default = Some(v),
                    ("note", Some(Value::Str(s))) => col.note = Some(s),
                    ("ref", Some(Value::Word(text))) => {
                        let r = Self::inline_ref(table_parts, &col.name, &text, at)?;
                        self.refs.push(r);
                    }
                    ("check", _) => {}
                    (k, _) => {
                        return Err(DbmlError {
                            line: at.0,
                            column: at.1,
                            message: format!("column {}: unknown setting `{k}`", col.name),
                        })
                    }
                }
            }
        }
        Ok(col)
    }

    fn inline_ref(
        table: &[String],
        column: &str,
        text: &str,
        at: (usize, usize),
    ) -> Result<RefDef, DbmlError> {
        let err = |m: &str| DbmlError {
            line: at.0,
            column: at.1,
            message: m.to_owned(),
        };
        let text = text.trim();
        let (op, rest) = ["<>", ">", "<", "-"]
            .iter()
            .find_map(|op| text.strip_prefix(op).map(|r| (*op, r)))
            .ok_or_else(|| err("expected `ref: > table.column` (or <, -)"))?;
        let parts: Vec<String> = rest
            .split('.')
            .map(|p| p.trim().trim_matches('"').to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        let Some((col, tbl)) = parts.split_last() else {
            return Err(err("expected `ref: > table.column`"));
        };
        let this = (table.to_vec(), vec![column.to_owned()]);
        let other = (tbl.to_vec(), vec![col.clone()]);
        let (from, to) = match op {
            ">" | "-" => (this, other),
            "<" => (other, this),
            _ => {
                return Err(err(
                    "many-to-many refs (<>) need a junction table; declare it and two refs",
                ))
            }
        };
        Ok(RefDef {
            name: None,
            from,
            to,
            delete: None,
            update: None,
            at,
        })
    }

    fn indexes(&mut self, table: &mut TableDef) -> Result<(), DbmlError> {
        self.expect("{")?;
        loop {
            if self.is_punct("}") {
                self.pos += 1;
                return Ok(());
            }
            let line = self.here().0;
            let mut idx = IndexDef::default();
            match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Punct("(")) => {
                    self.pos += 1;
                    loop {
                        match self.next().map(|t| t.tok) {
                            Some(Tok::Word(w) | Tok::Quoted(w)) => idx.keys.push((w, false)),
                            Some(Tok::Expr(e)) => idx.keys.push((e, true)),
                            _ => {
                                self.pos -= 1;
                                return self
                                    .error(format!("expected an index column{}", self.found()));
                            }
                        }
                        if self.is_punct(",") {
                            self.pos += 1;
                        } else {
                            self.expect(")")?;
                            break;
                        }
                    }
                }
                Some(Tok::Word(w) | Tok::Quoted(w)) => {
                    self.pos += 1;
                    idx.keys.push((w, false));
                }
                Some(Tok::Expr(e)) => {
                    self.pos += 1;
                    idx.keys.push((e, true));
                }
                _ => return self.error(format!("expected an index{}", self.found())),
            }
            if self.is_punct("[") && self.here().0 == line {
                for (k, v, at) in self.settings()? {
                    match (k.as_str(), v) {
                        ("pk", None) => idx.pk = true,
                        ("unique", None) => idx.unique = true,
                        ("name", Some(Value::Str(s) | Value::Word(s))) => idx.name = Some(s),
                        ("type", Some(Value::Word(s) | Value::Str(s))) => {
                            idx.method = Some(s.to_ascii_lowercase());
                        }
                        ("note", Some(Value::Str(s))) => idx.note = Some(s),
                        ("note", _) => {}
                        (k, _) => {
                            return Err(DbmlError {
                                line: at.0,
                                column: at.1,
                                message: format!("index: unknown setting `{k}`"),
                            })
                        }
                    }
                }
            }
            table.indexes.push(idx);
        }
    }

    /// `checks { `expr` [name: 'n'] ... }`.
    fn checks(&mut self, table: &mut TableDef) -> Result<(), DbmlError> {
        self.expect("{")?;
        loop {
            if self.is_punct("}") {
                self.pos += 1;
                return Ok(());
            }
            let line = self.here().0;
            let Some(Tok::Expr(e)) = self.next().map(|t| t.tok) else {
                self.pos -= 1;
                return self.error(format!(
                    "expected a check expression in backticks{}",
                    self.found()
                ));
            };
            let mut name = None;
            if self.is_punct("[") && self.here().0 == line {
                for (k, v, at) in self.settings()? {
                    match (k.as_str(), v) {
                        ("name", Some(Value::Str(s) | Value::Word(s))) => name = Some(s),
                        (k, _) => {
                            return Err(DbmlError {
                                line: at.0,
                                column: at.1,
                                message: format!("check: unknown setting `{k}`"),
                            })
                        }
                    }
                }
            }
            table.checks.push((name, e));
        }
    }

    /// `Project name { database_type: '...' Note: '...' }`: the note is kept.
    fn project(&mut self) -> Result<(), DbmlError> {
        while !self.is_punct("{") {
            if self.next().is_none() {
                return self.error("expected `{`");
            }
        }
        self.pos += 1;
        loop {
            if self.is_punct("}") {
                self.pos += 1;
                return Ok(());
            }
            if self.is_word("note") {
                self.pos += 1;
                self.project_note = Some(self.note()?);
                continue;
            }
            // `key: 'value'`
            self.name()?;
            self.expect(":")?;
            if self.next().is_none() {
                return self.error("expected a value");
            }
        }
    }

    fn enum_def(&mut self) -> Result<(), DbmlError> {
        let (_, schema, name) = self.qualified_name("an enum")?;
        let mut e = EnumDef {
            schema,
            name,
            ..EnumDef::default()
        };
        self.expect("{")?;
        loop {
            if self.is_punct("}") {
                self.pos += 1;
                break;
            }
            if self.is_word("note")
                && self
                    .toks
                    .get(self.pos + 1)
                    .is_some_and(|t| matches!(t.tok, Tok::Punct(":" | "{")))
            {
                self.pos += 1;
                e.note = Some(self.note()?);
                continue;
            }
            let line = self.here().0;
            let v = self.name()?;
            if self.is_punct("[") && self.here().0 == line {
                self.settings()?;
            }
            e.values.push(v);
        }
        if e.values.is_empty() {
            return self.error(format!("enum {} has no values", e.name));
        }
        self.enums.push(e);
        Ok(())
    }

    fn endpoint(&mut self) -> Result<(Vec<String>, Vec<String>), DbmlError> {
        let mut parts = self.dotted()?;
        if self.is_punct(".") {
            self.pos += 1;
            self.expect("(")?;
            let mut cols = Vec::new();
            loop {
                cols.push(self.name()?);
                if self.is_punct(",") {
                    self.pos += 1;
                } else {
                    self.expect(")")?;
                    break;
                }
            }
            return Ok((parts, cols));
        }
        if parts.len() < 2 {
            return self.error("a ref endpoint is `table.column` or `table.(a, b)`");
        }
        let col = parts.pop().unwrap_or_default();
        Ok((parts, vec![col]))
    }

    fn ref_body(&mut self, name: Option<String>) -> Result<RefDef, DbmlError> {
        let at = self.here();
        let left = self.endpoint()?;
        let Some(Tok::Punct(op @ (">" | "<" | "-" | "<>"))) = self.next().map(|t| t.tok) else {
            self.pos -= 1;
            return self.error(format!("expected a relationship (>, <, -){}", self.found()));
        };
        let right = self.endpoint()?;
        let (from, to) = match op {
            ">" | "-" => (left, right),
            "<" => (right, left),
            _ => {
                return Err(DbmlError {
                    line: at.0,
                    column: at.1,
                    message:
                        "many-to-many refs (<>) need a junction table; declare it and two refs"
                            .into(),
                })
            }
        };
        if from.1.len() != to.1.len() {
            return Err(DbmlError {
                line: at.0,
                column: at.1,
                message: "the two sides of a ref have different numbers of columns".into(),
            });
        }
        let mut r = RefDef {
            name,
            from,
            to,
            delete: None,
            update: None,
            at,
        };
        if self.is_punct("[") && self.here().0 == at.0 {
            for (k, v, at) in self.settings()? {
                let action = match v {
                    Some(Value::Word(w) | Value::Str(w)) => w.to_ascii_lowercase(),
                    _ => String::new(),
                };
                match k.as_str() {
                    "delete" => r.delete = Some(action),
                    "update" => r.update = Some(action),
                    "color" | "name" => {}
                    k => {
                        return Err(DbmlError {
                            line: at.0,
                            column: at.1,
                            message: format!("ref: unknown setting `{k}`"),
                        })
                    }
                }
            }
        }
        Ok(r)
    }

    fn ref_def(&mut self) -> Result<(), DbmlError> {
        let name = if self.is_punct(":") || self.is_punct("{") {
            None
        } else {
            Some(self.name()?)
        };
        if self.is_punct(":") {
            self.pos += 1;
            let r = self.ref_body(name)?;
            self.refs.push(r);
            return Ok(());
        }
        self.expect("{")?;
        while !self.is_punct("}") {
            if self.peek().is_none() {
                return self.error("unterminated Ref block: missing `}`");
            }
            let r = self.ref_body(name.clone())?;
            self.refs.push(r);
        }
        self.pos += 1;
        Ok(())
    }
}

fn split_schema(parts: &[String]) -> Option<(Option<String>, String)> {
    match parts {
        [name] => Some((None, name.clone())),
        [schema, name] => Some((Some(schema.clone()), name.clone())),
        _ => None,
    }
}

/// Type names other databases (and DBML examples written for them) use that PostgreSQL does
/// not have, with what to use instead. Any other name is taken as written: PostgreSQL knows it,
/// or a domain, enum or extension type of the schema provides it.
const FOREIGN_TYPES: &[(&str, &str)] = &[
    ("string", "text or varchar(n)"),
    ("str", "text"),
    ("datetime", "timestamptz"),
    ("datetime2", "timestamptz"),
    ("nvarchar", "varchar(n) or text"),
    ("nchar", "char(n)"),
    ("longtext", "text"),
    ("mediumtext", "text"),
    ("tinytext", "text"),
    ("tinyint", "smallint"),
    ("mediumint", "integer"),
    ("long", "bigint"),
    ("double", "double precision"),
    ("blob", "bytea"),
    ("longblob", "bytea"),
    ("varbinary", "bytea"),
    ("uniqueidentifier", "uuid"),
    ("number", "numeric"),
    ("int64", "bigint"),
    ("int32", "integer"),
];

fn sql_name(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if s != plumb_catalog::DEFAULT_SCHEMA => {
            format!("{}.{}", quote_ident(s), quote_ident(name))
        }
        _ => quote_ident(name),
    }
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn default_sql(v: &Value) -> String {
    match v {
        Value::Str(s) => sql_string(s),
        Value::Number(n) => n.clone(),
        Value::Expr(e) => e.clone(),
        Value::Word(w) => match w.to_ascii_lowercase().as_str() {
            "true" | "false" | "null" => w.to_ascii_uppercase(),
            _ => sql_string(w),
        },
    }
}

fn action_sql(a: &str, at: (usize, usize)) -> Result<&'static str, DbmlError> {
    Ok(match a {
        "cascade" => "CASCADE",
        "restrict" => "RESTRICT",
        "set null" => "SET NULL",
        "set default" => "SET DEFAULT",
        "no action" => "NO ACTION",
        other => {
            return Err(DbmlError {
                line: at.0,
                column: at.1,
                message: format!("unknown referential action `{other}`; use cascade, restrict, set null, set default or no action"),
            })
        }
    })
}

/// Parses DBML and writes the PostgreSQL DDL that creates the design: schemas, enum types,
/// tables with keys and defaults, indexes, comments, then foreign keys (so tables may refer to
/// each other in any order).
pub fn to_ddl(text: &str) -> Result<String, DbmlError> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        tables: Vec::new(),
        enums: Vec::new(),
        refs: Vec::new(),
        aliases: BTreeMap::new(),
        project_note: None,
    };
    p.file()?;
    let mut out = String::from("-- Generated by plumb schema import from DBML.\n");
    // The Project note as `plumb schema docs` writes it: an `extensions: pg_trgm, citext` line,
    // then SQL for what DBML has no syntax for.
    let note = ProjectSql::read(p.project_note.as_deref().unwrap_or_default(), &p.tables);
    for e in &note.extensions {
        out.push_str(&format!(
            "CREATE EXTENSION IF NOT EXISTS {};\n",
            quote_ident(e)
        ));
    }
    let types_sql = note.types.concat();
    let schemas: BTreeSet<&str> = p
        .tables
        .iter()
        .filter_map(|t| t.schema.as_deref())
        .chain(p.enums.iter().filter_map(|e| e.schema.as_deref()))
        .filter(|s| *s != plumb_catalog::DEFAULT_SCHEMA)
        .collect();
    for s in &schemas {
        out.push_str(&format!(
            "CREATE SCHEMA IF NOT EXISTS {};\n",
            quote_ident(s)
        ));
    }
    out.push_str(&types_sql);
    let enum_names: BTreeSet<String> = p
        .enums
        .iter()
        .flat_map(|e| {
            let mut v = vec![e.name.to_ascii_lowercase()];
            if let Some(s) = &e.schema {
                v.push(format!("{s}.{}", e.name).to_ascii_lowercase());
            }
            v
        })
        .collect();
    for e in &p.enums {
        let values: Vec<String> = e.values.iter().map(|v| sql_string(v)).collect();
        out.push_str(&format!(
            "\nCREATE TYPE {} AS ENUM ({});\n",
            sql_name(e.schema.as_deref(), &e.name),
            values.join(", ")
        ));
        if let Some(n) = &e.note {
            out.push_str(&format!(
                "COMMENT ON TYPE {} IS {};\n",
                sql_name(e.schema.as_deref(), &e.name),
                sql_string(n)
            ));
        }
    }
    if !note.functions.is_empty() {
        // Bodies are checked when the functions run, not now: they may read tables created below.
        out.push_str("\nSET check_function_bodies = false;\n");
        out.push_str(&note.functions.concat());
    }
    let mut seen_tables = BTreeSet::new();
    for t in &p.tables {
        let tname = sql_name(t.schema.as_deref(), &t.name);
        if !seen_tables.insert(tname.clone()) {
            return Err(DbmlError {
                line: 1,
                column: 1,
                message: format!("table {tname} is declared twice"),
            });
        }
        let mut lines = Vec::new();
        let composite_pk: Vec<&IndexDef> = t.indexes.iter().filter(|i| i.pk).collect();
        if composite_pk.len() + usize::from(t.columns.iter().any(|c| c.pk)) > 1
            || t.columns.iter().filter(|c| c.pk).count() > 1
        {
            return Err(DbmlError { line: 1, column: 1, message: format!("table {tname} has more than one primary key; use one `[pk]` or one `(a, b) [pk]` index") });
        }
        for c in &t.columns {
            let base = c
                .type_name
                .split('(')
                .next()
                .unwrap_or_default()
                .trim_end_matches("[]")
                .to_ascii_lowercase();
            // DBML takes any type name (domains, extension types such as `cube`); only the
            // names other databases use, which PostgreSQL lacks, are refused with a hint.
            if let Some(hint) = FOREIGN_TYPES
                .iter()
                .find(|(t, _)| *t == base)
                .map(|(_, h)| *h)
                .filter(|_| !enum_names.contains(&base))
            {
                return Err(DbmlError {
                    line: c.type_line.0,
                    column: c.type_line.1,
                    message: format!(
                        "column {}: `{}` is not a PostgreSQL type; use {hint}, or declare an Enum of that name",
                        c.name, c.type_name
                    ),
                });
            }
            let mut line = format!("    {} {}", quote_ident(&c.name), c.type_name);
            if c.increment {
                line.push_str(" GENERATED BY DEFAULT AS IDENTITY");
            }
            if let Some(d) = &c.default {
                line.push_str(&format!(" DEFAULT {}", default_sql(d)));
            }
            if c.not_null && !c.pk {
                line.push_str(" NOT NULL");
            }
            if c.pk {
                line.push_str(" PRIMARY KEY");
            }
            if c.unique && !c.pk {
                line.push_str(" UNIQUE");
            }
            lines.push(line);
        }
        if let Some(pk) = composite_pk.first() {
            let cols: Vec<String> = pk.keys.iter().map(|(k, _)| quote_ident(k)).collect();
            let name = pk
                .name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
                .unwrap_or_default();
            lines.push(format!("    {name}PRIMARY KEY ({})", cols.join(", ")));
        }
        for (name, expr) in &t.checks {
            let name = name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
                .unwrap_or_default();
            lines.push(format!("    {name}CHECK ({expr})"));
        }
        out.push_str(&format!(
            "\nCREATE TABLE {tname} (\n{}\n);\n",
            lines.join(",\n")
        ));
        for i in t.indexes.iter().filter(|i| !i.pk) {
            let keys: Vec<String> = i
                .keys
                .iter()
                .map(|(k, expr)| {
                    // An index element as written (`lower(email)`, `name gin_trgm_ops`,
                    // `created_at DESC`) when PostgreSQL takes it so; otherwise an expression
                    // in parentheses.
                    if !*expr {
                        quote_ident(k)
                    } else if plumb_sql::parses(&format!("CREATE INDEX i ON t ({k})")) {
                        k.clone()
                    } else {
                        format!("({k})")
                    }
                })
                .collect();
            let name = i
                .name
                .as_ref()
                .map(|n| format!("{} ", quote_ident(n)))
                .unwrap_or_default();
            let method = i
                .method
                .as_ref()
                .map(|m| format!(" USING {m}"))
                .unwrap_or_default();
            // A note holding `INCLUDE (...)` and/or `WHERE ...` (as plumb writes what DBML has
            // no syntax for) completes the index.
            let note = i.note.as_deref().map(str::trim).unwrap_or_default();
            // `CONSTRAINT [INCLUDE (...)] [DEFERRABLE ...]`: the index is a UNIQUE constraint's.
            let constraint_tail = strip_word(note, "CONSTRAINT")
                .filter(|_| i.unique && i.method.is_none() && i.keys.iter().all(|(_, expr)| !expr))
                .map(str::trim)
                .filter(|tail| {
                    plumb_sql::parses(&format!("ALTER TABLE t ADD CONSTRAINT c UNIQUE (x) {tail}"))
                });
            if let (Some(tail), Some(cname)) = (constraint_tail, i.name.as_ref()) {
                let tail = if tail.is_empty() {
                    String::new()
                } else {
                    format!(" {tail}")
                };
                out.push_str(&format!(
                    "ALTER TABLE {tname} ADD CONSTRAINT {} UNIQUE ({}){tail};\n",
                    quote_ident(cname),
                    keys.join(", ")
                ));
                continue;
            }
            let tail = Some(note)
                .filter(|n| {
                    let upper = n.to_ascii_uppercase();
                    (upper.starts_with("INCLUDE") || upper.starts_with("WHERE"))
                        && plumb_sql::parses(&format!("CREATE INDEX i ON t (x) {n}"))
                })
                .map(|n| format!(" {n}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "CREATE {}INDEX {name}ON {tname}{method} ({}){tail};\n",
                if i.unique { "UNIQUE " } else { "" },
                keys.join(", ")
            ));
        }
        if let Some(n) = &t.note {
            out.push_str(&format!("COMMENT ON TABLE {tname} IS {};\n", sql_string(n)));
        }
        for c in &t.columns {
            if let Some(n) = &c.note {
                out.push_str(&format!(
                    "COMMENT ON COLUMN {tname}.{} IS {};\n",
                    quote_ident(&c.name),
                    sql_string(n)
                ));
            }
        }
    }
    // Functions whose signature names a table's row type, or whose SQL-standard body is checked
    // at once, come after the tables.
    if !note.late_functions.is_empty() {
        out.push('\n');
        out.push_str(&note.late_functions.concat());
    }
    if !p.refs.is_empty() {
        out.push('\n');
    }
    for r in &p.refs {
        let resolve = |parts: &Vec<String>| -> Result<String, DbmlError> {
            let parts = p
                .aliases
                .get(parts.first().map(String::as_str).unwrap_or_default())
                .filter(|_| parts.len() == 1)
                .unwrap_or(parts);
            let (schema, name) = split_schema(parts).ok_or(DbmlError {
                line: r.at.0,
                column: r.at.1,
                message: "a ref names `table.column` or `schema.table.column`".into(),
            })?;
            let sql = sql_name(schema.as_deref(), &name);
            if !seen_tables.contains(&sql) {
                return Err(DbmlError {
                    line: r.at.0,
                    column: r.at.1,
                    message: format!("ref to table {sql}, which is not declared"),
                });
            }
            Ok(sql)
        };
        let from = resolve(&r.from.0)?;
        let to = resolve(&r.to.0)?;
        let cols = |c: &[String]| {
            c.iter()
                .map(|x| quote_ident(x))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = r
            .name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
            .unwrap_or_default();
        let mut line = format!(
            "ALTER TABLE {from} ADD {name}FOREIGN KEY ({}) REFERENCES {to} ({})",
            cols(&r.from.1),
            cols(&r.to.1)
        );
        if let Some(a) = &r.delete {
            line.push_str(&format!(" ON DELETE {}", action_sql(a, r.at)?));
        }
        if let Some(a) = &r.update {
            line.push_str(&format!(" ON UPDATE {}", action_sql(a, r.at)?));
        }
        line.push_str(";\n");
        out.push_str(&line);
    }
    if !note.after.is_empty() {
        out.push('\n');
        out.push_str(&note.after.concat());
    }
    if !note.views.is_empty() {
        out.push('\n');
        out.push_str(&note.views.concat());
    }
    if !note.functions.is_empty() {
        out.push_str("RESET check_function_bodies;\n");
    }
    Ok(out)
}

/// The text after a leading keyword (any case) and a word boundary, or `None`.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.chars().next().is_none_or(char::is_whitespace))
        .then_some(rest)
}

/// The SQL a Project note carries, sorted by when the DDL must run it.
#[derive(Default)]
struct ProjectSql {
    /// `extensions:` line entries.
    extensions: Vec<String>,
    /// `CREATE COLLATION` / `TEXT SEARCH CONFIGURATION` / `DOMAIN` / `TYPE` / `SEQUENCE`,
    /// before the enums and tables.
    types: Vec<String>,
    /// `CREATE FUNCTION`s the tables may use (defaults, checks, indexes).
    functions: Vec<String>,
    /// `CREATE FUNCTION`s that need the tables first.
    late_functions: Vec<String>,
    /// `ALTER TABLE` (identity ALWAYS, deferrable foreign keys), at the end.
    after: Vec<String>,
    /// Views, materialized views and their indexes, after the tables and their keys.
    views: Vec<String>,
}

impl ProjectSql {
    /// Reads the note: statements PostgreSQL's parser takes and of the kinds above are kept;
    /// anything else (prose) is a note only.
    fn read(note: &str, tables: &[TableDef]) -> ProjectSql {
        let mut out = ProjectSql::default();
        let mut sql = String::new();
        for line in note.lines() {
            if let Some(list) = line.trim().strip_prefix("extensions:") {
                out.extensions.extend(
                    list.split(',')
                        .map(str::trim)
                        .filter(|e| !e.is_empty())
                        .map(str::to_owned),
                );
            } else {
                sql.push_str(line);
                sql.push('\n');
            }
        }
        let table_names: BTreeSet<String> = tables
            .iter()
            .flat_map(|t| {
                let name = t.name.to_ascii_lowercase();
                let qualified = t
                    .schema
                    .as_ref()
                    .map(|s| format!("{s}.{name}").to_ascii_lowercase());
                std::iter::once(name).chain(qualified)
            })
            .collect();
        let names_table = |t: Option<&plumb_sql::protobuf::TypeName>| {
            t.is_some_and(|t| {
                let parts = plumb_sql::ast::strings(&t.names)
                    .join(".")
                    .to_ascii_lowercase();
                table_names.contains(&parts)
            })
        };
        let parsed = plumb_sql::parse(&sql);
        let mut statements: Vec<(usize, String, NodeEnum)> = parsed
            .statements
            .iter()
            .map(|st| {
                (
                    st.start,
                    sql[st.start..st.end].trim().to_owned(),
                    st.node.clone(),
                )
            })
            .collect();
        // Prose runs into the statement after it (it has no `;`): such a piece is read again
        // from its first line that starts a statement.
        for e in &parsed.errors {
            let piece = &sql[e.statement_start..e.statement_end];
            let starts = piece.match_indices('\n').map(|(i, _)| i + 1).find(|&i| {
                let line = piece[i..].trim_start_matches([' ', '\t']);
                strip_word(line, "CREATE").is_some() || strip_word(line, "ALTER").is_some()
            });
            if let Some(at) = starts {
                let rest = &piece[at..];
                let again = plumb_sql::parse(rest);
                let base = e.statement_start + at;
                statements.extend(again.statements.iter().map(|st| {
                    (
                        base + st.start,
                        rest[st.start..st.end].trim().to_owned(),
                        st.node.clone(),
                    )
                }));
            }
        }
        statements.sort_by_key(|(at, _, _)| *at);
        for (_, text, node) in &statements {
            let text = format!("{text};\n");
            match node {
                NodeEnum::CreateDomainStmt(_)
                | NodeEnum::CompositeTypeStmt(_)
                | NodeEnum::CreateSeqStmt(_)
                | NodeEnum::AlterTsconfigurationStmt(_) => out.types.push(text),
                NodeEnum::DefineStmt(d)
                    if d.kind == plumb_sql::protobuf::ObjectType::ObjectCollation as i32
                        || d.kind
                            == plumb_sql::protobuf::ObjectType::ObjectTsconfiguration as i32 =>
                {
                    out.types.push(text);
                }
                NodeEnum::DefineStmt(d)
                    if d.kind == plumb_sql::protobuf::ObjectType::ObjectAggregate as i32 =>
                {
                    out.functions.push(text);
                }
                NodeEnum::CreateFunctionStmt(f) => {
                    let late = f.sql_body.is_some()
                        || names_table(f.return_type.as_ref())
                        || f.parameters.iter().any(|p| {
                            matches!(p.node.as_ref(), Some(NodeEnum::FunctionParameter(fp))
                                if names_table(fp.arg_type.as_ref()))
                        });
                    if late {
                        out.late_functions.push(text);
                    } else {
                        out.functions.push(text);
                    }
                }
                NodeEnum::AlterTableStmt(_) => out.after.push(text),
                NodeEnum::ViewStmt(_) | NodeEnum::CreateTableAsStmt(_) | NodeEnum::IndexStmt(_) => {
                    out.views.push(text);
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
