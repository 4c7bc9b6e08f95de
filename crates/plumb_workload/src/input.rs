//! Log inputs: which format a log is in (read from its content, never its name), where a chunk
//! of it can end so that no message is cut, and the records of a chunk.

use std::io::Read;

use crate::csvlog::{self, CsvRecords};
use crate::jsonlog::{self, JsonRecords};
use crate::prefix::{severity_at, Prefix};
use crate::record::{opens_message, Record, StderrRecords};

/// How a log is written.
#[derive(Clone, Debug)]
pub enum Format {
    /// `log_destination = 'stderr'` with this `log_line_prefix`.
    Stderr(Prefix),
    /// `csvlog`.
    Csv,
    /// `jsonlog`.
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Format::Stderr(p) => write!(f, "stderr, log_line_prefix '{}'", p.text()),
            Format::Csv => f.write_str("csvlog"),
            Format::Json => f.write_str("jsonlog"),
        }
    }
}

/// Why a log's format was not recognized.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// NUL bytes: not a text log.
    #[error("this is a binary file, not a PostgreSQL log")]
    Binary,
    /// Nothing in the sample looks like a log line.
    #[error("no PostgreSQL log lines recognized (not stderr with a known log_line_prefix, csvlog or jsonlog); pass --prefix with the server's log_line_prefix")]
    Unknown,
    /// The given prefix matches too few lines.
    #[error("log_line_prefix '{0}' matches too few of the first lines; check `SHOW log_line_prefix` on the server")]
    PrefixMismatch(String),
}

impl Format {
    /// The format of a log whose first bytes are `sample` (the start of the log, a few KB or
    /// more). `prefix` is the user's `log_line_prefix`, used for a stderr log instead of
    /// detecting one.
    pub fn detect(sample: &str, prefix: Option<&Prefix>) -> Result<Format, FormatError> {
        if sample.as_bytes().contains(&0) {
            return Err(FormatError::Binary);
        }
        let first = sample.lines().find(|l| !l.trim().is_empty());
        let Some(first) = first else {
            // An empty log is a log with nothing in it.
            return Ok(Format::Stderr(prefix.cloned().unwrap_or_else(|| {
                Prefix::parse("%m [%p] ").expect("default prefix")
            })));
        };
        if first.starts_with('{') && jsonlog::parse_line(first, 1).is_some() {
            return Ok(Format::Json);
        }
        if let Some((fields, _)) = csvlog::row(sample, sample.len() - sample.trim_start().len()) {
            if csvlog::is_csvlog_row(&fields) {
                return Ok(Format::Csv);
            }
        }
        let lines: Vec<&str> = sample
            .lines()
            .filter(|l| severity_at(l).is_some())
            .take(400)
            .collect();
        if let Some(p) = prefix {
            let matched = lines.iter().filter(|l| p.split(l).is_some()).count();
            if lines.is_empty() || matched * 10 < lines.len() * 9 {
                return Err(FormatError::PrefixMismatch(p.text().to_owned()));
            }
            return Ok(Format::Stderr(p.clone()));
        }
        Prefix::detect(lines.iter().copied())
            .map(Format::Stderr)
            .ok_or(FormatError::Unknown)
    }

    /// The length of the longest start of `buf` that holds only whole messages: the next
    /// message starts right after it. 0 when `buf` holds no message start after its first.
    pub fn complete_prefix(&self, buf: &[u8]) -> usize {
        match self {
            Format::Json => memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1),
            Format::Csv => csvlog::complete_prefix(buf),
            Format::Stderr(prefix) => {
                // The last line that opens a message; the lines before it are whole entries
                // with all their continuation lines and parts.
                let mut end = buf.len();
                while let Some(nl) = memchr::memrchr(b'\n', &buf[..end]) {
                    let start = nl + 1;
                    if start < buf.len() && start > 0 {
                        let line_end =
                            memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |k| start + k);
                        if line_end < buf.len() {
                            if let Ok(line) = std::str::from_utf8(&buf[start..line_end]) {
                                if let Some((_, rest)) = prefix.split(line) {
                                    let severity = rest.split(':').next().unwrap_or_default();
                                    if opens_message(severity) {
                                        return start;
                                    }
                                }
                            }
                        }
                    }
                    end = nl;
                }
                0
            }
        }
    }

    /// The records of `text`, whole messages in this format.
    pub fn records<'a>(&'a self, text: &'a str) -> Records<'a> {
        match self {
            Format::Stderr(p) => Records::Stderr(Box::new(StderrRecords::new(text, p))),
            Format::Csv => Records::Csv(CsvRecords::new(text)),
            Format::Json => Records::Json(JsonRecords::new(text)),
        }
    }
}

/// Records of a chunk, in any format.
pub enum Records<'a> {
    /// stderr.
    Stderr(Box<StderrRecords<'a, 'a>>),
    /// csvlog.
    Csv(CsvRecords<'a>),
    /// jsonlog.
    Json(JsonRecords<'a>),
}

impl Records<'_> {
    /// Lines or rows that were not log messages.
    pub fn unreadable(&self) -> usize {
        match self {
            Records::Stderr(r) => r.unreadable,
            Records::Csv(r) => r.unreadable,
            Records::Json(r) => r.unreadable,
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        match self {
            Records::Stderr(r) => r.next(),
            Records::Csv(r) => r.next(),
            Records::Json(r) => r.next(),
        }
    }
}

/// Reads a log as text chunks that each end after a whole message.
pub struct Chunker<R> {
    reader: R,
    buf: Vec<u8>,
    target: usize,
    eof: bool,
}

impl<R: Read> Chunker<R> {
    /// Chunks of about `target` bytes from `reader`.
    pub fn new(reader: R, target: usize) -> Self {
        Chunker {
            reader,
            buf: Vec::with_capacity(target + target / 4),
            target,
            eof: false,
        }
    }

    /// The first bytes (up to `n`), read without consuming them, for detecting the format.
    pub fn peek(&mut self, n: usize) -> std::io::Result<&[u8]> {
        while self.buf.len() < n && !self.eof {
            self.fill(n)?;
        }
        Ok(&self.buf[..self.buf.len().min(n)])
    }

    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        let have = self.buf.len();
        self.buf.resize(have.max(want), 0);
        let mut filled = have;
        while filled < self.buf.len() {
            match self.reader.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => filled += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(filled);
                    return Err(e);
                }
            }
        }
        self.buf.truncate(filled);
        Ok(())
    }

    /// The next chunk: whole messages in `format`, as text (bytes that are not UTF-8 replaced),
    /// or `None` at the end.
    pub fn next_chunk(&mut self, format: &Format) -> std::io::Result<Option<String>> {
        let mut want = self.target;
        loop {
            if self.buf.len() < want && !self.eof {
                self.fill(want)?;
            }
            if self.buf.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                self.buf.len()
            } else {
                format.complete_prefix(&self.buf)
            };
            if cut == 0 {
                // One message longer than the buffer: read more.
                want = self.buf.len() * 2;
                continue;
            }
            let rest = self.buf.split_off(cut);
            let chunk = std::mem::replace(&mut self.buf, rest);
            self.buf.reserve(self.target);
            return Ok(Some(match String::from_utf8(chunk) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_content() {
        let stderr = "2026-12-06 06:18:59.667 UTC [30691] root@test LOG:  duration: 0.3 ms  statement: SELECT 1\n";
        match Format::detect(stderr, None) {
            Ok(Format::Stderr(p)) => assert!(p.split(stderr.trim_end()).is_some(), "{}", p.text()),
            other => panic!("{other:?}"),
        }
        let csv = "2025-03-03 08:00:00.123 UTC,\"app\",\"shop\",20001,\"10.0.1.12:40001\",\"67c56140.4e21\",3,\"SELECT\",\"2025-03-03 08:00:00 UTC\",\"12/3\",0,LOG,00000,\"duration: 1 ms\",,,,,,,,,\"puma\",\"client backend\",,0\n";
        assert!(matches!(Format::detect(csv, None), Ok(Format::Csv)));
        let json = "{\"timestamp\":\"2025-03-03 08:00:00.123 UTC\",\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"x\"}\n";
        assert!(matches!(Format::detect(json, None), Ok(Format::Json)));
        assert!(matches!(
            Format::detect("hello\nworld\n", None),
            Err(FormatError::Unknown)
        ));
        assert!(matches!(
            Format::detect("a\0b", None),
            Err(FormatError::Binary)
        ));
        let wrong = Prefix::parse("%t:%r:%u@%d:[%p]:").expect("prefix");
        assert!(matches!(
            Format::detect(stderr, Some(&wrong)),
            Err(FormatError::PrefixMismatch(_))
        ));
    }

    #[test]
    fn chunks_end_between_messages() {
        let p = Prefix::parse("%m [%p] ").expect("prefix");
        let entry = |i: usize| {
            format!(
                "2026-12-06 06:18:59.667 UTC [{i}] LOG:  statement: SELECT {i},\n\t{i}\n2026-12-06 06:18:59.667 UTC [{i}] DETAIL:  d\n"
            )
        };
        let log: String = (0..500).map(entry).collect();
        let format = Format::Stderr(p);
        let mut chunker = Chunker::new(log.as_bytes(), 1000);
        let mut joined = String::new();
        let mut n = 0;
        while let Some(chunk) = chunker.next_chunk(&format).expect("read") {
            // Every chunk holds whole records: as many messages as `statement:` lines.
            let records = format.records(&chunk).count();
            assert_eq!(records, chunk.matches("statement:").count());
            joined.push_str(&chunk);
            n += 1;
        }
        assert!(n > 10, "{n}");
        assert_eq!(joined, log);
    }
}
