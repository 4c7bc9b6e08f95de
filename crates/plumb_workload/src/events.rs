//! What a server logs besides statements: errors, lock waits, temporary files, checkpoints,
//! autovacuum runs and connections. Each kind is counted in a mergeable summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Errors of one SQLSTATE and message.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ErrorStats {
    /// SQLSTATE: from the log (csvlog, jsonlog, `%e`), else from the message's wording.
    pub sqlstate: Option<String>,
    /// `ERROR`, `FATAL` or `PANIC`.
    pub severity: String,
    /// How many.
    pub count: u64,
    /// The message, positions and numbers taken out.
    pub message: String,
    /// One statement that failed with it (`STATEMENT:`).
    pub example: Option<String>,
    /// Its `DETAIL`.
    pub detail: Option<String>,
}

/// Waits for one lock mode on one kind of object by one query.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LockWaitStats {
    /// `ShareLock`, `AccessExclusiveLock`, ...
    pub mode: String,
    /// `transaction`, `relation 16384 of database 5`, `tuple of relation ...`.
    pub object: String,
    /// The waiting query's fingerprint, where its statement was logged.
    pub fingerprint: Option<String>,
    /// The waiting query, normalized.
    pub query: Option<String>,
    /// Waits that reached `deadlock_timeout` (logged by `log_lock_waits`).
    pub waits: u64,
    /// Of these, waits that ended with the lock acquired.
    pub acquired: u64,
    /// Waits that ended in a deadlock.
    pub deadlocks: u64,
    /// Milliseconds waited, as logged when each wait ended (or when it was reported).
    pub total_wait_ms: f64,
    /// The longest wait.
    pub max_wait_ms: f64,
    /// One waiting statement.
    pub example: Option<String>,
    /// What the lock holders were running last (normalized), with how often.
    pub blockers: BTreeMap<String, u64>,
}

/// Temporary files written by one query.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TempFileStats {
    /// The query's fingerprint, where its statement was logged.
    pub fingerprint: Option<String>,
    /// The query, normalized.
    pub query: Option<String>,
    /// Files.
    pub count: u64,
    /// Bytes, all files.
    pub total_bytes: u64,
    /// The largest file.
    pub max_bytes: u64,
    /// One statement as logged.
    pub example: Option<String>,
}

/// Checkpoints and restartpoints.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CheckpointStats {
    /// Started, by reason (`time`, `wal`, `immediate force wait`, ...).
    pub started: BTreeMap<String, u64>,
    /// Completed.
    pub completed: u64,
    /// Buffers written by the completed ones.
    pub buffers_written: u64,
    /// Their total duration in seconds (`total=`).
    pub total_seconds: f64,
    /// The longest.
    pub max_seconds: f64,
    /// "checkpoints are occurring too frequently" warnings.
    pub too_frequent: u64,
}

/// Autovacuum and autoanalyze runs on one table.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AutovacuumStats {
    /// `database.schema.table`.
    pub table: String,
    /// Automatic vacuums.
    pub vacuums: u64,
    /// Automatic analyzes.
    pub analyzes: u64,
    /// Dead tuples the vacuums removed.
    pub tuples_removed: u64,
    /// Seconds the runs took (`elapsed:`).
    pub elapsed_seconds: f64,
}

/// Connections and sessions.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConnectionStats {
    /// `connection received`.
    pub received: u64,
    /// `connection authorized`, by `user@database`.
    pub authorized: BTreeMap<String, u64>,
    /// `disconnection`.
    pub disconnections: u64,
    /// Seconds of the sessions that ended.
    pub session_seconds: f64,
    /// The longest session that ended.
    pub max_session_seconds: f64,
    /// Authentication failures (`28P01`, `28000`).
    pub authentication_failures: u64,
}

/// The SQLSTATE of an error message PostgreSQL writes, for logs that do not carry the code.
/// Matches the start (or a distinctive part) of the message as PostgreSQL words it.
pub fn sqlstate_of(message: &str) -> Option<&'static str> {
    const STARTS: &[(&str, &str)] = &[
        ("duplicate key value violates unique constraint", "23505"),
        ("null value in column", "23502"),
        ("insert or update on table", "23503"),
        ("update or delete on table", "23503"),
        ("new row for relation", "23514"),
        (
            "conflicting key value violates exclusion constraint",
            "23P01",
        ),
        ("syntax error at or near", "42601"),
        ("syntax error at end of input", "42601"),
        ("permission denied", "42501"),
        ("deadlock detected", "40P01"),
        ("could not serialize access", "40001"),
        ("canceling statement due to statement timeout", "57014"),
        ("canceling statement due to user request", "57014"),
        ("canceling statement due to lock timeout", "55P03"),
        ("canceling statement due to conflict with recovery", "40001"),
        ("could not obtain lock", "55P03"),
        ("current transaction is aborted", "25P02"),
        ("value too long for type", "22001"),
        ("invalid input syntax", "22P02"),
        ("invalid input value for enum", "22P02"),
        ("division by zero", "22012"),
        ("numeric field overflow", "22003"),
        ("integer out of range", "22003"),
        ("bigint out of range", "22003"),
        ("smallint out of range", "22003"),
        ("date/time field value out of range", "22008"),
        ("password authentication failed", "28P01"),
        ("no pg_hba.conf entry", "28000"),
        ("remaining connection slots are reserved", "53300"),
        ("sorry, too many clients already", "53300"),
        ("out of shared memory", "53200"),
        ("out of memory", "53200"),
        ("could not extend file", "53100"),
        (
            "terminating connection due to administrator command",
            "57P01",
        ),
        (
            "terminating connection due to idle-in-transaction timeout",
            "25P03",
        ),
        (
            "terminating connection because of crash of another server process",
            "57P02",
        ),
        ("the database system is shutting down", "57P03"),
        ("the database system is starting up", "57P03"),
        (
            "there is no unique or exclusion constraint matching",
            "42P10",
        ),
        ("more than one row returned by a subquery", "21000"),
        (
            "cannot insert multiple commands into a prepared statement",
            "42601",
        ),
        ("cannot create index on partitioned table", "0A000"),
        ("multiple primary keys for table", "42P16"),
        ("cannot refresh materialized view", "55000"),
        ("data type ", "42704"),
        ("could not create unique index", "23505"),
        ("cannot drop ", "2BP01"),
        (
            "cannot alter type of a column used by a view or rule",
            "0A000",
        ),
        ("index row size", "54000"),
        ("invalid byte sequence for encoding", "22021"),
        ("unterminated quoted string", "42601"),
        ("must be owner of", "42501"),
    ];
    const CONTAINS: &[(&str, &str)] = &[
        (" does not exist", ""),
        (" is ambiguous", "42702"),
        (" already exists", "42P07"),
        ("violates foreign key constraint", "23503"),
        ("violates check constraint", "23514"),
        ("violates not-null constraint", "23502"),
    ];
    for (start, code) in STARTS {
        if message.starts_with(start) {
            return Some(code);
        }
    }
    for (part, code) in CONTAINS {
        if message.contains(part) {
            if !code.is_empty() {
                return Some(code);
            }
            // `X "name" does not exist`: the kind of object says the code.
            return Some(
                match message.split_whitespace().next().unwrap_or_default() {
                    "column" => "42703",
                    "relation" | "table" => "42P01",
                    "function" | "operator" | "procedure" => "42883",
                    "schema" => "3F000",
                    "database" => "3D000",
                    "prepared" => "26000",
                    "cursor" => "34000",
                    _ => "42704",
                },
            );
        }
    }
    None
}

/// An error message with what varies between occurrences taken out: the ` at character N`
/// PostgreSQL appends in stderr logs (csvlog and jsonlog keep it apart), and free-standing
/// numbers.
pub fn normalize_message(message: &str) -> String {
    let message = message.lines().next().unwrap_or_default();
    let message = match message.rfind(" at character ") {
        Some(i) if message[i + 14..].bytes().all(|c| c.is_ascii_digit()) => &message[..i],
        _ => message,
    };
    let mut out = String::with_capacity(message.len());
    let mut prev_word = false;
    let mut chars = message.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c.is_ascii_digit() && !prev_word {
            let mut end_word = false;
            while let Some((_, d)) = chars.peek() {
                if d.is_ascii_digit() {
                    chars.next();
                } else {
                    end_word = d.is_alphanumeric() || *d == '_';
                    break;
                }
            }
            out.push_str(if end_word { "0" } else { "N" });
            prev_word = end_word;
            continue;
        }
        prev_word = c.is_alphanumeric() || c == '_';
        out.push(c);
    }
    out
}

/// A `log_lock_waits` message: `process 123 still waiting for ShareLock on transaction 456
/// after 1000.052 ms`, `... acquired ...`, `... detected deadlock while waiting for ...`,
/// `... avoided deadlock ...`.
#[derive(Clone, Debug, PartialEq)]
pub struct LockMessage {
    /// Which event.
    pub event: LockEvent,
    /// The lock mode.
    pub mode: String,
    /// The object, identifiers that change every time taken out.
    pub object: String,
    /// Milliseconds waited so far.
    pub after_ms: f64,
}

/// What a lock message reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockEvent {
    /// Still waiting after `deadlock_timeout`.
    Waiting,
    /// The wait ended with the lock.
    Acquired,
    /// The wait ended in a deadlock.
    Deadlock,
}

/// Reads a lock-wait message.
pub fn lock_message(message: &str) -> Option<LockMessage> {
    let rest = message.strip_prefix("process ")?;
    let (_, rest) = rest.split_once(' ')?;
    let (event, rest) = if let Some(r) = rest.strip_prefix("still waiting for ") {
        (LockEvent::Waiting, r)
    } else if let Some(r) = rest.strip_prefix("acquired ") {
        (LockEvent::Acquired, r)
    } else if let Some(r) = rest.strip_prefix("detected deadlock while waiting for ") {
        (LockEvent::Deadlock, r)
    } else {
        return None;
    };
    let (mode, rest) = rest.split_once(" on ")?;
    let (object, after) = rest.rsplit_once(" after ")?;
    let after_ms: f64 = after.strip_suffix(" ms")?.trim().parse().ok()?;
    Some(LockMessage {
        event,
        mode: mode.to_owned(),
        object: lock_object(object),
        after_ms,
    })
}

fn lock_object(object: &str) -> String {
    if object.starts_with("transaction ") {
        return "transaction".to_owned();
    }
    if object.starts_with("virtual transaction ") {
        return "virtual transaction".to_owned();
    }
    if object.starts_with("advisory lock") {
        return "advisory lock".to_owned();
    }
    if let Some(rest) = object.strip_prefix("tuple (") {
        if let Some((_, rel)) = rest.split_once(") of ") {
            return format!("tuple of {rel}");
        }
    }
    object.to_owned()
}

/// `checkpoint complete: wrote 2430 buffers (14.8%); ...; write=0.101 s, sync=0.002 s,
/// total=0.109 s; ...`: buffers written and total seconds.
pub fn checkpoint_complete(message: &str) -> Option<(u64, f64)> {
    let rest = message
        .strip_prefix("checkpoint complete: wrote ")
        .or_else(|| message.strip_prefix("restartpoint complete: wrote "))?;
    let buffers: u64 = rest.split_whitespace().next()?.parse().ok()?;
    let total = rest
        .split_once("total=")
        .and_then(|(_, t)| t.split_once(" s"))
        .and_then(|(t, _)| t.parse().ok())
        .unwrap_or(0.0);
    Some((buffers, total))
}

/// `disconnection: session time: 1:02:03.456 user=...`: the session's seconds.
pub fn session_seconds(message: &str) -> Option<f64> {
    let t = message
        .strip_prefix("disconnection: session time: ")?
        .split_whitespace()
        .next()?;
    let mut parts = t.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

/// `automatic vacuum of table "db.public.t": ...` / `automatic analyze of table "..."`:
/// whether it is a vacuum, the table, dead tuples removed and seconds elapsed.
pub fn autovacuum(message: &str) -> Option<(bool, String, u64, f64)> {
    let (vacuum, rest) = if let Some(r) = message.strip_prefix("automatic vacuum of table \"") {
        (true, r)
    } else if let Some(r) = message.strip_prefix("automatic aggressive vacuum of table \"") {
        (true, r)
    } else if let Some(r) =
        message.strip_prefix("automatic vacuum to prevent wraparound of table \"")
    {
        (true, r)
    } else {
        (
            false,
            message.strip_prefix("automatic analyze of table \"")?,
        )
    };
    let (table, rest) = rest.split_once('"')?;
    let removed = rest
        .split_once("tuples: ")
        .and_then(|(_, t)| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let elapsed = rest
        .rsplit_once("elapsed: ")
        .and_then(|(_, t)| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    Some((vacuum, table.to_owned(), removed, elapsed))
}

/// `temporary file: path "base/pgsql_tmp/pgsql_tmp123.0", size 1048576`: the size.
pub fn temp_file_bytes(message: &str) -> Option<u64> {
    message
        .strip_prefix("temporary file: ")?
        .rsplit_once("size ")?
        .1
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_from_the_wording() {
        assert_eq!(
            sqlstate_of("duplicate key value violates unique constraint \"u\""),
            Some("23505")
        );
        assert_eq!(
            sqlstate_of("column \"stauts\" does not exist at character 12"),
            Some("42703")
        );
        assert_eq!(
            sqlstate_of("relation \"nope\" does not exist"),
            Some("42P01")
        );
        assert_eq!(
            sqlstate_of("function lower(integer) does not exist"),
            Some("42883")
        );
        assert_eq!(
            sqlstate_of("cannot create index on partitioned table \"events\" concurrently"),
            Some("0A000")
        );
        assert_eq!(
            sqlstate_of(
                "data type integer has no default operator class for access method \"gist\""
            ),
            Some("42704")
        );
        assert_eq!(sqlstate_of("something new"), None);
    }

    #[test]
    fn messages_lose_what_varies() {
        assert_eq!(
            normalize_message("column \"stauts\" does not exist at character 12"),
            "column \"stauts\" does not exist"
        );
        assert_eq!(
            normalize_message("value 300 out of range for key_2 in t1"),
            "value N out of range for key_2 in t1"
        );
    }

    #[test]
    fn lock_waits_and_server_events() {
        let m = lock_message(
            "process 20011 still waiting for ShareLock on transaction 53463214 after 1000.052 ms",
        )
        .expect("wait");
        assert_eq!(m.event, LockEvent::Waiting);
        assert_eq!(
            (m.mode.as_str(), m.object.as_str()),
            ("ShareLock", "transaction")
        );
        assert!((m.after_ms - 1000.052).abs() < 1e-9);
        let t = lock_message("process 7 acquired RowExclusiveLock on tuple (0,5) of relation 16384 of database 5 after 2500.1 ms").expect("acquired");
        assert_eq!(t.object, "tuple of relation 16384 of database 5");
        assert_eq!(t.event, LockEvent::Acquired);
        assert_eq!(lock_message("process started"), None);
        assert_eq!(
            checkpoint_complete("checkpoint complete: wrote 2430 buffers (14.8%); 0 WAL file(s) added, 0 removed, 1 recycled; write=0.101 s, sync=0.002 s, total=0.109 s; sync files=3"),
            Some((2430, 0.109))
        );
        assert_eq!(
            session_seconds("disconnection: session time: 1:02:03.500 user=a database=b host=c"),
            Some(3723.5)
        );
        let (vacuum, table, removed, elapsed) = autovacuum("automatic vacuum of table \"shop.public.orders\": index scans: 1\npages: 0 removed\ntuples: 120 removed, 5 remain\nsystem usage: CPU: user: 0.01 s, system: 0.00 s, elapsed: 0.25 s").expect("vacuum");
        assert!(vacuum);
        assert_eq!((table.as_str(), removed), ("shop.public.orders", 120));
        assert!((elapsed - 0.25).abs() < 1e-9);
        assert_eq!(
            temp_file_bytes("temporary file: path \"base/pgsql_tmp/pgsql_tmp1.0\", size 8192"),
            Some(8192)
        );
    }
}
