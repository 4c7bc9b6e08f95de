//! `plumb workload` reports: the JSON contract (version 1), which is also the partial result
//! that `plumb workload merge` combines, and the text and Markdown renderings.
//!
//! # JSON contract, version 1
//!
//! ```json
//! {"version": 1,
//!  "summary": {"statements": 491264, "total_duration_ms": 7357181.5,
//!              "first": "2025-03-03 08:00:00", "last": "2025-03-03 09:08:12", "zone": "UTC",
//!              "sessions": 492, "errors": 1961, "unparsed": 0,
//!              "inputs": [{"name": "pg.log", "format": "csvlog", "bytes": 1, "records": 1, "unreadable": 0}]},
//!  "queries": [{"fingerprint": "hex", "query": "normalized text", "calls": 1, "total_ms": 1.0,
//!               "mean_ms": 1.0, "p50_ms": 1.0, "p95_ms": 1.0, "p99_ms": 1.0, "max_ms": 1.0,
//!               "rows": null, "share": 0.1, "first": "...", "last": "...", "example": "...",
//!               "example_parameters": "$1 = '7'", "users": [], "databases": [], "applications": [],
//!               "plan": {"duration_ms": 1.0, "plan": "..."}, "sketch": "base64"}],
//!  "n_plus_one": [{"parent_fingerprint": "hex", "parent_query": "...", "child_fingerprint": "hex",
//!                  "child_query": "...", "bursts": 1, "statements": 8, "total_ms": 1.0,
//!                  "max_burst": 8, "parent_share": 1.0,
//!                  "example": {"session": "...", "first": "...", "parent": "...",
//!                              "statements": 8, "total_ms": 1.0, "children": ["..."]},
//!                  "fix": "..."}],
//!  "n_plus_one_candidates": [ same shape: bursts below the reporting bar, kept for merging ],
//!  "repeated": [{"fingerprint": "hex", "query": "...", "bursts": 1, "statements": 5, "total_ms": 1.0,
//!                "example": "...", "fix": "..."}],
//!  "errors": [{"sqlstate": "23505", "severity": "ERROR", "count": 1, "message": "...",
//!              "example": "...", "detail": "..."}],
//!  "lock_waits": [{"mode": "ShareLock", "object": "transaction", "fingerprint": "hex", "query": "...",
//!                  "waits": 1, "acquired": 1, "deadlocks": 0, "total_wait_ms": 1.0, "max_wait_ms": 1.0,
//!                  "example": "...", "blockers": {"normalized query": 1}}],
//!  "temp_files": [{"fingerprint": "hex", "query": "...", "count": 1, "total_bytes": 1, "max_bytes": 1,
//!                  "example": "..."}],
//!  "checkpoints": {"started": {"time": 1}, "completed": 1, "buffers_written": 1,
//!                  "total_seconds": 1.0, "max_seconds": 1.0, "too_frequent": 0},
//!  "autovacuum": [{"table": "db.schema.table", "vacuums": 1, "analyzes": 1, "tuples_removed": 1,
//!                  "elapsed_seconds": 1.0}],
//!  "connections": {"received": 1, "authorized": {"user@db": 1}, "disconnections": 1,
//!                  "session_seconds": 1.0, "max_session_seconds": 1.0, "authentication_failures": 0},
//!  "buckets": [{"start": "2025-03-03 08:00:00", "statements": 1, "total_ms": 1.0, "errors": 0}],
//!  "duration_histogram": [{"le_ms": 0.1, "statements": 1}, ..., {"le_ms": null, "statements": 0}],
//!  "findings": []}
//! ```
//! Queries are sorted by total time (then fingerprint), N+1 patterns by total time, errors by
//! count. Times are the server's wall clock in its `log_timezone` (`zone`), with milliseconds
//! where the log has them. `sketch` is the query's duration distribution as a DDSketch
//! (DataDog's binary encoding, base64): it is what lets results merge exactly. Fields are only
//! ever added within a version.

use plumb_workload::events::{
    AutovacuumStats, CheckpointStats, ConnectionStats, ErrorStats, LockWaitStats, TempFileStats,
};
use plumb_workload::nplus1::{NPlusOne, Repeated};
use plumb_workload::stats::{Bucket, InputSummary};
use plumb_workload::{QueryStats, Timestamp, Workload};
use serde::{Deserialize, Serialize};

/// The version of the workload JSON contract.
pub const WORKLOAD_JSON_VERSION: u32 = 1;

/// The summary block.
#[derive(Serialize, Deserialize)]
pub struct Summary {
    /// Statements executed.
    pub statements: u64,
    /// Their milliseconds.
    pub total_duration_ms: f64,
    /// First time stamp.
    pub first: Option<String>,
    /// Last time stamp.
    pub last: Option<String>,
    /// The log's time zone.
    #[serde(default)]
    pub zone: String,
    /// Sessions.
    pub sessions: u64,
    /// Errors (ERROR, FATAL, PANIC).
    pub errors: u64,
    /// Statements whose SQL does not parse.
    #[serde(default)]
    pub unparsed: u64,
    /// What was read.
    pub inputs: Vec<InputSummary>,
}

/// One minute's bucket.
#[derive(Serialize, Deserialize)]
pub struct BucketJson {
    /// The minute.
    pub start: String,
    /// Statements.
    pub statements: u64,
    /// Milliseconds.
    pub total_ms: f64,
    /// Errors.
    pub errors: u64,
}

/// Executions whose duration is at most `le_ms` (and more than the band before).
#[derive(Serialize, Deserialize)]
pub struct DurationBand {
    /// Upper bound in milliseconds; `null` for the last band (longer than the one before).
    pub le_ms: Option<f64>,
    /// Executions.
    pub statements: u64,
}

/// The whole document.
#[derive(Serialize, Deserialize)]
pub struct WorkloadJson {
    /// [`WORKLOAD_JSON_VERSION`].
    pub version: u32,
    /// Totals.
    pub summary: Summary,
    /// Per query.
    pub queries: Vec<QueryStats>,
    /// N+1 patterns reported.
    pub n_plus_one: Vec<NPlusOne>,
    /// Bursts below the reporting bar.
    #[serde(default)]
    pub n_plus_one_candidates: Vec<NPlusOne>,
    /// Identical statements repeated in bursts.
    #[serde(default)]
    pub repeated: Vec<Repeated>,
    /// Errors.
    pub errors: Vec<ErrorStats>,
    /// Lock waits.
    pub lock_waits: Vec<LockWaitStats>,
    /// Temporary files.
    pub temp_files: Vec<TempFileStats>,
    /// Checkpoints.
    #[serde(default)]
    pub checkpoints: CheckpointStats,
    /// Autovacuum.
    #[serde(default)]
    pub autovacuum: Vec<AutovacuumStats>,
    /// Connections.
    #[serde(default)]
    pub connections: ConnectionStats,
    /// Per minute.
    #[serde(default)]
    pub buckets: Vec<BucketJson>,
    /// Executions by duration band.
    #[serde(default)]
    pub duration_histogram: Vec<DurationBand>,
    /// Findings of the query anti-pattern rules.
    #[serde(default)]
    pub findings: Vec<serde_json::Value>,
}

fn by_total_desc(a: f64, b: f64) -> std::cmp::Ordering {
    b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
}

/// The queries, most total time first.
pub fn top_queries(w: &Workload) -> Vec<&QueryStats> {
    let mut q: Vec<&QueryStats> = w.queries.values().collect();
    q.sort_by(|a, b| {
        by_total_desc(a.total_ms, b.total_ms).then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    q
}

fn patterns(w: &Workload, reported: bool) -> Vec<NPlusOne> {
    let mut p: Vec<NPlusOne> = w
        .n_plus_one
        .values()
        .filter(|p| p.reported == reported)
        .cloned()
        .collect();
    p.sort_by(|a, b| {
        by_total_desc(a.total_ms, b.total_ms)
            .then_with(|| a.child_fingerprint.cmp(&b.child_fingerprint))
    });
    p
}

/// The workload's lists in report order: queries and N+1 patterns by total time, errors by
/// count, lock waits by time waited, temporary files by bytes, autovacuum by time.
struct Views<'a> {
    queries: Vec<&'a QueryStats>,
    reported: Vec<NPlusOne>,
    candidates: Vec<NPlusOne>,
    repeated: Vec<&'a Repeated>,
    errors: Vec<&'a ErrorStats>,
    lock_waits: Vec<&'a LockWaitStats>,
    temp_files: Vec<&'a TempFileStats>,
    autovacuum: Vec<&'a AutovacuumStats>,
}

fn views(w: &Workload) -> Views<'_> {
    let mut errors: Vec<&ErrorStats> = w.errors.values().collect();
    errors.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.message.cmp(&b.message))
    });
    let mut lock_waits: Vec<&LockWaitStats> = w.lock_waits.values().collect();
    lock_waits.sort_by(|a, b| {
        by_total_desc(a.total_wait_ms, b.total_wait_ms).then_with(|| b.waits.cmp(&a.waits))
    });
    let mut temp_files: Vec<&TempFileStats> = w.temp_files.values().collect();
    temp_files.sort_by_key(|t| std::cmp::Reverse(t.total_bytes));
    let mut repeated: Vec<&Repeated> = w.repeated.values().collect();
    repeated.sort_by(|a, b| {
        by_total_desc(a.total_ms, b.total_ms).then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    let mut autovacuum: Vec<&AutovacuumStats> = w.autovacuum.values().collect();
    autovacuum.sort_by(|a, b| {
        by_total_desc(a.elapsed_seconds, b.elapsed_seconds).then_with(|| a.table.cmp(&b.table))
    });
    Views {
        queries: top_queries(w),
        reported: patterns(w, true),
        candidates: patterns(w, false),
        repeated,
        errors,
        lock_waits,
        temp_files,
        autovacuum,
    }
}

/// The JSON document of a workload.
pub fn workload_json(w: &Workload, findings: Vec<serde_json::Value>) -> WorkloadJson {
    let v = views(w);
    WorkloadJson {
        version: WORKLOAD_JSON_VERSION,
        summary: Summary {
            statements: w.statements,
            total_duration_ms: w.total_ms,
            first: w.first.map(|t| t.to_string()),
            last: w.last.map(|t| t.to_string()),
            zone: w.zone.clone(),
            sessions: w.sessions,
            errors: w.errors.values().map(|e| e.count).sum(),
            unparsed: w.unparsed,
            inputs: w.inputs.clone(),
        },
        queries: v.queries.into_iter().cloned().collect(),
        n_plus_one: v.reported,
        n_plus_one_candidates: v.candidates,
        repeated: v.repeated.into_iter().cloned().collect(),
        errors: v.errors.into_iter().cloned().collect(),
        lock_waits: v.lock_waits.into_iter().cloned().collect(),
        temp_files: v.temp_files.into_iter().cloned().collect(),
        checkpoints: w.checkpoints.clone(),
        autovacuum: v.autovacuum.into_iter().cloned().collect(),
        connections: w.connections.clone(),
        buckets: w
            .buckets
            .iter()
            .map(|(k, b)| BucketJson {
                start: Timestamp {
                    ms: *k,
                    precise: false,
                }
                .to_string(),
                statements: b.statements,
                total_ms: b.total_ms,
                errors: b.errors,
            })
            .collect(),
        duration_histogram: plumb_workload::stats::DURATION_BANDS_MS
            .iter()
            .zip(w.durations)
            .map(|(le, n)| DurationBand {
                le_ms: le.is_finite().then_some(*le),
                statements: n,
            })
            .collect(),
        findings,
    }
}

/// Why a JSON document could not be read back.
#[derive(Debug)]
pub struct ReadJsonError(pub String);

impl std::fmt::Display for ReadJsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadJsonError {}

/// Reads a `plumb workload --format json` document back into a workload, for merging.
pub fn workload_from_json(text: &str) -> Result<Workload, ReadJsonError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ReadJsonError(format!("not JSON ({e})")))?;
    match v.get("version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(n) => {
            return Err(ReadJsonError(format!(
                "workload JSON version {n}; this plumb reads version {WORKLOAD_JSON_VERSION}"
            )))
        }
        None => {
            return Err(ReadJsonError(
                "not a `plumb workload --format json` result (no \"version\")".to_owned(),
            ))
        }
    }
    let doc: WorkloadJson = serde_json::from_value(v)
        .map_err(|e| ReadJsonError(format!("not a plumb workload result: {e}")))?;
    let time = |t: Option<String>| t.as_deref().and_then(Timestamp::parse).map(|(t, _)| t);
    let mut w = Workload::default();
    w.inputs = doc.summary.inputs;
    w.statements = doc.summary.statements;
    w.total_ms = doc.summary.total_duration_ms;
    w.unparsed = doc.summary.unparsed;
    w.first = time(doc.summary.first);
    w.last = time(doc.summary.last);
    w.zone = doc.summary.zone;
    w.sessions = doc.summary.sessions;
    w.checkpoints = doc.checkpoints;
    w.connections = doc.connections;
    for (slot, band) in w.durations.iter_mut().zip(&doc.duration_histogram) {
        *slot = band.statements;
    }
    w.queries = doc
        .queries
        .into_iter()
        .map(|q| (q.fingerprint.clone(), q))
        .collect();
    w.buckets = doc
        .buckets
        .into_iter()
        .filter_map(|b| {
            let (t, _) = Timestamp::parse(&b.start)?;
            Some((
                t.ms,
                Bucket {
                    statements: b.statements,
                    total_ms: b.total_ms,
                    errors: b.errors,
                },
            ))
        })
        .collect();
    w.errors = doc
        .errors
        .into_iter()
        .map(|e| {
            (
                (e.sqlstate.clone().unwrap_or_default(), e.message.clone()),
                e,
            )
        })
        .collect();
    w.lock_waits = doc
        .lock_waits
        .into_iter()
        .map(|l| {
            (
                (
                    l.mode.clone(),
                    l.object.clone(),
                    l.fingerprint.clone().unwrap_or_default(),
                ),
                l,
            )
        })
        .collect();
    w.temp_files = doc
        .temp_files
        .into_iter()
        .map(|t| (t.fingerprint.clone().unwrap_or_default(), t))
        .collect();
    w.autovacuum = doc
        .autovacuum
        .into_iter()
        .map(|a| (a.table.clone(), a))
        .collect();
    w.n_plus_one = doc
        .n_plus_one
        .into_iter()
        .chain(doc.n_plus_one_candidates)
        .map(|p| {
            (
                (
                    p.parent_fingerprint.clone().unwrap_or_default(),
                    p.child_fingerprint.clone(),
                ),
                p,
            )
        })
        .collect();
    w.repeated = doc
        .repeated
        .into_iter()
        .map(|r| (r.fingerprint.clone(), r))
        .collect();
    w.finish();
    Ok(w)
}

/// Milliseconds for people: `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s = (ms / 1000.0).round() as u64;
        if s < 3600 {
            format!("{} min {} s", s / 60, s % 60)
        } else {
            format!("{} h {} min", s / 3600, s / 60 % 60)
        }
    }
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if f >= 1e9 {
        format!("{:.1} GB", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.1} MB", f / 1e6)
    } else if f >= 1e3 {
        format!("{:.1} kB", f / 1e3)
    } else {
        format!("{n} B")
    }
}

fn one_line(sql: &str, width: usize) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= width {
        flat
    } else {
        let mut s: String = flat.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn span(w: &Workload) -> String {
    match (w.first, w.last) {
        (Some(a), Some(b)) => format!(
            "{a} – {b}{}",
            if w.zone.is_empty() {
                String::new()
            } else {
                format!(" {}", w.zone)
            }
        ),
        _ => "no time stamps".to_owned(),
    }
}

/// The text report: totals, the top `top` queries by total time, N+1 loops, repeated
/// statements, errors, lock waits, temporary files and the server's own events.
pub fn workload_text(w: &Workload, top: usize, findings: &[String]) -> String {
    let v = views(w);
    let mut o = String::new();
    let errors: u64 = w.errors.values().map(|e| e.count).sum();
    o.push_str(&format!(
        "plumb workload: {} statements, {} in all, {}; {} sessions, {} errors\n",
        count(w.statements),
        duration(w.total_ms),
        span(w),
        count(w.sessions),
        count(errors)
    ));
    for i in w
        .inputs
        .iter()
        .filter(|i| i.format.starts_with("pg_stat_statements"))
    {
        o.push_str(&format!(
            "  read {} ({}): {} entries\n",
            i.name,
            i.format,
            count(i.records)
        ));
    }
    for i in w
        .inputs
        .iter()
        .filter(|i| !i.format.starts_with("pg_stat_statements"))
    {
        o.push_str(&format!(
            "  read {} ({}, {}): {} messages{}\n",
            i.name,
            i.format,
            bytes(i.bytes),
            count(i.records),
            if i.unreadable > 0 {
                format!(", {} lines not understood", count(i.unreadable))
            } else {
                String::new()
            }
        ));
    }
    if w.unparsed > 0 {
        o.push_str(&format!(
            "  {} statements did not parse (counted, not grouped)\n",
            count(w.unparsed)
        ));
    }
    let queries = &v.queries;
    o.push_str(&format!(
        "\nTop {} queries by total time (of {})\n",
        top.min(queries.len()),
        count(queries.len() as u64)
    ));
    o.push_str(&format!(
        "  {:>3}  {:>12}  {:>6}  {:>9}  {:>10}  {:>10}  {:>10}  query\n",
        "#", "total", "share", "calls", "mean", "p95", "max"
    ));
    for (i, q) in queries.iter().take(top).enumerate() {
        o.push_str(&format!(
            "  {:>3}  {:>12}  {:>5.1}%  {:>9}  {:>10}  {:>10}  {:>10}  {}\n",
            i + 1,
            duration(q.total_ms),
            q.share * 100.0,
            count(q.calls),
            duration(q.mean_ms),
            q.p95_ms.map_or_else(|| "-".to_owned(), duration),
            duration(q.max_ms),
            one_line(&q.query, 100)
        ));
    }
    if !v.reported.is_empty() {
        o.push_str(&format!("\nN+1 loops ({})\n", v.reported.len()));
        for p in &v.reported {
            o.push_str(&format!(
                "  {} bursts, {} statements, {} (longest burst {})\n    parent: {}\n    child:  {}\n    fix: {}\n",
                count(p.bursts),
                count(p.statements),
                duration(p.total_ms),
                p.max_burst,
                p.parent_query
                    .as_deref()
                    .map_or_else(|| "(none right before)".to_owned(), |q| one_line(q, 100)),
                one_line(&p.child_query, 100),
                p.fix
            ));
        }
    }
    if !w.repeated.is_empty() {
        o.push_str(&format!(
            "\nThe same statement with the same values in a burst ({})\n",
            w.repeated.len()
        ));
        for r in &v.repeated {
            o.push_str(&format!(
                "  {} bursts, {} statements, {}: {}\n",
                count(r.bursts),
                count(r.statements),
                duration(r.total_ms),
                one_line(&r.query, 100)
            ));
        }
    }
    if !v.errors.is_empty() {
        o.push_str(&format!("\nErrors ({})\n", count(errors)));
        for e in v.errors.iter().take(top) {
            o.push_str(&format!(
                "  {:>7}  {:5}  {}  {}\n",
                count(e.count),
                e.sqlstate.as_deref().unwrap_or("?"),
                e.severity,
                one_line(&e.message, 110)
            ));
            if let Some(x) = &e.example {
                o.push_str(&format!("           e.g. {}\n", one_line(x, 110)));
            }
        }
    }
    if !v.lock_waits.is_empty() {
        o.push_str("\nLock waits (longer than deadlock_timeout)\n");
        for l in v.lock_waits.iter().take(top) {
            o.push_str(&format!(
                "  {:>6} waits, {} in all, longest {}: {} on {} by {}\n",
                count(l.waits),
                duration(l.total_wait_ms),
                duration(l.max_wait_ms),
                l.mode,
                l.object,
                l.query
                    .as_deref()
                    .map_or_else(|| "(statement not logged)".to_owned(), |q| one_line(q, 80))
            ));
            if let Some((b, _)) = l.blockers.iter().max_by_key(|(_, n)| **n) {
                o.push_str(&format!(
                    "         holder was last running: {}\n",
                    one_line(b, 80)
                ));
            }
        }
    }
    if !v.temp_files.is_empty() {
        o.push_str("\nTemporary files\n");
        for t in v.temp_files.iter().take(top) {
            o.push_str(&format!(
                "  {:>6} files, {} in all, largest {}: {}\n",
                count(t.count),
                bytes(t.total_bytes),
                bytes(t.max_bytes),
                t.query
                    .as_deref()
                    .map_or_else(|| "(statement not logged)".to_owned(), |q| one_line(q, 80))
            ));
        }
    }
    let c = &w.checkpoints;
    if c.completed > 0 || !c.started.is_empty() {
        let reasons: Vec<String> = c.started.iter().map(|(k, n)| format!("{n} {k}")).collect();
        o.push_str(&format!(
            "\nCheckpoints: {} completed ({}), {} buffers written, longest {:.1} s{}\n",
            count(c.completed),
            reasons.join(", "),
            count(c.buffers_written),
            c.max_seconds,
            if c.too_frequent > 0 {
                format!(
                    ", {} \"too frequent\" warnings: raise max_wal_size",
                    c.too_frequent
                )
            } else {
                String::new()
            }
        ));
    }
    if !w.autovacuum.is_empty() {
        let vac: u64 = w.autovacuum.values().map(|a| a.vacuums).sum();
        let an: u64 = w.autovacuum.values().map(|a| a.analyzes).sum();
        o.push_str(&format!(
            "Autovacuum: {} vacuums and {} analyzes on {} tables\n",
            count(vac),
            count(an),
            w.autovacuum.len()
        ));
    }
    let cn = &w.connections;
    if cn.received > 0 || cn.disconnections > 0 {
        #[allow(clippy::cast_precision_loss)]
        let mean = if cn.disconnections > 0 {
            cn.session_seconds / cn.disconnections as f64
        } else {
            0.0
        };
        o.push_str(&format!(
            "Connections: {} received, {} ended (mean session {:.1} s, longest {:.1} s){}\n",
            count(cn.received),
            count(cn.disconnections),
            mean,
            cn.max_session_seconds,
            if cn.authentication_failures > 0 {
                format!(", {} authentication failures", cn.authentication_failures)
            } else {
                String::new()
            }
        ));
    }
    if !findings.is_empty() {
        o.push_str(&format!("\nQuery anti-patterns ({})\n", findings.len()));
        for f in findings {
            o.push_str(&format!("  {f}\n"));
        }
    }
    o
}

/// The Markdown report: the text report's sections as tables.
pub fn workload_markdown(w: &Workload, top: usize, findings: &[String]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let v = views(w);
    let mut o = String::new();
    let errors: u64 = w.errors.values().map(|e| e.count).sum();
    o.push_str("# Workload\n\n");
    o.push_str(&format!(
        "{} statements, {} in all, {}; {} sessions, {} errors.\n\n",
        count(w.statements),
        duration(w.total_ms),
        span(w),
        count(w.sessions),
        count(errors)
    ));
    o.push_str("## Top queries by total time\n\n| # | total | share | calls | mean | p95 | max | query |\n|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (i, q) in v.queries.iter().take(top).enumerate() {
        o.push_str(&format!(
            "| {} | {} | {:.1}% | {} | {} | {} | {} | `{}` |\n",
            i + 1,
            duration(q.total_ms),
            q.share * 100.0,
            count(q.calls),
            duration(q.mean_ms),
            q.p95_ms.map_or_else(|| "-".to_owned(), duration),
            duration(q.max_ms),
            cell(&one_line(&q.query, 160))
        ));
    }
    if !v.reported.is_empty() {
        o.push_str("\n## N+1 loops\n\n| bursts | statements | time | parent | child | fix |\n|---:|---:|---:|---|---|---|\n");
        for p in &v.reported {
            o.push_str(&format!(
                "| {} | {} | {} | `{}` | `{}` | {} |\n",
                count(p.bursts),
                count(p.statements),
                duration(p.total_ms),
                cell(
                    &p.parent_query
                        .as_deref()
                        .map_or_else(String::new, |q| one_line(q, 100))
                ),
                cell(&one_line(&p.child_query, 100)),
                cell(&p.fix)
            ));
        }
    }
    if !v.errors.is_empty() {
        o.push_str("\n## Errors\n\n| count | SQLSTATE | message | example |\n|---:|---|---|---|\n");
        for e in v.errors.iter().take(top) {
            o.push_str(&format!(
                "| {} | {} | {} | `{}` |\n",
                count(e.count),
                e.sqlstate.as_deref().unwrap_or("?"),
                cell(&e.message),
                cell(
                    &e.example
                        .as_deref()
                        .map_or_else(String::new, |x| one_line(x, 100))
                )
            ));
        }
    }
    if !w.lock_waits.is_empty() {
        o.push_str("\n## Lock waits\n\n| waits | total | longest | lock | query |\n|---:|---:|---:|---|---|\n");
        for l in v.lock_waits.iter().take(top) {
            o.push_str(&format!(
                "| {} | {} | {} | {} on {} | `{}` |\n",
                count(l.waits),
                duration(l.total_wait_ms),
                duration(l.max_wait_ms),
                l.mode,
                l.object,
                cell(
                    &l.query
                        .as_deref()
                        .map_or_else(String::new, |q| one_line(q, 100))
                )
            ));
        }
    }
    if !w.temp_files.is_empty() {
        o.push_str(
            "\n## Temporary files\n\n| files | total | largest | query |\n|---:|---:|---:|---|\n",
        );
        for t in v.temp_files.iter().take(top) {
            o.push_str(&format!(
                "| {} | {} | {} | `{}` |\n",
                count(t.count),
                bytes(t.total_bytes),
                bytes(t.max_bytes),
                cell(
                    &t.query
                        .as_deref()
                        .map_or_else(String::new, |q| one_line(q, 100))
                )
            ));
        }
    }
    if !findings.is_empty() {
        o.push_str("\n## Query anti-patterns\n\n");
        for f in findings {
            o.push_str(&format!("- {}\n", cell(f)));
        }
    }
    o
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Vertical bars: `values` scaled to the tallest, with a label under the first and last bar
/// and a title (tooltip) per bar.
fn bar_chart(values: &[(String, f64)], unit: &dyn Fn(f64) -> String) -> String {
    const W: f64 = 900.0;
    const H: f64 = 160.0;
    if values.is_empty() {
        return "<p class=\"muted\">No data.</p>".to_owned();
    }
    let max = values.iter().map(|v| v.1).fold(0.0_f64, f64::max).max(1e-9);
    #[allow(clippy::cast_precision_loss)]
    let bw = W / values.len() as f64;
    let mut o = format!(
        "<svg viewBox=\"0 0 {W} {}\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
        H + 34.0
    );
    for (i, (label, v)) in values.iter().enumerate() {
        let h = (v / max * H).max(if *v > 0.0 { 1.0 } else { 0.0 });
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64 * bw;
        o.push_str(&format!(
            "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\" class=\"bar\"><title>{}: {}</title></rect>",
            H - h,
            (bw - 1.0).max(0.5),
            esc(label),
            esc(&unit(*v))
        ));
    }
    let first = &values[0].0;
    let last = &values[values.len() - 1].0;
    o.push_str(&format!(
        "<text x=\"0\" y=\"{:.0}\" class=\"axis\">{}</text><text x=\"{W}\" y=\"{:.0}\" class=\"axis\" text-anchor=\"end\">{}</text><text x=\"{W}\" y=\"12\" class=\"axis\" text-anchor=\"end\">max {}</text></svg>",
        H + 16.0,
        esc(first),
        H + 16.0,
        esc(last),
        esc(&unit(max))
    ));
    o
}

/// Horizontal bars with a label each.
fn hbar_chart(values: &[(String, f64)], unit: &dyn Fn(f64) -> String) -> String {
    let max = values.iter().map(|v| v.1).fold(0.0_f64, f64::max).max(1e-9);
    let mut o = String::from("<div class=\"hbars\">");
    for (label, v) in values {
        o.push_str(&format!(
            "<div class=\"hrow\"><span class=\"hlabel\">{}</span><span class=\"htrack\"><span class=\"hbar\" style=\"width:{:.1}%\"></span></span><span class=\"hval\">{}</span></div>",
            esc(label),
            v / max * 100.0,
            esc(&unit(*v))
        ));
    }
    o.push_str("</div>");
    o
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = String::from("<table><thead><tr>");
    for h in head {
        o.push_str(&format!("<th>{}</th>", esc(h)));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        o.push_str("<tr>");
        for c in r {
            o.push_str(&format!("<td>{c}</td>"));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    o
}

fn code(sql: &str) -> String {
    format!("<code>{}</code>", esc(&one_line(sql, 400)))
}

/// The HTML report: one self-contained page (inline CSS and SVG, no script, no external
/// request) with the totals, charts of time per minute, the top queries and the duration
/// distribution, and the tables of the text report. `findings` are (severity, rule, message,
/// help, fix) of the query rules.
pub fn workload_html(
    w: &Workload,
    top: usize,
    findings: &[(String, String, String, String, Option<String>)],
) -> String {
    let v = views(w);
    let errors: u64 = w.errors.values().map(|e| e.count).sum();
    let mut o = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>plumb workload</title><style>");
    o.push_str("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1d2430;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dde}table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eef;vertical-align:top}th{background:#f4f6fa}td.n,th.n{text-align:right}code{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}.bar{fill:#4a78c2}.axis{font:11px sans-serif;fill:#667}.muted{color:#889}.hrow{display:flex;align-items:center;gap:8px;margin:2px 0}.hlabel{width:60px;font-size:12px}.htrack{flex:1;background:#f0f2f7;height:12px}.hbar{display:block;height:12px;background:#4a78c2}.hval{width:110px;font-size:12px;text-align:right}.sev-high,.sev-critical{color:#b3261e;font-weight:600}.sev-medium{color:#b56a00;font-weight:600}.sev-low{color:#345}.summary{display:flex;flex-wrap:wrap;gap:1.5em}.summary div{background:#f4f6fa;padding:.6em 1em;border-radius:6px}.summary b{display:block;font-size:1.3em}");
    o.push_str("</style></head><body><h1>plumb workload</h1>");
    o.push_str(&format!("<p class=\"muted\">{}</p>", esc(&span(w))));
    o.push_str("<div class=\"summary\">");
    for (label, value) in [
        ("statements", count(w.statements)),
        ("time in all", duration(w.total_ms)),
        ("queries", count(w.queries.len() as u64)),
        ("sessions", count(w.sessions)),
        ("errors", count(errors)),
        ("N+1 loops", count(v.reported.len() as u64)),
    ] {
        o.push_str(&format!("<div><b>{}</b>{label}</div>", esc(&value)));
    }
    o.push_str("</div>");
    for i in &w.inputs {
        o.push_str(&format!(
            "<p class=\"muted\">Read {} ({}, {}): {} messages.</p>",
            esc(&i.name),
            esc(&i.format),
            bytes(i.bytes),
            count(i.records)
        ));
    }
    // Time per minute, at most 300 bars.
    let per: Vec<(i64, &Bucket)> = w.buckets.iter().map(|(k, b)| (*k, b)).collect();
    let group = per.len().div_ceil(300).max(1);
    let series: Vec<(String, f64)> = per
        .chunks(group)
        .map(|c| {
            let label = Timestamp {
                ms: c[0].0,
                precise: false,
            }
            .to_string();
            (label, c.iter().map(|(_, b)| b.total_ms).sum())
        })
        .collect();
    o.push_str("<h2>Time spent per minute</h2>");
    o.push_str(&bar_chart(&series, &|x| duration(x)));
    let queries: Vec<&QueryStats> = v.queries.iter().take(top).copied().collect();
    o.push_str("<h2>Top queries by total time</h2>");
    let bars: Vec<(String, f64)> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("#{}", i + 1), q.total_ms))
        .collect();
    o.push_str(&hbar_chart(&bars, &|x| duration(x)));
    let rows: Vec<Vec<String>> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            vec![
                format!("{}", i + 1),
                duration(q.total_ms),
                format!("{:.1}%", q.share * 100.0),
                count(q.calls),
                duration(q.mean_ms),
                q.p50_ms.map_or_else(|| "-".to_owned(), duration),
                q.p95_ms.map_or_else(|| "-".to_owned(), duration),
                q.p99_ms.map_or_else(|| "-".to_owned(), duration),
                duration(q.max_ms),
                format!(
                    "{}<details><summary>example</summary>{}{}</details>",
                    code(&q.query),
                    code(&q.example),
                    q.example_parameters
                        .as_deref()
                        .map(|p| format!("<br>parameters: {}", code(p)))
                        .unwrap_or_default()
                ),
            ]
        })
        .collect();
    o.push_str(&table(
        &[
            "#", "total", "share", "calls", "mean", "p50", "p95", "p99", "max", "query",
        ],
        &rows,
    ));
    o.push_str("<h2>Duration distribution (executions)</h2>");
    let labels = [
        "≤ 0.1 ms",
        "≤ 1 ms",
        "≤ 10 ms",
        "≤ 100 ms",
        "≤ 1 s",
        "≤ 10 s",
        "≤ 60 s",
        "> 60 s",
    ];
    #[allow(clippy::cast_precision_loss)]
    let hist: Vec<(String, f64)> = labels
        .iter()
        .zip(w.durations)
        .map(|(l, n)| ((*l).to_owned(), n as f64))
        .collect();
    o.push_str(&hbar_chart(&hist, &|x| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        count(x as u64)
    }));
    if !v.reported.is_empty() {
        o.push_str("<h2>N+1 loops</h2>");
        let rows: Vec<Vec<String>> = v
            .reported
            .iter()
            .map(|p| {
                vec![
                    count(p.bursts),
                    count(p.statements),
                    duration(p.total_ms),
                    p.parent_query.as_deref().map_or_else(
                        || "<span class=\"muted\">none right before</span>".to_owned(),
                        code,
                    ),
                    format!(
                        "{}<details><summary>example burst ({} statements)</summary>{}</details>",
                        code(&p.child_query),
                        p.example.statements,
                        p.example
                            .children
                            .iter()
                            .map(|c| code(c))
                            .collect::<Vec<_>>()
                            .join("<br>")
                    ),
                    esc(&p.fix),
                ]
            })
            .collect();
        o.push_str(&table(
            &["bursts", "statements", "time", "parent", "child", "fix"],
            &rows,
        ));
    }
    if !findings.is_empty() {
        o.push_str("<h2>Query anti-patterns</h2>");
        let rows: Vec<Vec<String>> = findings
            .iter()
            .map(|(sev, rule, message, help, fix)| {
                vec![
                    format!("<span class=\"sev-{}\">{}</span>", esc(sev), esc(sev)),
                    format!("<code>{}</code>", esc(rule)),
                    format!(
                        "{}<br><span class=\"muted\">{}</span>{}",
                        esc(message),
                        esc(help),
                        fix.as_deref()
                            .map(|f| format!("<br>{}", code(f)))
                            .unwrap_or_default()
                    ),
                ]
            })
            .collect();
        o.push_str(&table(&["severity", "rule", "finding"], &rows));
    }
    if !v.errors.is_empty() {
        o.push_str("<h2>Errors</h2>");
        let rows: Vec<Vec<String>> = v
            .errors
            .iter()
            .take(top)
            .map(|e| {
                vec![
                    count(e.count),
                    esc(e.sqlstate.as_deref().unwrap_or("?")),
                    esc(&e.message),
                    e.example.as_deref().map(code).unwrap_or_default(),
                ]
            })
            .collect();
        o.push_str(&table(&["count", "SQLSTATE", "message", "example"], &rows));
    }
    if !v.lock_waits.is_empty() {
        o.push_str("<h2>Lock waits</h2>");
        let rows: Vec<Vec<String>> = v
            .lock_waits
            .iter()
            .take(top)
            .map(|l| {
                vec![
                    count(l.waits),
                    duration(l.total_wait_ms),
                    duration(l.max_wait_ms),
                    esc(&format!("{} on {}", l.mode, l.object)),
                    l.query.as_deref().map(code).unwrap_or_default(),
                ]
            })
            .collect();
        o.push_str(&table(
            &["waits", "total", "longest", "lock", "waiting query"],
            &rows,
        ));
    }
    if !v.temp_files.is_empty() {
        o.push_str("<h2>Temporary files</h2>");
        let rows: Vec<Vec<String>> = v
            .temp_files
            .iter()
            .take(top)
            .map(|t| {
                vec![
                    count(t.count),
                    bytes(t.total_bytes),
                    bytes(t.max_bytes),
                    t.query.as_deref().map(code).unwrap_or_default(),
                ]
            })
            .collect();
        o.push_str(&table(&["files", "total", "largest", "query"], &rows));
    }
    let c = &w.checkpoints;
    o.push_str(&format!(
        "<h2>Server</h2><p>Checkpoints: {} completed, {} buffers written, longest {:.1} s. Autovacuum: {} vacuums, {} analyzes on {} tables. Connections: {} received, {} ended.</p>",
        count(c.completed),
        count(c.buffers_written),
        c.max_seconds,
        count(w.autovacuum.values().map(|a| a.vacuums).sum()),
        count(w.autovacuum.values().map(|a| a.analyzes).sum()),
        w.autovacuum.len(),
        count(w.connections.received),
        count(w.connections.disconnections)
    ));
    o.push_str("<p class=\"muted\">Written by plumb.</p></body></html>\n");
    o
}
