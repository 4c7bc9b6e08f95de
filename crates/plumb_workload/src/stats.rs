//! The workload of a log: every executed statement fingerprinted with the real parser and
//! counted under its fingerprint, with its time in a mergeable quantile sketch (DDSketch, 1%
//! relative accuracy); time buckets, errors, lock waits, temporary files, checkpoints,
//! autovacuum, connections, sessions and N+1 loops beside them.
//!
//! Reading happens in two steps so that the expensive one runs on every core: [`prepare`]
//! (parse, fingerprint; any thread, any order) and [`Workload::add`] (in log order, cheap).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sketches_ddsketch::{Config, DDSketch};

use crate::events::{
    self, AutovacuumStats, CheckpointStats, ConnectionStats, ErrorStats, LockEvent, LockWaitStats,
    TempFileStats,
};
use crate::fingerprints::{Fingerprinter, Fp};
use crate::nplus1::{self, Detector, Exec, NPlusOne, Rate, Repeated};
use crate::record::Record;
use crate::statement::{classify, Logged, Step};
use crate::time::Timestamp;

/// A record with the work that can run on any thread done: what its message says about a
/// statement, and the fingerprint of the query it is about.
pub struct Prepared<'a> {
    /// The record.
    pub record: Record<'a>,
    /// What it is.
    pub kind: Kind,
    /// The query it is about (the statement it logs, or its `STATEMENT` for a temporary file
    /// or a lock wait), when that parses.
    pub query: Option<Fp>,
}

/// What a record says.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// An executed statement: simple protocol or `execute`. `sql_at` is where its SQL starts
    /// in the message.
    Statement {
        /// Milliseconds, when on the same line.
        duration_ms: Option<f64>,
        /// Where the SQL starts in the message.
        sql_at: usize,
    },
    /// A statement whose SQL does not parse.
    Unparsed {
        /// Milliseconds, when on the same line.
        duration_ms: Option<f64>,
    },
    /// `duration: X ms` alone (`log_duration`): the session's previous statement.
    Duration(f64),
    /// Parse or bind: a step of an execution logged later; its time counts in the query's
    /// total (the server spent it), not as an execution.
    Step {
        /// Milliseconds, when logged.
        duration_ms: Option<f64>,
        /// Where the SQL starts in the message.
        sql_at: usize,
    },
    /// An auto_explain plan; `plan_at` is where the plan starts in the message.
    Plan {
        /// Milliseconds the statement took.
        duration_ms: f64,
        /// Where the plan starts in the message.
        plan_at: usize,
    },
    /// Anything else.
    Other,
}

/// Does the per-thread work for one record.
pub fn prepare<'a>(record: Record<'a>, fps: &mut Fingerprinter) -> Prepared<'a> {
    let mut kind = Kind::Other;
    let mut query = None;
    if record.severity == "LOG" {
        match classify(&record.message) {
            Some(Logged::Statement {
                duration_ms,
                step,
                sql,
            }) => {
                if matches!(step, Step::Parse | Step::Bind) {
                    if duration_ms.is_some() {
                        query = fps.fingerprint(sql);
                    }
                    kind = Kind::Step {
                        duration_ms,
                        sql_at: record.message.len() - sql.len(),
                    };
                } else {
                    let sql_at = record.message.len() - sql.len();
                    query = fps.fingerprint(sql);
                    kind = if query.is_some() {
                        Kind::Statement {
                            duration_ms,
                            sql_at,
                        }
                    } else {
                        Kind::Unparsed { duration_ms }
                    };
                }
            }
            Some(Logged::Duration(ms)) => kind = Kind::Duration(ms),
            None => {
                if let Some((ms, plan_at, text)) = auto_explain(&record.message) {
                    kind = Kind::Plan {
                        duration_ms: ms,
                        plan_at,
                    };
                    query = text.and_then(|t| fps.fingerprint(&t));
                } else if record.message.starts_with("temporary file: ")
                    || record.message.starts_with("process ")
                {
                    query = record.statement.as_deref().and_then(|s| fps.fingerprint(s));
                }
            }
        }
    }
    Prepared {
        record,
        kind,
        query,
    }
}

/// `duration: 12.3 ms  plan:\n...` (auto_explain): the duration, where the plan starts, and
/// the query text (`Query Text:` of a text plan, `"Query Text"` of a JSON one).
fn auto_explain(message: &str) -> Option<(f64, usize, Option<String>)> {
    let d = message.strip_prefix("duration: ")?;
    let (ms, rest) = d.split_once(" ms")?;
    let ms: f64 = ms.trim().parse().ok()?;
    let rest = rest.trim_start_matches(' ');
    let plan = rest.strip_prefix("plan:")?;
    let plan_at = message.len() - plan.len();
    let plan = plan.trim_start();
    if plan.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(plan).ok()?;
        let text = v
            .get("Query Text")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        return Some((ms, plan_at, text));
    }
    // Text: `Query Text: ...` up to the first plan node (`... (cost=` / `(actual`).
    let mut text = None;
    if let Some(q) = plan.strip_prefix("Query Text: ") {
        let mut lines = Vec::new();
        for line in q.lines() {
            if line.contains("  (cost=") || line.contains("  (actual ") {
                break;
            }
            lines.push(line);
        }
        text = Some(lines.join("\n"));
    }
    Some((ms, plan_at, text))
}

/// One normalized query's statistics.
#[derive(Clone, Serialize, Deserialize)]
pub struct QueryStats {
    /// pg_query fingerprint (16 hex digits).
    pub fingerprint: String,
    /// The query with constants replaced by `$n`.
    pub query: String,
    /// Executions.
    pub calls: u64,
    /// Executions with a known duration (a statement logged by `log_statement` alone has
    /// none).
    #[serde(default)]
    pub timed_calls: u64,
    /// Total milliseconds of the executions with a logged duration.
    pub total_ms: f64,
    /// Mean milliseconds (refreshed by [`Workload::finish`]).
    pub mean_ms: f64,
    /// Median milliseconds, within 1%.
    pub p50_ms: Option<f64>,
    /// 95th percentile.
    pub p95_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
    /// The longest execution.
    pub max_ms: f64,
    /// Rows returned or affected, where known (pg_stat_statements; logs do not say).
    pub rows: Option<u64>,
    /// Share of the workload's total time.
    pub share: f64,
    /// First execution seen.
    pub first: Option<String>,
    /// Last execution seen.
    pub last: Option<String>,
    /// One execution's SQL as logged.
    pub example: String,
    /// That execution's parameters (`$1 = '42', $2 = 'x'`), for an extended-protocol query.
    pub example_parameters: Option<String>,
    /// Who ran it.
    pub users: BTreeSet<String>,
    /// Where.
    pub databases: BTreeSet<String>,
    /// From which applications.
    pub applications: BTreeSet<String>,
    /// The slowest auto_explain plan logged for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<LoggedPlan>,
    /// Durations, for quantiles: a DDSketch in DataDog's binary encoding, base64.
    #[serde(with = "sketch_b64")]
    pub sketch: DDSketch,
    #[serde(skip)]
    first_at: Option<Timestamp>,
    #[serde(skip)]
    last_at: Option<Timestamp>,
}

/// An auto_explain plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedPlan {
    /// The statement's milliseconds.
    pub duration_ms: f64,
    /// The plan as logged (text or JSON).
    pub plan: String,
}

mod sketch_b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use sketches_ddsketch::DDSketch;

    pub fn serialize<S: Serializer>(s: &DDSketch, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&base64::engine::general_purpose::STANDARD.encode(s.to_java_bytes()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<DDSketch, D::Error> {
        let text = String::deserialize(de)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)?;
        DDSketch::from_java_bytes(&bytes).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

impl std::fmt::Debug for QueryStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryStats")
            .field("fingerprint", &self.fingerprint)
            .field("query", &self.query)
            .field("calls", &self.calls)
            .field("total_ms", &self.total_ms)
            .field("max_ms", &self.max_ms)
            .finish_non_exhaustive()
    }
}

impl QueryStats {
    /// A query not seen executing yet.
    pub fn new(fingerprint: String, query: String, example: &str) -> QueryStats {
        QueryStats {
            fingerprint,
            query,
            calls: 0,
            timed_calls: 0,
            total_ms: 0.0,
            mean_ms: 0.0,
            p50_ms: None,
            p95_ms: None,
            p99_ms: None,
            max_ms: 0.0,
            rows: None,
            share: 0.0,
            first: None,
            last: None,
            example: example.to_owned(),
            example_parameters: None,
            users: BTreeSet::new(),
            databases: BTreeSet::new(),
            applications: BTreeSet::new(),
            plan: None,
            sketch: DDSketch::new(Config::defaults()),
            first_at: None,
            last_at: None,
        }
    }

    fn time(&mut self, ms: f64) {
        self.timed_calls += 1;
        self.total_ms += ms;
        self.max_ms = self.max_ms.max(ms);
        self.sketch.add(ms);
    }

    fn seen(&mut self, t: Option<Timestamp>) {
        if let Some(t) = t {
            if self.first_at.is_none_or(|f| t < f) {
                self.first_at = Some(t);
            }
            if self.last_at.is_none_or(|l| t > l) {
                self.last_at = Some(t);
            }
        }
    }

    /// The `q` quantile (0..=1) of the durations, within 1%.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q).ok().flatten()
    }

    /// Adds another log's statistics of the same query.
    pub fn merge(&mut self, other: &QueryStats) {
        self.calls += other.calls;
        self.timed_calls += other.timed_calls;
        self.total_ms += other.total_ms;
        self.max_ms = self.max_ms.max(other.max_ms);
        // Same configuration on both sides: merging cannot fail.
        let _ = self.sketch.merge(&other.sketch);
        self.users.extend(other.users.iter().cloned());
        self.databases.extend(other.databases.iter().cloned());
        self.applications.extend(other.applications.iter().cloned());
        self.rows = match (self.rows, other.rows) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        if self.example_parameters.is_none() && other.example_parameters.is_some() {
            self.example = other.example.clone();
            self.example_parameters = other.example_parameters.clone();
        }
        self.first = min_text(self.first.take(), other.first.clone(), true);
        self.last = min_text(self.last.take(), other.last.clone(), false);
        if let Some(p) = &other.plan {
            if self
                .plan
                .as_ref()
                .is_none_or(|m| p.duration_ms > m.duration_ms)
            {
                self.plan = Some(p.clone());
            }
        }
        if other.first_at.is_some() {
            self.seen(other.first_at);
            self.seen(other.last_at);
        }
    }
}

/// The earlier (`min`) or later of two time stamps written `YYYY-MM-DD HH:MM:SS[.mmm]`, which
/// sort as text.
fn min_text(a: Option<String>, b: Option<String>, min: bool) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if (a <= b) == min { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// Upper bounds (milliseconds) of the duration bands of [`Workload::durations`]; the last band
/// holds everything longer.
pub const DURATION_BANDS_MS: [f64; 8] = [
    0.1,
    1.0,
    10.0,
    100.0,
    1_000.0,
    10_000.0,
    60_000.0,
    f64::INFINITY,
];

fn band(ms: f64) -> usize {
    DURATION_BANDS_MS
        .iter()
        .position(|b| ms <= *b)
        .unwrap_or(DURATION_BANDS_MS.len() - 1)
}

/// Statements and time in one minute.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Bucket {
    /// Statements executed.
    pub statements: u64,
    /// Their milliseconds.
    pub total_ms: f64,
    /// Errors.
    pub errors: u64,
}

/// One input read.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct InputSummary {
    /// The file (or `-` for standard input, or a database for pg_stat_statements).
    pub name: String,
    /// `stderr, log_line_prefix '...'`, `csvlog`, `jsonlog`, `pg_stat_statements`; with
    /// `, gzip` when compressed.
    pub format: String,
    /// Bytes read (compressed size for gzip).
    pub bytes: u64,
    /// Log messages read.
    pub records: u64,
    /// Lines or rows that were not log messages.
    pub unreadable: u64,
}

/// Session state kept between messages.
#[derive(Default)]
struct SessionState {
    counted: bool,
    /// The statement a `duration:` line completes (log_statement + log_duration).
    pending: Option<String>,
}

/// What the workload ran.
#[derive(Default)]
pub struct Workload {
    /// Inputs read.
    pub inputs: Vec<InputSummary>,
    /// Queries by fingerprint.
    pub queries: BTreeMap<String, QueryStats>,
    /// Executed statements counted.
    pub statements: u64,
    /// Their total duration, where logged.
    pub total_ms: f64,
    /// Statements whose SQL the parser rejects (counted, not fingerprinted).
    pub unparsed: u64,
    /// The first and last time stamps seen.
    pub first: Option<Timestamp>,
    /// See `first`.
    pub last: Option<Timestamp>,
    /// The time zone the log writes.
    pub zone: String,
    /// Sessions seen (a process or session id that ran statements or connected; a process id
    /// used again after a disconnection is a new session).
    pub sessions: u64,
    /// Per minute (milliseconds of the minute's start).
    pub buckets: BTreeMap<i64, Bucket>,
    /// Executions with a duration, per band of [`DURATION_BANDS_MS`].
    pub durations: [u64; 8],
    /// Errors by (SQLSTATE, message).
    pub errors: BTreeMap<(String, String), ErrorStats>,
    /// Lock waits by (mode, object, fingerprint).
    pub lock_waits: BTreeMap<(String, String, String), LockWaitStats>,
    /// Temporary files by fingerprint.
    pub temp_files: BTreeMap<String, TempFileStats>,
    /// Checkpoints.
    pub checkpoints: CheckpointStats,
    /// Autovacuum by table.
    pub autovacuum: BTreeMap<String, AutovacuumStats>,
    /// Connections.
    pub connections: ConnectionStats,
    /// N+1 patterns.
    pub n_plus_one: BTreeMap<(String, String), NPlusOne>,
    /// Repeated identical statements.
    pub repeated: BTreeMap<String, Repeated>,
    /// Only messages at or after this time count.
    pub since: Option<Timestamp>,
    /// Only messages before this time count.
    pub until: Option<Timestamp>,
    sessions_state: HashMap<Box<str>, SessionState>,
    /// The fingerprint of each process's last statement, for lock holders.
    last_by_pid: HashMap<Box<str>, Arc<str>>,
    /// Per fingerprint: whether the query returns rows to loop over (a parent), and whether it
    /// reads or writes rows (a child); parsed once per fingerprint.
    shapes: HashMap<Arc<str>, (bool, bool)>,
    detector: Detector,
    rate: Rate,
    fingerprinter: Fingerprinter,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workload")
            .field("statements", &self.statements)
            .field("total_ms", &self.total_ms)
            .field("queries", &self.queries.len())
            .finish_non_exhaustive()
    }
}

fn hash_of(parts: &[&str]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

impl Workload {
    /// An empty workload whose N+1 detection uses `options`.
    pub fn new(options: nplus1::Options) -> Self {
        Workload {
            detector: Detector::new(options),
            ..Workload::default()
        }
    }

    /// Reads one record on this thread (parse, fingerprint and count).
    pub fn read(&mut self, record: Record<'_>) {
        let mut fps = std::mem::take(&mut self.fingerprinter);
        let p = prepare(record, &mut fps);
        self.fingerprinter = fps;
        self.add(&p);
    }

    fn in_range(&self, t: Option<Timestamp>) -> bool {
        match t {
            None => true,
            Some(t) => {
                self.since.is_none_or(|s| t.ms >= s.ms) && self.until.is_none_or(|u| t.ms < u.ms)
            }
        }
    }

    /// Counts one prepared record. Records must come in log order.
    pub fn add(&mut self, p: &Prepared<'_>) {
        let r = &p.record;
        if !self.in_range(r.time) {
            return;
        }
        if let Some(t) = r.time {
            if self.zone.is_empty() && !r.zone.is_empty() {
                self.zone = r.zone.to_string();
            }
            if self.first.is_none_or(|f| t < f) {
                self.first = Some(t);
            }
            if self.last.is_none_or(|l| t > l) {
                self.last = Some(t);
            }
        }
        let session = r.session();
        match &p.kind {
            Kind::Statement {
                duration_ms,
                sql_at,
            } => {
                let fp = p.query.as_ref().expect("a statement has its fingerprint");
                self.statement(r, fp, &r.message[*sql_at..], *duration_ms);
            }
            Kind::Unparsed { duration_ms } => {
                self.statements += 1;
                self.unparsed += 1;
                self.count_session(session);
                let ms = duration_ms.unwrap_or_default();
                self.total_ms += ms;
                let b = self.bucket(r.time);
                b.statements += 1;
                b.total_ms += ms;
                self.rate.tick(r.time);
            }
            Kind::Duration(ms) => {
                let fp = self
                    .sessions_state
                    .get_mut(session)
                    .and_then(|s| s.pending.take());
                if let Some(q) = fp.and_then(|fp| self.queries.get_mut(&fp)) {
                    q.time(*ms);
                    self.durations[band(*ms)] += 1;
                    self.total_ms += ms;
                    let b = self.bucket(r.time);
                    b.total_ms += ms;
                }
            }
            Kind::Step {
                duration_ms: Some(ms),
                sql_at,
            } => {
                if let Some(fp) = &p.query {
                    let q = query_entry(&mut self.queries, fp, &r.message[*sql_at..]);
                    q.total_ms += ms;
                    self.total_ms += ms;
                    self.bucket(r.time).total_ms += ms;
                }
            }
            Kind::Step {
                duration_ms: None, ..
            } => {}
            Kind::Plan {
                duration_ms,
                plan_at,
            } => {
                if let Some(q) = p
                    .query
                    .as_ref()
                    .and_then(|fp| self.queries.get_mut(&*fp.hex))
                {
                    if q.plan.as_ref().is_none_or(|m| *duration_ms > m.duration_ms) {
                        q.plan = Some(LoggedPlan {
                            duration_ms: *duration_ms,
                            plan: r.message[*plan_at..].trim().to_owned(),
                        });
                    }
                }
            }
            Kind::Other => self.other(p),
        }
    }

    fn bucket(&mut self, t: Option<Timestamp>) -> &mut Bucket {
        self.buckets
            .entry(t.map_or(0, Timestamp::minute))
            .or_default()
    }

    fn session_state(&mut self, session: &str) -> &mut SessionState {
        if !self.sessions_state.contains_key(session) {
            self.sessions_state
                .insert(Box::from(session), SessionState::default());
        }
        self.sessions_state.get_mut(session).expect("inserted")
    }

    fn count_session(&mut self, session: &str) {
        let s = self.session_state(session);
        if !s.counted {
            s.counted = true;
            self.sessions += 1;
        }
    }

    fn statement(&mut self, r: &Record<'_>, fp: &Fp, sql: &str, duration_ms: Option<f64>) {
        let session = r.session();
        self.statements += 1;
        self.rate.tick(r.time);
        self.count_session(session);
        let parameters = r
            .detail
            .as_deref()
            .and_then(|d| d.strip_prefix("parameters: "));
        let q = query_entry(&mut self.queries, fp, sql);
        q.calls += 1;
        q.seen(r.time);
        if q.calls == 1 {
            q.example_parameters = parameters.map(str::to_owned);
        }
        for (set, value) in [
            (&mut q.users, r.user.as_deref()),
            (&mut q.databases, r.database.as_deref()),
            (&mut q.applications, r.application.as_deref()),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty() && !set.contains(*v)) {
                set.insert(v.to_owned());
            }
        }
        let ms = duration_ms.unwrap_or_default();
        if let Some(ms) = duration_ms {
            q.time(ms);
            self.total_ms += ms;
            self.durations[band(ms)] += 1;
        }
        let b = self.bucket(r.time);
        b.statements += 1;
        b.total_ms += ms;
        let st = self.session_state(session);
        st.pending = duration_ms.is_none().then(|| fp.hex.to_string());
        if let Some(pid) = r.pid.as_deref() {
            match self.last_by_pid.get_mut(pid) {
                Some(last) => {
                    if **last != *fp.hex {
                        *last = fp.hex.clone();
                    }
                }
                None => {
                    self.last_by_pid.insert(Box::from(pid), fp.hex.clone());
                }
            }
        }
        let (reads, dml) = if let Some(shape) = self.shapes.get(&*fp.hex) {
            *shape
        } else {
            let shape = shape_of(&fp.normalized);
            if self.shapes.len() >= 100_000 {
                self.shapes.clear();
            }
            self.shapes.insert(fp.hex.clone(), shape);
            shape
        };
        let exec = Exec {
            fp: fp.hex.clone(),
            query: fp.normalized.clone(),
            sql: match parameters {
                Some(p) => format!("{sql} -- parameters: {p}").into_boxed_str(),
                None => Box::from(sql),
            },
            values: hash_of(&[sql, parameters.unwrap_or_default()]),
            time: r.time,
            index: self.statements,
            ms,
            reads,
            dml,
        };
        let rate = self.rate;
        let label = r.pid.as_deref().unwrap_or(session);
        self.detector.statement(session, label, exec, rate);
    }

    fn other(&mut self, p: &Prepared<'_>) {
        let r = &p.record;
        let message = r.message.as_ref();
        match r.severity.as_ref() {
            "ERROR" | "FATAL" | "PANIC" => self.error(r),
            "LOG" => self.server_event(p),
            "WARNING" if message.starts_with("checkpoints are occurring too frequently") => {
                self.checkpoints.too_frequent += 1;
            }
            _ => {}
        }
    }

    fn error(&mut self, r: &Record<'_>) {
        let message = events::normalize_message(&r.message);
        let sqlstate = r
            .sqlstate
            .as_deref()
            .filter(|s| !s.is_empty() && *s != "00000")
            .map(str::to_owned)
            .or_else(|| events::sqlstate_of(&r.message).map(str::to_owned));
        if matches!(sqlstate.as_deref(), Some("28P01" | "28000")) {
            self.connections.authentication_failures += 1;
        }
        let key = (sqlstate.clone().unwrap_or_default(), message.clone());
        let e = self.errors.entry(key).or_insert_with(|| ErrorStats {
            sqlstate,
            severity: r.severity.to_string(),
            message,
            example: r.statement.as_deref().map(str::to_owned),
            detail: r.detail.as_deref().map(str::to_owned),
            ..ErrorStats::default()
        });
        e.count += 1;
        self.bucket(r.time).errors += 1;
    }

    fn server_event(&mut self, p: &Prepared<'_>) {
        let r = &p.record;
        let session = r.session();
        let message = r.message.as_ref();
        if let Some(lock) = events::lock_message(message) {
            let blocker = r
                .detail
                .as_deref()
                .and_then(|d| d.strip_prefix("Process holding the lock: "))
                .and_then(|d| d.split(['.', ',']).next())
                .and_then(|pid| self.last_by_pid.get(pid.trim()))
                .and_then(|fp| self.queries.get(&**fp))
                .map(|q| q.query.clone());
            let key = (
                lock.mode.clone(),
                lock.object.clone(),
                p.query
                    .as_ref()
                    .map(|f| f.hex.to_string())
                    .unwrap_or_default(),
            );
            let w = self.lock_waits.entry(key).or_insert_with(|| LockWaitStats {
                mode: lock.mode,
                object: lock.object,
                fingerprint: p.query.as_ref().map(|f| f.hex.to_string()),
                query: p.query.as_ref().map(|f| f.normalized.to_string()),
                example: r.statement.as_deref().map(str::to_owned),
                ..LockWaitStats::default()
            });
            match lock.event {
                LockEvent::Waiting => {
                    w.waits += 1;
                    if let Some(b) = blocker {
                        *w.blockers.entry(b).or_default() += 1;
                    }
                }
                LockEvent::Acquired => {
                    w.acquired += 1;
                    w.total_wait_ms += lock.after_ms;
                    w.max_wait_ms = w.max_wait_ms.max(lock.after_ms);
                }
                LockEvent::Deadlock => {
                    w.deadlocks += 1;
                    w.total_wait_ms += lock.after_ms;
                    w.max_wait_ms = w.max_wait_ms.max(lock.after_ms);
                }
            }
        } else if let Some(bytes) = events::temp_file_bytes(message) {
            let fp = p.query.as_ref().map(|f| f.hex.to_string());
            let t = self
                .temp_files
                .entry(fp.clone().unwrap_or_default())
                .or_insert_with(|| TempFileStats {
                    fingerprint: fp,
                    query: p.query.as_ref().map(|f| f.normalized.to_string()),
                    example: r.statement.as_deref().map(str::to_owned),
                    ..TempFileStats::default()
                });
            t.count += 1;
            t.total_bytes += bytes;
            t.max_bytes = t.max_bytes.max(bytes);
        } else if let Some(reason) = message
            .strip_prefix("checkpoint starting: ")
            .or_else(|| message.strip_prefix("restartpoint starting: "))
        {
            *self
                .checkpoints
                .started
                .entry(reason.trim().to_owned())
                .or_default() += 1;
        } else if let Some((buffers, seconds)) = events::checkpoint_complete(message) {
            let c = &mut self.checkpoints;
            c.completed += 1;
            c.buffers_written += buffers;
            c.total_seconds += seconds;
            c.max_seconds = c.max_seconds.max(seconds);
        } else if let Some((vacuum, table, removed, elapsed)) = events::autovacuum(message) {
            let a = self
                .autovacuum
                .entry(table.clone())
                .or_insert_with(|| AutovacuumStats {
                    table,
                    ..AutovacuumStats::default()
                });
            if vacuum {
                a.vacuums += 1;
                a.tuples_removed += removed;
            } else {
                a.analyzes += 1;
            }
            a.elapsed_seconds += elapsed;
        } else if message.starts_with("connection received: ") {
            self.connections.received += 1;
        } else if message.starts_with("connection authorized: ") {
            self.count_session(session);
            let user = word_after(message, "user=");
            let db = word_after(message, "database=");
            *self
                .connections
                .authorized
                .entry(format!("{user}@{db}"))
                .or_default() += 1;
        } else if let Some(seconds) = events::session_seconds(message) {
            let c = &mut self.connections;
            c.disconnections += 1;
            c.session_seconds += seconds;
            c.max_session_seconds = c.max_session_seconds.max(seconds);
            self.sessions_state.remove(session);
            if let Some(pid) = r.pid.as_deref() {
                self.last_by_pid.remove(pid);
            }
            self.detector.end(session);
        }
    }

    /// The input ended: open N+1 runs are complete, derived figures refreshed. Call once
    /// after the last record (more records may follow a merge; call it again then).
    pub fn finish(&mut self) {
        self.detector.end_all();
        nplus1::merge_patterns(
            &mut self.n_plus_one,
            std::mem::take(&mut self.detector.patterns).into_values(),
        );
        merge_map(
            &mut self.repeated,
            std::mem::take(&mut self.detector.repeated),
            |m, r| m.add(&r),
        );
        self.sessions_state.clear();
        self.last_by_pid.clear();
        let options = self.detector.options();
        for p in self.n_plus_one.values_mut() {
            let calls = p
                .parent_fingerprint
                .as_ref()
                .and_then(|f| self.queries.get(f))
                .map(|q| q.calls);
            p.decide(calls, &options);
        }
        let total = self.total_ms;
        for q in self.queries.values_mut() {
            #[allow(clippy::cast_precision_loss)]
            {
                q.mean_ms = if q.timed_calls == 0 {
                    0.0
                } else {
                    q.total_ms / q.timed_calls as f64
                };
            }
            q.p50_ms = q.quantile_ms(0.5);
            q.p95_ms = q.quantile_ms(0.95);
            q.p99_ms = q.quantile_ms(0.99);
            q.share = if total > 0.0 { q.total_ms / total } else { 0.0 };
            if let Some(t) = q.first_at {
                q.first = Some(t.to_string());
            }
            if let Some(t) = q.last_at {
                q.last = Some(t.to_string());
            }
        }
    }

    /// Adds another workload (another log, another server) to this one. Both should be
    /// finished.
    pub fn merge(&mut self, other: Workload) {
        self.inputs.extend(other.inputs);
        self.statements += other.statements;
        self.total_ms += other.total_ms;
        self.unparsed += other.unparsed;
        self.sessions += other.sessions;
        if self.zone.is_empty() {
            self.zone = other.zone;
        }
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (fp, q) in other.queries {
            match self.queries.get_mut(&fp) {
                Some(mine) => mine.merge(&q),
                None => {
                    self.queries.insert(fp, q);
                }
            }
        }
        for (mine, theirs) in self.durations.iter_mut().zip(other.durations) {
            *mine += theirs;
        }
        for (k, b) in other.buckets {
            let m = self.buckets.entry(k).or_default();
            m.statements += b.statements;
            m.total_ms += b.total_ms;
            m.errors += b.errors;
        }
        merge_map(&mut self.errors, other.errors, |m, e| m.count += e.count);
        merge_map(&mut self.lock_waits, other.lock_waits, |m, w| {
            m.waits += w.waits;
            m.acquired += w.acquired;
            m.deadlocks += w.deadlocks;
            m.total_wait_ms += w.total_wait_ms;
            m.max_wait_ms = m.max_wait_ms.max(w.max_wait_ms);
            for (b, n) in w.blockers {
                *m.blockers.entry(b).or_default() += n;
            }
        });
        merge_map(&mut self.temp_files, other.temp_files, |m, t| {
            m.count += t.count;
            m.total_bytes += t.total_bytes;
            m.max_bytes = m.max_bytes.max(t.max_bytes);
        });
        let c = &mut self.checkpoints;
        for (k, n) in other.checkpoints.started {
            *c.started.entry(k).or_default() += n;
        }
        c.completed += other.checkpoints.completed;
        c.buffers_written += other.checkpoints.buffers_written;
        c.total_seconds += other.checkpoints.total_seconds;
        c.max_seconds = c.max_seconds.max(other.checkpoints.max_seconds);
        c.too_frequent += other.checkpoints.too_frequent;
        merge_map(&mut self.autovacuum, other.autovacuum, |m, a| {
            m.vacuums += a.vacuums;
            m.analyzes += a.analyzes;
            m.tuples_removed += a.tuples_removed;
            m.elapsed_seconds += a.elapsed_seconds;
        });
        let c = &mut self.connections;
        let o = other.connections;
        c.received += o.received;
        for (k, n) in o.authorized {
            *c.authorized.entry(k).or_default() += n;
        }
        c.disconnections += o.disconnections;
        c.session_seconds += o.session_seconds;
        c.max_session_seconds = c.max_session_seconds.max(o.max_session_seconds);
        c.authentication_failures += o.authentication_failures;
        nplus1::merge_patterns(&mut self.n_plus_one, other.n_plus_one.into_values());
        merge_map(&mut self.repeated, other.repeated, |m, r| m.add(&r));
        self.finish();
    }
}

/// A query's totals as the server keeps them (`pg_stat_statements`): no single executions,
/// so no quantiles, sessions or N+1 loops.
#[derive(Clone, Debug)]
pub struct Totals<'a> {
    /// The normalized text.
    pub query: &'a str,
    /// Role.
    pub user: &'a str,
    /// Database.
    pub database: &'a str,
    /// Executions.
    pub calls: u64,
    /// Their milliseconds.
    pub total_ms: f64,
    /// The longest, when known.
    pub max_ms: Option<f64>,
    /// Rows returned or affected.
    pub rows: u64,
}

impl Workload {
    /// Counts a query's server-side totals under its fingerprint (the same fingerprint its
    /// logged executions get, so a snapshot and a log compare query by query). Returns
    /// `false` for a text that does not parse (`<insufficient privilege>`, a truncated text),
    /// counted as unparsed.
    pub fn add_totals(&mut self, t: &Totals<'_>) -> bool {
        self.statements += t.calls;
        self.total_ms += t.total_ms;
        let Some(fp) = self.fingerprinter.fingerprint(t.query) else {
            self.unparsed += t.calls;
            return false;
        };
        let q = query_entry(&mut self.queries, &fp, t.query);
        q.calls += t.calls;
        q.timed_calls += t.calls;
        q.total_ms += t.total_ms;
        if let Some(m) = t.max_ms {
            q.max_ms = q.max_ms.max(m);
        }
        q.rows = Some(q.rows.unwrap_or(0) + t.rows);
        for (set, v) in [(&mut q.users, t.user), (&mut q.databases, t.database)] {
            if !v.is_empty() && !set.contains(v) {
                set.insert(v.to_owned());
            }
        }
        true
    }

    /// Replaces constants and parameters in every example with placeholders, drops error
    /// details (they quote the values: `Key (email)=(...)`) and logged plans (their filters
    /// hold constants): a result to share outside the team that owns the data.
    pub fn anonymize(&mut self) {
        for q in self.queries.values_mut() {
            q.example = anonymize_sql(&q.example);
            q.example_parameters = None;
            q.plan = None;
        }
        for p in self.n_plus_one.values_mut() {
            p.example.parent = p.example.parent.as_deref().map(anonymize_sql);
            for c in &mut p.example.children {
                *c = anonymize_sql(c);
            }
        }
        for r in self.repeated.values_mut() {
            r.example = anonymize_sql(&r.example);
        }
        for e in self.errors.values_mut() {
            e.example = e.example.as_deref().map(anonymize_sql);
            e.detail = None;
            e.message = anonymize_message(&e.message);
        }
        for l in self.lock_waits.values_mut() {
            l.example = l.example.as_deref().map(anonymize_sql);
        }
        for t in self.temp_files.values_mut() {
            t.example = t.example.as_deref().map(anonymize_sql);
        }
    }
}

/// SQL with its constants replaced: by the parser's `$n` when it parses, else every quoted
/// string and number replaced by `?`. A ` -- parameters: ...` tail is dropped.
pub fn anonymize_sql(sql: &str) -> String {
    let sql = sql.split(" -- parameters: ").next().unwrap_or(sql);
    if let Ok(n) = pg_query::normalize(sql) {
        return n;
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut prev_word = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A string literal, '' inside it.
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                    }
                    None | Some('\'') => break,
                    Some(_) => {}
                }
            }
            out.push('?');
            prev_word = false;
            continue;
        }
        if c.is_ascii_digit() && !prev_word {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || *d == '.')
            {
                chars.next();
            }
            out.push('?');
            continue;
        }
        prev_word = c.is_alphanumeric() || c == '_' || c == '"';
        out.push(c);
    }
    out
}

/// An error message with the values it quotes after a colon (`invalid input syntax for type
/// integer: "abc"`) replaced by `"?"`; names of constraints, columns and tables stay.
fn anonymize_message(message: &str) -> String {
    match message.find(": \"") {
        Some(i) => format!("{}: \"?\"", &message[..i]),
        None => message.to_owned(),
    }
}

/// The statistics of a query, created (with this example) on its first sight. Looked up by
/// reference first: most statements are of a query already seen, and need no key allocated.
fn query_entry<'a>(
    queries: &'a mut BTreeMap<String, QueryStats>,
    fp: &Fp,
    example: &str,
) -> &'a mut QueryStats {
    if !queries.contains_key(&*fp.hex) {
        queries.insert(
            fp.hex.to_string(),
            QueryStats::new(fp.hex.to_string(), fp.normalized.to_string(), example),
        );
    }
    queries.get_mut(&*fp.hex).expect("inserted")
}

/// Adds `theirs` into `mine`: an entry of both is combined by `add`, an entry of `theirs`
/// alone is moved in.
fn merge_map<K: Ord, V>(
    mine: &mut BTreeMap<K, V>,
    theirs: impl IntoIterator<Item = (K, V)>,
    add: impl Fn(&mut V, V),
) {
    for (k, v) in theirs {
        match mine.get_mut(&k) {
            Some(m) => add(m, v),
            None => {
                mine.insert(k, v);
            }
        }
    }
}

fn word_after<'a>(message: &'a str, key: &str) -> &'a str {
    message
        .split_once(key)
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or_default()
}

/// Whether a query returns rows an application could loop over (a SELECT from a table, a
/// set operation, anything with RETURNING: a parent), and whether it reads or writes rows
/// (SELECT, INSERT, UPDATE, DELETE, MERGE: a child). A SELECT without FROM returns one row of
/// expressions and is neither a loop's source nor, usually, its body.
fn shape_of(normalized: &str) -> (bool, bool) {
    use pg_query::NodeEnum;
    let returns =
        |r: Option<&pg_query::protobuf::ReturningClause>| r.is_some_and(|r| !r.exprs.is_empty());
    let Ok(parsed) = pg_query::parse(normalized, pg_query::ParserOptions::DEFAULT) else {
        return (false, false);
    };
    let Some(stmt) = parsed
        .protobuf
        .stmts
        .first()
        .and_then(|s| s.stmt.as_ref())
        .and_then(|s| s.node.as_ref())
    else {
        return (false, false);
    };
    match stmt {
        NodeEnum::SelectStmt(s) => {
            let rows = !s.from_clause.is_empty()
                || s.larg.is_some()
                || !s.values_lists.is_empty()
                || s.with_clause.is_some();
            (rows, rows)
        }
        NodeEnum::InsertStmt(i) => (returns(i.returning_clause.as_ref()), true),
        NodeEnum::UpdateStmt(u) => (returns(u.returning_clause.as_ref()), true),
        NodeEnum::DeleteStmt(d) => (returns(d.returning_clause.as_ref()), true),
        NodeEnum::MergeStmt(_) => (false, true),
        _ => (false, false),
    }
}

#[cfg(test)]
mod tests;
