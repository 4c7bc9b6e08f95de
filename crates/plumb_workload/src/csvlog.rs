//! csvlog (`log_destination = 'csvlog'`): one row per message, fields quoted with `"` (doubled
//! inside), newlines kept inside quoted fields. The columns are PostgreSQL's, in its order
//! (<https://www.postgresql.org/docs/current/runtime-config-logging.html#RUNTIME-CONFIG-LOGGING-CSVLOG>);
//! versions before 13 write fewer of them, and the ones they lack stay empty.

use std::borrow::Cow;

use crate::record::Record;
use crate::time::Timestamp;

const LOG_TIME: usize = 0;
const USER: usize = 1;
const DATABASE: usize = 2;
const PID: usize = 3;
const CONNECTION_FROM: usize = 4;
const SESSION_ID: usize = 5;
const SEVERITY: usize = 11;
const SQLSTATE: usize = 12;
const MESSAGE: usize = 13;
const DETAIL: usize = 14;
const HINT: usize = 15;
const CONTEXT: usize = 18;
const QUERY: usize = 19;
const APPLICATION: usize = 22;
const BACKEND_TYPE: usize = 23;
/// Columns every supported version writes (PostgreSQL 9.0 and later: up to `application_name`).
const MIN_COLUMNS: usize = 23;

/// Splits one CSV row starting at `text[at..]`. Returns its fields and the offset after the
/// row's line end, or `None` at the end of the text or for a row left open (a quote not
/// closed before the end of the text).
///
/// A row ends at the first newline with an even count of quotes since the row's start: the
/// same rule [`complete_prefix`] cuts chunks by, so a chunked log gives the same rows as the
/// whole, even when its CSV is malformed.
pub fn row(text: &str, at: usize) -> Option<(Vec<Cow<'_, str>>, usize)> {
    let b = text.as_bytes();
    if at >= b.len() {
        return None;
    }
    let mut inside = false;
    let mut end = None;
    for i in memchr::memchr2_iter(b'"', b'\n', &b[at..]) {
        match b[at + i] {
            b'"' => inside = !inside,
            _ if !inside => {
                end = Some(at + i);
                break;
            }
            _ => {}
        }
    }
    let (line_end, next) = match end {
        Some(e) => (e, e + 1),
        None if inside => return None,
        None => (b.len(), b.len()),
    };
    let line_end = if line_end > at && b[line_end - 1] == b'\r' {
        line_end - 1
    } else {
        line_end
    };
    Some((fields(&text[at..line_end]), next))
}

/// The fields of one row (its text without the line end).
fn fields(line: &str) -> Vec<Cow<'_, str>> {
    let b = line.as_bytes();
    let mut out = Vec::with_capacity(26);
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            // Quoted: up to the closing quote, `""` standing for one.
            let start = i + 1;
            let mut j = start;
            let mut owned: Option<String> = None;
            let close = loop {
                match memchr::memchr(b'"', &b[j..]) {
                    None => break b.len(),
                    Some(k) if b.get(j + k + 1) == Some(&b'"') => {
                        owned
                            .get_or_insert_with(String::new)
                            .push_str(&line[j..=j + k]);
                        j += k + 2;
                    }
                    Some(k) => break j + k,
                }
            };
            out.push(match owned {
                Some(mut s) => {
                    s.push_str(&line[j.min(close)..close]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&line[start.min(close)..close]),
            });
            i = close + 1;
            // Text after a closing quote: not CSV; skipped up to the next comma.
            match memchr::memchr(b',', b.get(i..).unwrap_or_default()) {
                Some(k) if i < b.len() => i += k + 1,
                _ => return out,
            }
        } else {
            let end = memchr::memchr(b',', &b[i..]).map_or(b.len(), |k| i + k);
            out.push(Cow::Borrowed(&line[i..end]));
            if end >= b.len() {
                return out;
            }
            i = end + 1;
        }
    }
}

/// Whether a row's fields are a csvlog message.
pub fn is_csvlog_row(fields: &[Cow<'_, str>]) -> bool {
    fields.len() >= MIN_COLUMNS
        && Timestamp::parse(&fields[LOG_TIME]).is_some()
        && fields[SEVERITY]
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !fields[SEVERITY].is_empty()
}

/// Records of a csvlog text.
pub struct CsvRecords<'a> {
    text: &'a str,
    at: usize,
    line: usize,
    /// Rows that are not csvlog messages.
    pub unreadable: usize,
}

impl<'a> CsvRecords<'a> {
    /// The records of `text`.
    pub fn new(text: &'a str) -> Self {
        CsvRecords {
            text,
            at: 0,
            line: 1,
            unreadable: 0,
        }
    }
}

impl<'a> Iterator for CsvRecords<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        loop {
            let Some((fields, next)) = row(self.text, self.at) else {
                if self.at < self.text.len() {
                    // A quote left open: the rest is one broken row.
                    self.unreadable += 1;
                    self.at = self.text.len();
                }
                return None;
            };
            let line = self.line;
            self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.at..next]).count();
            self.at = next;
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            if !is_csvlog_row(&fields) {
                self.unreadable += 1;
                continue;
            }
            return Some(to_record(fields, line));
        }
    }
}

fn to_record(mut fields: Vec<Cow<'_, str>>, line: usize) -> Record<'_> {
    fields.resize(26, Cow::Borrowed(""));
    let mut take = |i: usize| -> Option<Cow<'_, str>> {
        let v = std::mem::take(&mut fields[i]);
        (!v.is_empty()).then_some(v)
    };
    let (time, zone) = match take(LOG_TIME) {
        Some(Cow::Borrowed(t)) => match Timestamp::parse(t) {
            Some((t, z)) => (Some(t), Cow::Borrowed(z)),
            None => (None, Cow::Borrowed("")),
        },
        Some(Cow::Owned(t)) => match Timestamp::parse(&t) {
            Some((ts, z)) => (Some(ts), Cow::Owned(z.to_owned())),
            None => (None, Cow::Borrowed("")),
        },
        None => (None, Cow::Borrowed("")),
    };
    // `host:port`; `[local]` for a Unix socket.
    let host = take(CONNECTION_FROM).map(|c| match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.rsplit_once(':').map_or(s, |(h, _)| h)),
        Cow::Owned(s) => Cow::Owned(s.rsplit_once(':').map_or(s.as_str(), |(h, _)| h).to_owned()),
    });
    Record {
        time,
        zone,
        user: take(USER),
        database: take(DATABASE),
        pid: take(PID),
        host,
        session_id: take(SESSION_ID),
        severity: take(SEVERITY).unwrap_or_default(),
        sqlstate: take(SQLSTATE),
        message: take(MESSAGE).unwrap_or_default(),
        detail: take(DETAIL),
        hint: take(HINT),
        context: take(CONTEXT),
        statement: take(QUERY),
        application: take(APPLICATION),
        backend_type: take(BACKEND_TYPE),
        line,
    }
}

/// The offset in `text` after its last complete row: rows are counted from the start with
/// their quotes, so a newline inside a quoted field never ends a chunk.
pub fn complete_prefix(text: &[u8]) -> usize {
    let mut inside = false;
    let mut last = 0;
    for i in memchr::memchr2_iter(b'"', b'\n', text) {
        match text[i] {
            b'"' => inside = !inside,
            _ if !inside => last = i + 1,
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "2025-03-03 08:00:00.123 UTC,\"app\",\"shop\",20001,\"10.0.1.12:40001\",\"67c56140.4e21\",3,\"SELECT\",\"2025-03-03 08:00:00 UTC\",\"12/3\",0,LOG,00000,\"duration: 0.100 ms  execute <unnamed>: SELECT \"\"a\"\"\n  FROM t WHERE id = $1\",\"parameters: $1 = '7'\",,,,,,,,\"puma\",\"client backend\",,0\n";

    #[test]
    fn quoted_fields_keep_newlines_and_quotes() {
        let log = format!("{ROW}not,a,log\n{ROW}");
        let mut records = CsvRecords::new(&log);
        let all: Vec<Record<'_>> = records.by_ref().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(records.unreadable, 1);
        let r = &all[0];
        assert_eq!(
            r.message,
            "duration: 0.100 ms  execute <unnamed>: SELECT \"a\"\n  FROM t WHERE id = $1"
        );
        assert_eq!(r.detail.as_deref(), Some("parameters: $1 = '7'"));
        assert_eq!(r.host.as_deref(), Some("10.0.1.12"));
        assert_eq!(r.session(), "67c56140.4e21");
        assert_eq!(r.application.as_deref(), Some("puma"));
        assert_eq!(r.severity, "LOG");
        assert_eq!(r.line, 1);
        assert_eq!(all[1].line, 4);
        assert_eq!(r.zone, "UTC");
    }

    #[test]
    fn chunks_end_after_whole_rows() {
        let two = format!("{ROW}{ROW}");
        let cut = &two.as_bytes()[..ROW.len() + 60];
        assert_eq!(complete_prefix(cut), ROW.len());
        assert_eq!(complete_prefix(two.as_bytes()), two.len());
        // A row cut inside its quoted statement is incomplete.
        assert_eq!(complete_prefix(&ROW.as_bytes()[..150]), 0);
    }
}
