//! N+1 loops: in one session, the same child query executed again and again in quick
//! succession with different parameters, usually right after the parent query whose rows it
//! walks. The same statement with the same parameters in such a burst is a missing cache,
//! reported apart.
//!
//! "Quick succession" is measured on the log's clock: with millisecond time stamps, the gap
//! between two executions is at most the window (50 ms by default); with whole-second time
//! stamps (`%t`), the executions are at most a second apart and no more statements of other
//! sessions were logged between them than the server runs in the window at its current rate.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// How bursts are told from ordinary traffic.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Executions of the child in a row, at least.
    pub min_calls: u64,
    /// The longest gap between two executions of a burst, in milliseconds.
    pub window_ms: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_calls: 5,
            window_ms: 50.0,
        }
    }
}

/// One executed statement, as the detector sees it.
#[derive(Clone, Debug)]
pub struct Exec {
    /// Fingerprint.
    pub fp: Arc<str>,
    /// Normalized text.
    pub query: Arc<str>,
    /// The SQL as logged, with its parameters where logged apart.
    pub sql: Box<str>,
    /// A hash of the text and parameters: equal for the same statement with the same values.
    pub values: u64,
    /// When.
    pub time: Option<Timestamp>,
    /// Its position among all statements of the log.
    pub index: u64,
    /// Milliseconds, where logged.
    pub ms: f64,
    /// Whether it is a query that returns rows to walk (a SELECT), so may be a parent.
    pub reads: bool,
    /// Whether it reads or writes rows (SELECT, INSERT, UPDATE, DELETE, MERGE), so may be
    /// a child; transaction control and settings are not loops.
    pub dml: bool,
}

/// An example burst.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Burst {
    /// The session: its process id where the log has one, else its session id.
    pub session: String,
    /// When it started.
    pub first: Option<String>,
    /// The parent statement as logged.
    pub parent: Option<String>,
    /// Executions of the child.
    pub statements: u64,
    /// Their milliseconds.
    pub total_ms: f64,
    /// The first executions as logged.
    pub children: Vec<String>,
}

/// One N+1 pattern: a parent query and the child query run once per row of it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct NPlusOne {
    /// The parent's fingerprint, when a parent query ran right before the bursts.
    pub parent_fingerprint: Option<String>,
    /// The parent, normalized.
    pub parent_query: Option<String>,
    /// The child's fingerprint.
    pub child_fingerprint: String,
    /// The child, normalized.
    pub child_query: String,
    /// Bursts seen.
    pub bursts: u64,
    /// Child executions in them.
    pub statements: u64,
    /// Their milliseconds.
    pub total_ms: f64,
    /// The longest burst.
    pub max_burst: u64,
    /// One burst.
    pub example: Burst,
    /// What to do.
    pub fix: String,
    /// Whether the evidence is strong enough to report it (see [`NPlusOne::decide`]); the
    /// others are kept so that merged results decide on all the evidence.
    #[serde(skip)]
    pub reported: bool,
    /// Of the parent's executions, the share followed by a burst of the child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_share: Option<f64>,
}

impl NPlusOne {
    /// Decides whether to report the pattern, given how many times its parent ran: a loop is
    /// told by a long burst (at least twice the minimum), or by a parent that is followed by
    /// a burst of the child in at least a tenth of its executions. A child that happens to
    /// run a few times after an unrelated statement now and then (an ordinary transaction
    /// touching a few rows) is neither.
    pub fn decide(&mut self, parent_calls: Option<u64>, options: &Options) {
        #[allow(clippy::cast_precision_loss)]
        let share = parent_calls
            .filter(|c| *c > 0)
            .map(|c| (self.bursts as f64 / c as f64).min(1.0));
        self.parent_share = share;
        self.reported = self.max_burst >= options.min_calls * 2
            || (self.parent_fingerprint.is_some() && share.is_some_and(|s| s >= 0.1));
    }
}

/// The same statement with the same values run again and again in a burst.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Repeated {
    /// Fingerprint.
    pub fingerprint: String,
    /// The query, normalized.
    pub query: String,
    /// Bursts seen.
    pub bursts: u64,
    /// Executions in them.
    pub statements: u64,
    /// Their milliseconds.
    pub total_ms: f64,
    /// One of the statements as logged.
    pub example: String,
    /// What to do.
    pub fix: String,
}

impl Repeated {
    /// Adds another log's bursts of the same statement.
    pub fn add(&mut self, other: &Repeated) {
        self.bursts += other.bursts;
        self.statements += other.statements;
        self.total_ms += other.total_ms;
    }
}

struct Run {
    /// The process id where the log has one (what `pg_stat_activity` shows), else the session.
    label: Box<str>,
    parent: Option<Exec>,
    first: Exec,
    last_time: Option<Timestamp>,
    last_index: u64,
    count: u64,
    varied: bool,
    total_ms: f64,
    children: Vec<String>,
}

#[derive(Default)]
struct Session {
    last: Option<Exec>,
    run: Option<Run>,
}

/// Statements per session, watched for bursts.
#[derive(Default)]
pub struct Detector {
    options: Options,
    sessions: std::collections::HashMap<Box<str>, Session>,
    /// Patterns by (parent, child) fingerprint.
    pub patterns: BTreeMap<(String, String), NPlusOne>,
    /// Repeated identical statements by fingerprint.
    pub repeated: BTreeMap<String, Repeated>,
}

/// How many statements of any session the server logs per second, for the whole-second clock.
#[derive(Default, Clone, Copy, Debug)]
pub struct Rate {
    second: i64,
    in_second: f64,
    per_second: f64,
}

impl Rate {
    /// Counts a statement at `t`.
    pub fn tick(&mut self, t: Option<Timestamp>) {
        let Some(t) = t else { return };
        let s = t.ms.div_euclid(1000);
        if s != self.second {
            if self.second != 0 {
                // The busiest recent second sets the pace (a quiet second does not make a
                // burst in the next one look slow).
                self.per_second = (self.per_second * 0.7).max(self.in_second);
            }
            self.second = s;
            self.in_second = 0.0;
        }
        self.in_second += 1.0;
    }
}

impl Detector {
    /// A detector with these options.
    pub fn new(options: Options) -> Self {
        Detector {
            options,
            ..Detector::default()
        }
    }

    /// The options it detects with.
    pub fn options(&self) -> Options {
        self.options
    }

    fn close(&self, a: &Exec, b: &Exec, rate: Rate) -> bool {
        let (Some(ta), Some(tb)) = (a.time, b.time) else {
            return false;
        };
        let gap = tb.ms - ta.ms;
        if gap < 0 {
            return false;
        }
        #[allow(clippy::cast_precision_loss)]
        if ta.precise && tb.precise {
            return gap as f64 <= self.options.window_ms;
        }
        if gap > 1000 {
            return false;
        }
        let between = b.index.saturating_sub(a.index + 1);
        let allowed = (rate.per_second.max(rate.in_second) * self.options.window_ms / 1000.0)
            .ceil()
            .max(2.0);
        #[allow(clippy::cast_precision_loss)]
        let close = between as f64 <= allowed;
        close
    }

    /// Sees one executed statement of `session` (`label` names the session in examples).
    pub fn statement(&mut self, session: &str, label: &str, exec: Exec, rate: Rate) {
        let s = self.sessions.remove(session).unwrap_or_default();
        let Session { last, mut run } = s;
        let close = last.as_ref().is_some_and(|l| self.close(l, &exec, rate));
        let extends = close && run.as_ref().is_some_and(|r| r.first.fp == exec.fp);
        if extends {
            let r = run.as_mut().expect("checked");
            r.count += 1;
            r.varied |= exec.values != r.first.values;
            r.total_ms += exec.ms;
            r.last_time = exec.time;
            r.last_index = exec.index;
            if r.children.len() < 3 {
                r.children.push(exec.sql.to_string());
            }
        } else {
            // The statement before is a parent only if it stood alone: the last of another
            // loop does not supply the keys of this one.
            let alone = run.as_ref().is_none_or(|r| r.count == 1);
            if let Some(r) = run.take() {
                self.finish(r);
            }
            let parent = last.filter(|l| close && alone && l.fp != exec.fp && l.reads);
            run = Some(Run {
                label: Box::from(label),
                parent,
                last_time: exec.time,
                last_index: exec.index,
                count: 1,
                varied: false,
                total_ms: exec.ms,
                children: vec![exec.sql.to_string()],
                first: exec.clone(),
            });
        }
        self.sessions.insert(
            Box::from(session),
            Session {
                last: Some(exec),
                run,
            },
        );
    }

    /// The session ended (disconnection): its last run is complete.
    pub fn end(&mut self, session: &str) {
        if let Some(Session { run: Some(r), .. }) = self.sessions.remove(session) {
            self.finish(r);
        }
    }

    /// The input ended: every open run is complete.
    pub fn end_all(&mut self) {
        let mut open: Vec<(Box<str>, Session)> = self.sessions.drain().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, s) in open {
            if let Some(r) = s.run {
                self.finish(r);
            }
        }
    }

    fn finish(&mut self, r: Run) {
        if r.count < self.options.min_calls || !r.first.dml {
            return;
        }
        let child = &r.first;
        // Without a parent query right before it, a short run of the same query with
        // different values is as likely an ordinary transaction touching a few rows: a loop
        // is told by its length.
        if r.varied && r.parent.is_none() && r.count < self.options.min_calls * 2 {
            return;
        }
        if !r.varied {
            let e = self
                .repeated
                .entry(child.fp.to_string())
                .or_insert_with(|| Repeated {
                    fingerprint: child.fp.to_string(),
                    query: child.query.to_string(),
                    example: child.sql.to_string(),
                    fix: format!(
                        "The same statement with the same values runs {} times in a row in one session: keep its result (memoize it in the request, or cache it) instead of asking again.",
                        r.count
                    ),
                    ..Repeated::default()
                });
            e.bursts += 1;
            e.statements += r.count;
            e.total_ms += r.total_ms;
            return;
        }
        let parent_fp = r.parent.as_ref().map(|p| p.fp.to_string());
        let key = (parent_fp.clone().unwrap_or_default(), child.fp.to_string());
        let e = self.patterns.entry(key).or_insert_with(|| NPlusOne {
            parent_fingerprint: parent_fp,
            parent_query: r.parent.as_ref().map(|p| p.query.to_string()),
            child_fingerprint: child.fp.to_string(),
            child_query: child.query.to_string(),
            fix: fix(&child.query, r.parent.as_ref().map(|p| &*p.query)),
            ..NPlusOne::default()
        });
        e.bursts += 1;
        e.statements += r.count;
        e.total_ms += r.total_ms;
        if r.count > e.max_burst {
            e.max_burst = r.count;
            e.example = Burst {
                session: r.label.to_string(),
                first: r
                    .parent
                    .as_ref()
                    .and_then(|p| p.time)
                    .or(child.time)
                    .map(|t| t.to_string()),
                parent: r.parent.as_ref().map(|p| p.sql.to_string()),
                statements: r.count,
                total_ms: r.total_ms,
                children: r.children,
            };
        }
    }
}

/// Merges another log's patterns into these.
pub fn merge_patterns(
    mine: &mut BTreeMap<(String, String), NPlusOne>,
    theirs: impl IntoIterator<Item = NPlusOne>,
) {
    for p in theirs {
        let key = (
            p.parent_fingerprint.clone().unwrap_or_default(),
            p.child_fingerprint.clone(),
        );
        match mine.get_mut(&key) {
            None => {
                mine.insert(key, p);
            }
            Some(m) => {
                m.bursts += p.bursts;
                m.statements += p.statements;
                m.total_ms += p.total_ms;
                if p.max_burst > m.max_burst {
                    m.max_burst = p.max_burst;
                    m.example = p.example;
                }
            }
        }
    }
}

/// The one-query rewrite of a child query: its `= $n` on the key becomes `= ANY($n)` with the
/// parent's keys as one array parameter, or a JOIN against the parent.
pub fn fix(child: &str, parent: Option<&str>) -> String {
    let any = one_query(child);
    let mut out = String::new();
    match any {
        Some(q) => out.push_str(&format!(
            "Fetch the children of all parent rows in one query and group them in the application: `{q}` with the parent keys as one array parameter."
        )),
        None => out.push_str(
            "Fetch the children of all parent rows in one query (`WHERE key = ANY($1)` with the parent keys as an array) and group them in the application.",
        ),
    }
    if parent.is_some() {
        out.push_str(" Or JOIN the child table in the parent query. In an ORM, eager-load the association (Rails `includes`, Django `prefetch_related`, SQLAlchemy `selectinload`).");
    } else {
        out.push_str(" In an ORM, eager-load the association (Rails `includes`, Django `prefetch_related`, SQLAlchemy `selectinload`).");
    }
    out
}

/// `... WHERE x = $1 ...` with exactly one such comparison, rewritten to `= ANY($1)` and
/// checked with the parser.
fn one_query(child: &str) -> Option<String> {
    let mut found = None;
    for (i, _) in child.match_indices("= $") {
        if found.is_some() {
            return None;
        }
        found = Some(i);
    }
    let i = found?;
    let digits = child[i + 3..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    let param = &child[i + 2..i + 3 + digits];
    let rewritten = format!("{}= ANY({param}){}", &child[..i], &child[i + 3 + digits..]);
    pg_query::parse(&rewritten, pg_query::ParserOptions::DEFAULT).ok()?;
    Some(rewritten)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(fp: &str, sql: &str, ms: u64, index: u64, values: u64) -> Exec {
        Exec {
            fp: Arc::from(fp),
            query: Arc::from(format!("{fp} $1").as_str()),
            sql: Box::from(sql),
            values,
            time: Some(Timestamp {
                ms: 1_000_000 + i64::try_from(ms).expect("small"),
                precise: true,
            }),
            index,
            ms: 0.5,
            reads: true,
            dml: true,
        }
    }

    #[test]
    fn bursts_after_a_parent_are_n_plus_one() {
        let mut d = Detector::new(Options::default());
        let rate = Rate::default();
        d.statement(
            "s1",
            "1",
            exec("parent", "SELECT id FROM orders", 0, 0, 1),
            rate,
        );
        for i in 0..8u64 {
            d.statement(
                "s1",
                "1",
                exec("child", "SELECT * FROM items", 2 + i, 1 + i, 100 + i),
                rate,
            );
        }
        // Same values every time: a cache, not N+1.
        for i in 0..6u64 {
            d.statement(
                "s2",
                "2",
                exec("cfg", "SELECT * FROM settings", 20 + i, 20 + i, 7),
                rate,
            );
        }
        // Too slow to be a loop: ordinary traffic.
        for i in 0..9u64 {
            d.statement(
                "s3",
                "3",
                exec("slow", "SELECT 1", 1000 * i, 40 + i, i),
                rate,
            );
        }
        d.end("s1");
        d.end_all();
        assert_eq!(d.patterns.len(), 1);
        let p = d.patterns.values().next().expect("pattern");
        assert_eq!(p.parent_fingerprint.as_deref(), Some("parent"));
        assert_eq!((p.bursts, p.statements, p.max_burst), (1, 8, 8));
        assert_eq!(p.example.children.len(), 3);
        assert_eq!(d.repeated.len(), 1);
        assert_eq!(d.repeated["cfg"].statements, 6);
    }

    #[test]
    fn the_fix_is_one_query_that_parses() {
        assert_eq!(
            one_query(
                r#"SELECT "order_items".* FROM "order_items" WHERE "order_items"."order_id" = $1"#
            )
            .as_deref(),
            Some(
                r#"SELECT "order_items".* FROM "order_items" WHERE "order_items"."order_id" = ANY($1)"#
            )
        );
        assert_eq!(one_query("SELECT * FROM t WHERE a = $1 AND b = $2"), None);
        assert!(fix(
            "SELECT avg(rating) FROM reviews WHERE product_id = $1",
            Some("p")
        )
        .contains("= ANY($1)"));
    }
}
