//! jsonlog (`log_destination = 'jsonlog'`, PostgreSQL 15+): one JSON object per line, keys as
//! PostgreSQL names them
//! (<https://www.postgresql.org/docs/current/runtime-config-logging.html#RUNTIME-CONFIG-LOGGING-JSONLOG>);
//! absent keys are absent values.

use std::borrow::Cow;

use serde::Deserialize;

use crate::record::Record;
use crate::time::Timestamp;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dbname: Option<Cow<'a, str>>,
    pid: Option<serde_json::Value>,
    #[serde(borrow)]
    remote_host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_severity: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    detail: Option<Cow<'a, str>>,
    #[serde(borrow)]
    hint: Option<Cow<'a, str>>,
    #[serde(borrow)]
    context: Option<Cow<'a, str>>,
    #[serde(borrow)]
    statement: Option<Cow<'a, str>>,
    #[serde(borrow)]
    application_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    backend_type: Option<Cow<'a, str>>,
}

/// Reads one jsonlog line; `None` when it is not a jsonlog object.
pub fn parse_line(line: &str, number: usize) -> Option<Record<'_>> {
    let l: Line<'_> = serde_json::from_str(line).ok()?;
    let severity = l.error_severity?;
    let (time, zone) = match l.timestamp.as_deref().and_then(Timestamp::parse) {
        Some((t, z)) => (Some(t), Cow::Owned(z.to_owned())),
        None => (None, Cow::Borrowed("")),
    };
    let pid = l.pid.map(|p| match p {
        serde_json::Value::String(s) => Cow::Owned(s),
        other => Cow::Owned(other.to_string()),
    });
    Some(Record {
        time,
        zone,
        pid,
        session_id: l.session_id,
        user: l.user,
        database: l.dbname,
        application: l.application_name,
        host: l.remote_host,
        backend_type: l.backend_type,
        severity,
        sqlstate: l.state_code,
        message: l.message.unwrap_or_default(),
        detail: l.detail,
        hint: l.hint,
        context: l.context,
        statement: l.statement,
        line: number,
    })
}

/// Records of a jsonlog text.
pub struct JsonRecords<'a> {
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    /// Lines that are not jsonlog objects.
    pub unreadable: usize,
}

impl<'a> JsonRecords<'a> {
    /// The records of `text`.
    pub fn new(text: &'a str) -> Self {
        JsonRecords {
            lines: text.lines().enumerate(),
            unreadable: 0,
        }
    }
}

impl<'a> Iterator for JsonRecords<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        loop {
            let (n, line) = self.lines.next()?;
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(line, n + 1) {
                Some(r) => return Some(r),
                None => self.unreadable += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_record_fields() {
        let log = r#"{"timestamp":"2025-03-03 08:00:00.123 UTC","user":"app","dbname":"shop","pid":20001,"remote_host":"10.0.1.12","remote_port":40001,"session_id":"67c56140.4e21","line_num":3,"error_severity":"ERROR","state_code":"23505","message":"duplicate key value violates unique constraint \"users_email_key\"","detail":"Key (email)=(a@b) already exists.","statement":"INSERT INTO users (email) VALUES ('a@b')","application_name":"puma","backend_type":"client backend","query_id":0}
not json
{"no":"severity"}
"#;
        let mut records = JsonRecords::new(log);
        let all: Vec<Record<'_>> = records.by_ref().collect();
        assert_eq!(all.len(), 1);
        assert_eq!(records.unreadable, 2);
        let r = &all[0];
        assert_eq!(r.pid.as_deref(), Some("20001"));
        assert_eq!(r.sqlstate.as_deref(), Some("23505"));
        assert_eq!(
            r.message,
            "duplicate key value violates unique constraint \"users_email_key\""
        );
        assert_eq!(r.session(), "67c56140.4e21");
        assert_eq!(r.zone, "UTC");
        assert_eq!(r.line, 1);
    }
}
