//! One log message whatever the log's format: a stderr entry with the `DETAIL`, `HINT`,
//! `CONTEXT` and `STATEMENT` entries that PostgreSQL writes after it, a csvlog row or a jsonlog
//! object. The rest of the crate reads only [`Record`]s, so the three formats give the same
//! workload.

use std::borrow::Cow;

use crate::entry::{Entries, Entry};
use crate::prefix::Prefix;
use crate::time::Timestamp;

/// A log message and where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record<'a> {
    /// When, where the log says.
    pub time: Option<Timestamp>,
    /// The time zone name the log writes (`UTC`), empty when none.
    pub zone: Cow<'a, str>,
    /// Backend process id.
    pub pid: Option<Cow<'a, str>>,
    /// Session id (`%c`, csvlog, jsonlog).
    pub session_id: Option<Cow<'a, str>>,
    /// Role.
    pub user: Option<Cow<'a, str>>,
    /// Database.
    pub database: Option<Cow<'a, str>>,
    /// `application_name`.
    pub application: Option<Cow<'a, str>>,
    /// Client host.
    pub host: Option<Cow<'a, str>>,
    /// `client backend`, `autovacuum worker`, `checkpointer`, ...
    pub backend_type: Option<Cow<'a, str>>,
    /// `LOG`, `ERROR`, `FATAL`, ...
    pub severity: Cow<'a, str>,
    /// SQLSTATE, where the log has it (csvlog, jsonlog, `%e`).
    pub sqlstate: Option<Cow<'a, str>>,
    /// The primary message.
    pub message: Cow<'a, str>,
    /// `DETAIL`.
    pub detail: Option<Cow<'a, str>>,
    /// `HINT`.
    pub hint: Option<Cow<'a, str>>,
    /// `CONTEXT`.
    pub context: Option<Cow<'a, str>>,
    /// `STATEMENT`: the statement that was running.
    pub statement: Option<Cow<'a, str>>,
    /// 1-based line of the message's first line in its input.
    pub line: usize,
}

impl Record<'_> {
    /// The session the message belongs to: the session id where the log has one, else the
    /// process id, else empty (a line without either).
    pub fn session(&self) -> &str {
        self.session_id
            .as_deref()
            .or(self.pid.as_deref())
            .unwrap_or_default()
    }

    /// The same record, owning its text (to send it to another thread).
    pub fn into_owned(self) -> Record<'static> {
        fn own(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        Record {
            time: self.time,
            zone: Cow::Owned(self.zone.into_owned()),
            pid: own(self.pid),
            session_id: own(self.session_id),
            user: own(self.user),
            database: own(self.database),
            application: own(self.application),
            host: own(self.host),
            backend_type: own(self.backend_type),
            severity: Cow::Owned(self.severity.into_owned()),
            sqlstate: own(self.sqlstate),
            message: Cow::Owned(self.message.into_owned()),
            detail: own(self.detail),
            hint: own(self.hint),
            context: own(self.context),
            statement: own(self.statement),
            line: self.line,
        }
    }
}

/// Whether `severity` opens a message (rather than adding a part to the one before it).
pub fn opens_message(severity: &str) -> bool {
    !matches!(
        severity,
        "DETAIL" | "HINT" | "CONTEXT" | "STATEMENT" | "QUERY" | "LOCATION"
    )
}

/// Records of a stderr log: each entry with the parts that follow it from the same process.
pub struct StderrRecords<'a, 'p> {
    entries: std::iter::Peekable<Entries<'a, 'p>>,
    /// Lines no record claimed: continuation lines before the first prefixed line, and parts
    /// (`DETAIL`, ...) whose message is not there.
    pub unreadable: usize,
}

impl<'a, 'p> StderrRecords<'a, 'p> {
    /// The records of `text`, a stderr log written with `prefix`.
    pub fn new(text: &'a str, prefix: &'p Prefix) -> Self {
        StderrRecords {
            entries: Entries::new(text, prefix).peekable(),
            unreadable: 0,
        }
    }
}

fn same_process(a: &Entry<'_>, b: &Entry<'_>) -> bool {
    a.fields.pid == b.fields.pid && a.fields.session_id == b.fields.session_id
}

impl<'a> Iterator for StderrRecords<'a, '_> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        loop {
            let e = self.entries.next()?;
            if !opens_message(e.severity) {
                self.unreadable += 1;
                continue;
            }
            let (time, zone) = match e.fields.timestamp.and_then(Timestamp::parse) {
                Some((t, z)) => (Some(t), z),
                None => (None, ""),
            };
            let mut r = Record {
                time,
                zone: Cow::Borrowed(zone),
                pid: e.fields.pid.map(Cow::Borrowed),
                session_id: e.fields.session_id.map(Cow::Borrowed),
                user: e.fields.user.map(Cow::Borrowed),
                database: e.fields.database.map(Cow::Borrowed),
                application: e.fields.application.map(Cow::Borrowed),
                host: e.fields.host.map(Cow::Borrowed),
                backend_type: e.fields.backend_type.map(Cow::Borrowed),
                severity: Cow::Borrowed(e.severity),
                sqlstate: e.fields.sqlstate.map(Cow::Borrowed),
                message: e.message.clone(),
                line: e.line,
                ..Record::default()
            };
            while let Some(part) = self
                .entries
                .next_if(|p| !opens_message(p.severity) && same_process(&e, p))
            {
                let slot = match part.severity {
                    "DETAIL" => &mut r.detail,
                    "HINT" => &mut r.hint,
                    "CONTEXT" => &mut r.context,
                    "STATEMENT" => &mut r.statement,
                    _ => continue,
                };
                *slot = Some(part.message);
            }
            return Some(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_join_the_message_of_their_process() {
        let p = Prefix::parse("%m [%p] %q%u@%d ").expect("prefix");
        let log = "\
2026-12-06 06:18:59.669 UTC [30691] root@test ERROR:  duplicate key value violates unique constraint \"u\"
2026-12-06 06:18:59.669 UTC [30691] root@test DETAIL:  Key (id)=(1) already exists.
2026-12-06 06:18:59.669 UTC [30691] root@test STATEMENT:  INSERT INTO u VALUES (1),
\t(2)
2026-12-06 06:18:59.670 UTC [30692] root@test DETAIL:  orphan part of another process
2026-12-06 06:18:59.700 UTC [2264] LOG:  checkpoint starting: time
";
        let mut records = StderrRecords::new(log, &p);
        let all: Vec<Record<'_>> = records.by_ref().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(records.unreadable, 1);
        assert_eq!(all[0].severity, "ERROR");
        assert_eq!(
            all[0].detail.as_deref(),
            Some("Key (id)=(1) already exists.")
        );
        assert_eq!(
            all[0].statement.as_deref(),
            Some("INSERT INTO u VALUES (1),\n(2)")
        );
        assert_eq!(all[0].session(), "30691");
        assert_eq!(all[0].zone, "UTC");
        assert_eq!(
            all[0].time.map(|t| t.to_string()).as_deref(),
            Some("2026-12-06 06:18:59.669")
        );
        assert_eq!(all[1].user, None);
        assert_eq!(all[1].clone().into_owned(), all[1]);
    }
}
