//! `log_line_prefix`: the escapes PostgreSQL expands at the start of every line of a stderr log
//! (<https://www.postgresql.org/docs/current/runtime-config-logging.html#GUC-LOG-LINE-PREFIX>),
//! matched against lines to recover the timestamp, process, session, user, database and
//! application of each message, and detected from a log's first lines.
//!
//! A line is `<prefix><SEVERITY>:  <message>`. The severity marker (`LOG:  `, `ERROR:  `,
//! `DETAIL:  `, ... with two spaces) is found first, and the prefix must match the text before
//! it exactly, so a `@` or `,` inside a message can never be taken for a delimiter of the prefix.

use std::fmt;

/// One escape of `log_line_prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `%a`: application name.
    Application,
    /// `%u`: user name.
    User,
    /// `%d`: database name.
    Database,
    /// `%r`: remote host and port (`10.0.0.1(52100)`).
    RemoteHostPort,
    /// `%h`: remote host.
    RemoteHost,
    /// `%b`: backend type.
    BackendType,
    /// `%p`: process id.
    Pid,
    /// `%P`: parallel group leader's process id (empty outside parallel workers).
    LeaderPid,
    /// `%t`: time stamp without milliseconds.
    Timestamp,
    /// `%m`: time stamp with milliseconds.
    TimestampMs,
    /// `%n`: Unix epoch with milliseconds.
    Epoch,
    /// `%i`: command tag.
    CommandTag,
    /// `%e`: SQLSTATE.
    SqlState,
    /// `%c`: session id (`65f1a2b3.4e20`).
    SessionId,
    /// `%l`: line number within the session.
    LineNumber,
    /// `%s`: session start time stamp.
    SessionStart,
    /// `%v`: virtual transaction id (`3/1234`).
    VirtualXid,
    /// `%x`: transaction id (0 when none).
    Xid,
    /// `%Q`: query id (0 when not computed).
    QueryId,
}

impl Field {
    fn from_escape(c: char) -> Option<Field> {
        Some(match c {
            'a' => Field::Application,
            'u' => Field::User,
            'd' => Field::Database,
            'r' => Field::RemoteHostPort,
            'h' => Field::RemoteHost,
            'b' => Field::BackendType,
            'p' => Field::Pid,
            'P' => Field::LeaderPid,
            't' => Field::Timestamp,
            'm' => Field::TimestampMs,
            'n' => Field::Epoch,
            'i' => Field::CommandTag,
            'e' => Field::SqlState,
            'c' => Field::SessionId,
            'l' => Field::LineNumber,
            's' => Field::SessionStart,
            'v' => Field::VirtualXid,
            'x' => Field::Xid,
            'Q' => Field::QueryId,
            _ => return None,
        })
    }

    fn escape(self) -> char {
        match self {
            Field::Application => 'a',
            Field::User => 'u',
            Field::Database => 'd',
            Field::RemoteHostPort => 'r',
            Field::RemoteHost => 'h',
            Field::BackendType => 'b',
            Field::Pid => 'p',
            Field::LeaderPid => 'P',
            Field::Timestamp => 't',
            Field::TimestampMs => 'm',
            Field::Epoch => 'n',
            Field::CommandTag => 'i',
            Field::SqlState => 'e',
            Field::SessionId => 'c',
            Field::LineNumber => 'l',
            Field::SessionStart => 's',
            Field::VirtualXid => 'v',
            Field::Xid => 'x',
            Field::QueryId => 'Q',
        }
    }

    /// The length of this field's value at the start of `s`, for fields with a fixed shape;
    /// `None` for free text (names), which ends where the next literal starts.
    fn shaped_len(self, s: &str) -> Option<usize> {
        let b = s.as_bytes();
        let run = |from: usize, ok: fn(u8) -> bool| {
            from + b[from..].iter().take_while(|c| ok(**c)).count()
        };
        let digits = |from: usize| run(from, |c| c.is_ascii_digit());
        Some(match self {
            Field::Pid | Field::LeaderPid | Field::LineNumber | Field::Xid => digits(0),
            Field::QueryId => digits(usize::from(b.first() == Some(&b'-'))),
            Field::Epoch => {
                let n = digits(0);
                if b.get(n) == Some(&b'.') {
                    digits(n + 1)
                } else {
                    n
                }
            }
            Field::SessionId => {
                let n = run(0, |c| c.is_ascii_hexdigit());
                if n > 0 && b.get(n) == Some(&b'.') {
                    run(n + 1, |c| c.is_ascii_hexdigit())
                } else {
                    return Some(0).filter(|_| n == 0);
                }
            }
            Field::VirtualXid => run(0, |c| c.is_ascii_digit() || c == b'/'),
            Field::SqlState => {
                let n = run(0, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if n == 5 || n == 0 {
                    n
                } else {
                    return None;
                }
            }
            Field::Timestamp | Field::SessionStart | Field::TimestampMs => {
                timestamp_len(s, self == Field::TimestampMs)?
            }
            _ => return None,
        })
    }
}

/// `YYYY-MM-DD HH:MM:SS[.mmm] ZONE` at the start of `s`: its length.
fn timestamp_len(s: &str, millis: bool) -> Option<usize> {
    let b = s.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let shape = "dddd-dd-dd dd:dd:dd";
    for (i, c) in shape.bytes().enumerate() {
        let ok = if c == b'd' {
            digit_at(i)
        } else {
            b.get(i) == Some(&c)
        };
        if !ok {
            return None;
        }
    }
    let mut n = shape.len();
    if millis {
        if b.get(n) != Some(&b'.') {
            return None;
        }
        n += 1;
        let start = n;
        while digit_at(n) {
            n += 1;
        }
        if n == start {
            return None;
        }
    }
    // The zone: an abbreviation (`UTC`, `CEST`) or an offset (`+03`, `-0530`).
    if b.get(n) != Some(&b' ') {
        return Some(n);
    }
    let zone = b[n + 1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b':'))
        .count();
    Some(if zone > 0 { n + 1 + zone } else { n })
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// An escape, and whether it has padding (`%-10u`, `%5p`): spaces around its value.
    Field(Field, bool),
    /// `%q`: the rest is written only by session processes.
    SessionOnly,
}

/// A parsed `log_line_prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    text: String,
    parts: Vec<Part>,
}

/// What a line's prefix said. Values are as PostgreSQL wrote them (`[unknown]` for the user
/// and database of a connection not yet authenticated); absent when the prefix lacks the escape
/// or a background process stopped at `%q`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    /// `%t`, `%m` or `%n`.
    pub timestamp: Option<&'a str>,
    /// `%p`.
    pub pid: Option<&'a str>,
    /// `%c`.
    pub session_id: Option<&'a str>,
    /// `%l`.
    pub line_number: Option<&'a str>,
    /// `%u`.
    pub user: Option<&'a str>,
    /// `%d`.
    pub database: Option<&'a str>,
    /// `%a`.
    pub application: Option<&'a str>,
    /// `%h`, or the host of `%r`.
    pub host: Option<&'a str>,
    /// `%e`.
    pub sqlstate: Option<&'a str>,
    /// `%x`.
    pub xid: Option<&'a str>,
    /// `%v`.
    pub virtual_xid: Option<&'a str>,
    /// `%Q`.
    pub query_id: Option<&'a str>,
    /// `%i`.
    pub command_tag: Option<&'a str>,
    /// `%b`.
    pub backend_type: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn set(&mut self, field: Field, value: &'a str) {
        let value = value.trim();
        let slot = match field {
            Field::Timestamp | Field::TimestampMs | Field::Epoch => &mut self.timestamp,
            Field::Pid => &mut self.pid,
            Field::SessionId => &mut self.session_id,
            Field::LineNumber => &mut self.line_number,
            Field::User => &mut self.user,
            Field::Database => &mut self.database,
            Field::Application => &mut self.application,
            Field::RemoteHost => &mut self.host,
            Field::RemoteHostPort => {
                self.host = Some(value.split('(').next().unwrap_or(value));
                return;
            }
            Field::SqlState => &mut self.sqlstate,
            Field::Xid => &mut self.xid,
            Field::VirtualXid => &mut self.virtual_xid,
            Field::QueryId => &mut self.query_id,
            Field::CommandTag => &mut self.command_tag,
            Field::BackendType => &mut self.backend_type,
            Field::LeaderPid | Field::SessionStart => return,
        };
        *slot = Some(value);
    }
}

/// The severities PostgreSQL writes after the prefix.
const SEVERITIES: &[&str] = &[
    "LOG",
    "ERROR",
    "DETAIL",
    "STATEMENT",
    "HINT",
    "CONTEXT",
    "WARNING",
    "FATAL",
    "PANIC",
    "NOTICE",
    "INFO",
    "QUERY",
    "LOCATION",
    "DEBUG",
    "DEBUG1",
    "DEBUG2",
    "DEBUG3",
    "DEBUG4",
    "DEBUG5",
];

/// Where the severity marker (`LOG:  `) of a line starts, if the line has one.
pub fn severity_at(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = line[from..].find(":  ") {
        let at = from + i;
        let word_start = line[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(0, |(p, c)| p + c.len_utf8());
        if SEVERITIES.contains(&&line[word_start..at]) {
            return Some(word_start);
        }
        from = at + 3;
    }
    None
}

impl Prefix {
    /// Parses a `log_line_prefix` setting. Padding (`%-10u`) is accepted; an unknown escape
    /// is an error naming it (PostgreSQL prints nothing for one, so it is almost always a typo).
    pub fn parse(text: &str) -> Result<Prefix, PrefixError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            // Padding: an optional minus and digits between % and the escape.
            let mut padded = false;
            while chars
                .peek()
                .is_some_and(|p| *p == '-' || p.is_ascii_digit())
            {
                padded = true;
                chars.next();
            }
            let Some(e) = chars.next() else {
                return Err(PrefixError(format!("`{text}` ends with a lone %")));
            };
            if e == '%' {
                literal.push('%');
                continue;
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            if e == 'q' {
                parts.push(Part::SessionOnly);
            } else {
                let field = Field::from_escape(e).ok_or_else(|| {
                    PrefixError(format!(
                        "`{text}` has %{e}, which PostgreSQL does not expand"
                    ))
                })?;
                parts.push(Part::Field(field, padded));
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Prefix {
            text: text.to_owned(),
            parts,
        })
    }

    /// The setting as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the prefix carries a given escape.
    pub fn has(&self, field: Field) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Field(f, _) if *f == field))
    }

    /// Matches a line: the prefix's fields and the rest of the line from its severity marker,
    /// or `None` when the line does not start with this prefix and a severity (a continuation
    /// line of a multi-line message, or another prefix).
    pub fn split<'a>(&self, line: &'a str) -> Option<(Fields<'a>, &'a str)> {
        let at = severity_at(line)?;
        let fields = self.match_region(&line[..at])?;
        Some((fields, &line[at..]))
    }

    /// Matches `region` (the text before the severity) against the whole prefix.
    fn match_region<'a>(&self, region: &'a str) -> Option<Fields<'a>> {
        let mut fields = Fields::default();
        let mut pos = 0;
        for (i, part) in self.parts.iter().enumerate() {
            let rest = &region[pos..];
            match part {
                Part::Literal(l) => {
                    pos += l.len();
                    if !rest.starts_with(l.as_str()) {
                        return None;
                    }
                }
                // A process that is not a session stops here.
                Part::SessionOnly if rest.is_empty() => return Some(fields),
                Part::SessionOnly => {}
                Part::Field(f, padded) => {
                    // Padding puts spaces before (right-aligned) or after (left-aligned) the
                    // value; a shaped value is found inside them.
                    let lead = if *padded {
                        rest.len() - rest.trim_start_matches(' ').len()
                    } else {
                        0
                    };
                    let len = match f.shaped_len(&rest[lead..]) {
                        Some(n) => {
                            let mut n = lead + n;
                            let next_is_space =
                                self.next_literal(i).is_some_and(|l| l.starts_with(' '));
                            if *padded && !next_is_space {
                                n += rest[n..].len() - rest[n..].trim_start_matches(' ').len();
                            }
                            n
                        }
                        None => match self.next_literal(i) {
                            Some(l) => rest.find(l)?,
                            None => rest.len(),
                        },
                    };
                    fields.set(*f, &rest[..len]);
                    pos += len;
                }
            }
        }
        (pos == region.len()).then_some(fields)
    }

    fn next_literal(&self, after: usize) -> Option<&str> {
        self.parts[after + 1..]
            .iter()
            .find_map(|p| match p {
                Part::Literal(l) => Some(l.as_str()),
                Part::SessionOnly => None,
                Part::Field(..) => Some(""),
            })
            .filter(|l| !l.is_empty())
    }

    /// Finds the prefix a log was written with from its first lines: the common settings are
    /// tried, then one inferred from the lines themselves (`key=value` labels, `[pid]`,
    /// `user@db`); the one that matches the most lines wins, if it matches at least nine in ten
    /// of the lines that carry a severity.
    pub fn detect<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Prefix> {
        let regions: Vec<&str> = lines
            .into_iter()
            .filter_map(|l| severity_at(l).map(|at| &l[..at]))
            .take(500)
            .collect();
        if regions.is_empty() {
            return None;
        }
        let mut candidates: Vec<Prefix> = COMMON
            .iter()
            .filter_map(|p| Prefix::parse(p).ok())
            .collect();
        // Inferred from the longest regions (the fullest lines: a background process's line
        // lacks the session's fields, a connection's first line has placeholders).
        let mut longest: Vec<&str> = regions.clone();
        longest.sort_by_key(|r| std::cmp::Reverse(r.len()));
        longest.dedup();
        for region in longest.into_iter().take(8) {
            if let Some(inferred) = infer(region) {
                if candidates.iter().any(|c| c.text == inferred.text) {
                    continue;
                }
                candidates.extend(with_session_only_variants(&inferred));
                candidates.push(inferred);
            }
        }
        let score = |p: &Prefix| {
            regions
                .iter()
                .filter(|r| p.match_region(r).is_some())
                .count()
        };
        let (best, n) = candidates
            .into_iter()
            .map(|p| {
                let n = score(&p);
                (p, n)
            })
            // Equal matches: the fewest `%q` (it only loosens a match), then the most parts.
            .max_by_key(|(p, n)| {
                let loose = p
                    .parts
                    .iter()
                    .filter(|x| matches!(x, Part::SessionOnly))
                    .count();
                (*n, std::cmp::Reverse(loose), p.parts.len())
            })?;
        (n * 10 >= regions.len() * 9).then_some(best)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A `log_line_prefix` that cannot be used, with what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixError(pub String);

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrefixError {}

/// Settings seen in the field: PostgreSQL's default, Debian's, pgBadger's recommendations and
/// the managed services'.
const COMMON: &[&str] = &[
    "%m [%p] ",
    "%m [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p-%l] %q%u@%d ",
    "%m [%p-%l] %q%u@%d ",
    "%t:%r:%u@%d:[%p]:",
    "%m:%r:%u@%d:[%p]:",
    "%t [%p]: [%l-1] ",
    "%m [%p] %q[user=%u,db=%d,app=%a] ",
    "%m [%p][%b][%v][%x] %q[user=%u,db=%d,app=%a] ",
    "%t ",
    "%m ",
    "< %m > ",
    "%m %u %d [%p] ",
];

/// The escape a `key=` label in a prefix usually stands for.
fn label_field(key: &str) -> Option<Field> {
    Some(match key {
        "user" | "usr" | "u" => Field::User,
        "db" | "database" | "d" => Field::Database,
        "app" | "application" | "appname" | "application_name" | "a" => Field::Application,
        "client" | "host" | "h" | "remote" => Field::RemoteHost,
        "pid" | "p" => Field::Pid,
        "session" | "sid" | "c" => Field::SessionId,
        "line" | "l" => Field::LineNumber,
        "xid" | "x" => Field::Xid,
        "vxid" | "v" => Field::VirtualXid,
        "sqlstate" | "e" => Field::SqlState,
        "query_id" | "queryid" => Field::QueryId,
        "tag" | "i" => Field::CommandTag,
        "backend" | "b" => Field::BackendType,
        _ => return None,
    })
}

/// A prefix written the way `region` (one line's text before its severity) reads: a leading
/// time stamp, `[digits]` as the pid, `key=value` labels, `user@db`.
fn infer(region: &str) -> Option<Prefix> {
    let mut out = String::new();
    let mut rest = region;
    if let Some(n) = timestamp_len(rest, true) {
        out.push_str("%m");
        rest = &rest[n..];
    } else if let Some(n) = timestamp_len(rest, false) {
        out.push_str("%t");
        rest = &rest[n..];
    }
    while !rest.is_empty() {
        let b = rest.as_bytes();
        // `[12345]` or `[12345-7]`.
        if b[0] == b'[' {
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && b.get(1 + digits) == Some(&b']') {
                out.push_str("[%p]");
                rest = &rest[digits + 2..];
                continue;
            }
            if digits > 0 && b.get(1 + digits) == Some(&b'-') {
                let line = b[2 + digits..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if line > 0 && b.get(2 + digits + line) == Some(&b']') {
                    out.push_str("[%p-%l]");
                    rest = &rest[digits + line + 3..];
                    continue;
                }
            }
        }
        // `key=value` up to `,`, ` `, `]` or `:`.
        let word = rest
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if word > 0 && b.get(word) == Some(&b'=') {
            if let Some(f) = label_field(&rest[..word]) {
                let after = &rest[word + 1..];
                // `[unknown]` (a connection not yet authenticated) is one value.
                let value = match after.strip_prefix('[').and_then(|a| a.find(']')) {
                    Some(close) => close + 2,
                    None => after
                        .find([',', ' ', ']', ':'])
                        .unwrap_or(rest.len() - word - 1),
                };
                out.push_str(&rest[..=word]);
                out.push('%');
                out.push(f.escape());
                rest = &rest[word + 1 + value..];
                continue;
            }
        }
        // `user@db` followed by a space.
        if word > 0 && b.get(word) == Some(&b'@') {
            let db = rest[word + 1..].find(' ').unwrap_or(rest.len() - word - 1);
            out.push_str("%u@%d");
            rest = &rest[word + 1 + db..];
            continue;
        }
        let c = rest.chars().next()?;
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Prefix::parse(&out).ok()
}

/// The inferred prefix with `%q` placed before each field after the first literal, so lines of
/// background processes (which stop at `%q`) match too.
fn with_session_only_variants(p: &Prefix) -> Vec<Prefix> {
    (1..p.parts.len())
        .filter(|&i| {
            matches!(p.parts[i], Part::Field(..)) && matches!(p.parts[i - 1], Part::Literal(_))
        })
        .map(|i| {
            let mut parts = p.parts.clone();
            parts.insert(i, Part::SessionOnly);
            let text = parts
                .iter()
                .map(|part| match part {
                    Part::Literal(l) => l.replace('%', "%%"),
                    Part::Field(f, _) => format!("%{}", f.escape()),
                    Part::SessionOnly => "%q".to_owned(),
                })
                .collect();
            Prefix { text, parts }
        })
        .collect()
}

#[cfg(test)]
mod tests;
