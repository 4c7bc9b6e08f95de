//! Per-query statistics: every executed statement is fingerprinted with the real parser and
//! counted under its fingerprint, with its time in a mergeable quantile sketch (DDSketch, 1%
//! relative accuracy), so the statistics of several logs combine exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sketches_ddsketch::{Config, DDSketch};

use crate::entry::Entry;
use crate::statement::{classify, Logged, Step};

/// What the workload ran, per normalized query.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// Queries by fingerprint.
    pub queries: BTreeMap<String, QueryStats>,
    /// Executed statements counted.
    pub statements: u64,
    /// Their total duration, where logged.
    pub total_ms: f64,
    /// Statements whose SQL the parser rejects (counted, not fingerprinted).
    pub unparsed: u64,
    /// The fingerprint of each session's last statement logged without a duration, which a
    /// `duration:` line of the same session completes (`log_statement` + `log_duration`).
    pending: HashMap<String, String>,
    /// Fingerprints of repeated SQL texts (extended-protocol statements repeat verbatim).
    cache: HashMap<String, Option<(String, String)>>,
    /// The query whose example is the session's last execution, waiting for its parameters
    /// (the `DETAIL:  parameters:` entry after it).
    awaiting_parameters: HashMap<String, String>,
}

/// One normalized query's statistics.
#[derive(Clone)]
pub struct QueryStats {
    /// pg_query fingerprint (16 hex digits).
    pub fingerprint: String,
    /// The query with constants replaced by `$n`.
    pub query: String,
    /// Executions.
    pub calls: u64,
    /// Total milliseconds of the executions with a logged duration.
    pub total_ms: f64,
    /// The longest execution.
    pub max_ms: f64,
    /// Durations, for quantiles.
    sketch: DDSketch,
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
    fn new(fingerprint: String, query: String, example: &str) -> QueryStats {
        QueryStats {
            fingerprint,
            query,
            calls: 0,
            total_ms: 0.0,
            max_ms: 0.0,
            sketch: DDSketch::new(Config::defaults()),
            example: example.to_owned(),
            example_parameters: None,
            users: BTreeSet::new(),
            databases: BTreeSet::new(),
            applications: BTreeSet::new(),
        }
    }

    fn time(&mut self, ms: f64) {
        self.total_ms += ms;
        self.max_ms = self.max_ms.max(ms);
        self.sketch.add(ms);
    }

    /// Mean milliseconds over the executions with a duration.
    pub fn mean_ms(&self) -> f64 {
        match self.sketch.count() {
            0 => 0.0,
            #[allow(clippy::cast_precision_loss)]
            n => self.total_ms / n as f64,
        }
    }

    /// The `q` quantile (0..=1) of the durations, within 1%.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q).ok().flatten()
    }

    /// Adds another log's statistics of the same query.
    pub fn merge(&mut self, other: &QueryStats) {
        self.calls += other.calls;
        self.total_ms += other.total_ms;
        self.max_ms = self.max_ms.max(other.max_ms);
        // Same configuration on both sides: merging cannot fail.
        let _ = self.sketch.merge(&other.sketch);
        self.users.extend(other.users.iter().cloned());
        self.databases.extend(other.databases.iter().cloned());
        self.applications.extend(other.applications.iter().cloned());
    }
}

impl Workload {
    /// Counts one log entry (messages other than statements are skipped here).
    pub fn add(&mut self, entry: &Entry<'_>) {
        let session = entry
            .fields
            .session_id
            .or(entry.fields.pid)
            .unwrap_or_default();
        if entry.severity == "DETAIL" {
            if let Some(params) = entry.message.strip_prefix("parameters: ") {
                if let Some(fp) = self.awaiting_parameters.remove(session) {
                    if let Some(q) = self.queries.get_mut(&fp) {
                        q.example_parameters = Some(params.to_owned());
                    }
                }
            }
            return;
        }
        if entry.severity != "LOG" {
            return;
        }
        let Some(logged) = classify(&entry.message) else {
            return;
        };
        self.awaiting_parameters.remove(session);
        match logged {
            Logged::Duration(ms) => {
                if let Some(fp) = self.pending.remove(session) {
                    if let Some(q) = self.queries.get_mut(&fp) {
                        q.time(ms);
                        self.total_ms += ms;
                    }
                }
            }
            // Parse and bind are steps of the execution logged after them.
            Logged::Statement {
                step: Step::Parse | Step::Bind,
                ..
            } => {}
            Logged::Statement {
                duration_ms,
                sql,
                step,
            } => {
                self.statements += 1;
                let Some((fp, normalized)) = self.fingerprint(sql) else {
                    // Its time counts in the total all the same.
                    self.unparsed += 1;
                    self.total_ms += duration_ms.unwrap_or_default();
                    return;
                };
                let q = self
                    .queries
                    .entry(fp.clone())
                    .or_insert_with(|| QueryStats::new(fp.clone(), normalized, sql));
                q.calls += 1;
                if q.calls == 1 && step == Step::Execute {
                    self.awaiting_parameters
                        .insert(session.to_owned(), fp.clone());
                }
                for (set, value) in [
                    (&mut q.users, entry.fields.user),
                    (&mut q.databases, entry.fields.database),
                    (&mut q.applications, entry.fields.application),
                ] {
                    if let Some(v) = value.filter(|v| !v.is_empty() && !set.contains(*v)) {
                        set.insert(v.to_owned());
                    }
                }
                match duration_ms {
                    Some(ms) => {
                        q.time(ms);
                        self.total_ms += ms;
                    }
                    None => {
                        self.pending.insert(session.to_owned(), fp);
                    }
                }
            }
        }
    }

    fn fingerprint(&mut self, sql: &str) -> Option<(String, String)> {
        // Texts with parameters repeat verbatim (the extended protocol); others rarely do,
        // and are not kept.
        if !sql.contains('$') {
            return plumb_sql::fingerprint::fingerprint(sql).map(|f| (f.fingerprint, f.normalized));
        }
        if let Some(hit) = self.cache.get(sql) {
            return hit.clone();
        }
        let f = plumb_sql::fingerprint::fingerprint(sql).map(|f| (f.fingerprint, f.normalized));
        self.cache.insert(sql.to_owned(), f.clone());
        f
    }

    /// Adds another workload (another log, another server) to this one.
    pub fn merge(&mut self, other: &Workload) {
        self.statements += other.statements;
        self.total_ms += other.total_ms;
        self.unparsed += other.unparsed;
        for (fp, q) in &other.queries {
            match self.queries.get_mut(fp) {
                Some(mine) => mine.merge(q),
                None => {
                    self.queries.insert(fp.clone(), q.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entries, Prefix};

    const LOG: &str = "\
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 2.000 ms  statement: SELECT * FROM users WHERE id = 1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 0.010 ms  parse <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 0.010 ms  bind <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 DETAIL:  parameters: $1 = '7'
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 4.000 ms  execute <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 DETAIL:  parameters: $1 = '7'
2025-03-03 08:00:01 UTC [2]: user=etl,db=shop,app=cron,client=10.0.0.2 LOG:  statement: SELECT count(*)
\tFROM users
2025-03-03 08:00:01 UTC [3]: user=web,db=shop,app=puma,client=10.0.0.3 LOG:  duration: 1.000 ms  statement: SELEC oops
2025-03-03 08:00:02 UTC [2]: user=etl,db=shop,app=cron,client=10.0.0.2 LOG:  duration: 30.000 ms
";

    #[test]
    fn statements_group_by_fingerprint_whatever_the_protocol() {
        let p = Prefix::detect(LOG.lines()).expect("prefix");
        let mut w = Workload::default();
        for e in Entries::new(LOG, &p) {
            w.add(&e);
        }
        assert_eq!(w.statements, 4);
        assert_eq!(w.unparsed, 1);
        assert!((w.total_ms - 37.0).abs() < 1e-9, "{}", w.total_ms);
        assert_eq!(w.queries.len(), 2);
        let by_id = w
            .queries
            .values()
            .find(|q| q.query.contains("WHERE id = $1"))
            .expect("users by id");
        assert_eq!(by_id.calls, 2);
        assert!((by_id.total_ms - 6.0).abs() < 1e-9);
        assert!((by_id.mean_ms() - 3.0).abs() < 1e-9);
        assert!((by_id.max_ms - 4.0).abs() < 1e-9);
        let p50 = by_id.quantile_ms(0.5).expect("quantile");
        assert!((1.98..=4.04).contains(&p50), "{p50}");
        assert_eq!(by_id.users.iter().collect::<Vec<_>>(), ["app"]);
        // The example is the first execution (simple protocol here): no parameters.
        assert_eq!(by_id.example, "SELECT * FROM users WHERE id = 1");
        assert_eq!(by_id.example_parameters, None);
        // log_statement + log_duration: the duration line completes the statement.
        let count = w
            .queries
            .values()
            .find(|q| q.query.contains("count(*)"))
            .expect("count");
        assert!((count.total_ms - 30.0).abs() < 1e-9);
        // Two halves of the log merge into the whole.
        let (a, b) = LOG.split_at(LOG.find("2025-03-03 08:00:01").expect("split"));
        let mut left = Workload::default();
        let mut right = Workload::default();
        for e in Entries::new(a, &p) {
            left.add(&e);
        }
        for e in Entries::new(b, &p) {
            right.add(&e);
        }
        left.merge(&right);
        assert_eq!(left.statements, w.statements);
        assert_eq!(left.queries[&by_id.fingerprint].calls, 2);
    }
}
