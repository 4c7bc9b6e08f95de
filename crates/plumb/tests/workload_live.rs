//! `plumb workload` on a log a real server wrote: a known workload runs on the local
//! PostgreSQL with `log_min_duration_statement = 0` (its own `log_line_prefix`, not the
//! generator's) and pg_stat_statements on; plumb's per-fingerprint call counts from the log
//! equal pg_stat_statements' for the same queries, and `--db` reads the same counts.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::process::Command;

use plumb_test_support::{master, TestDb};
use serde_json::Value;

/// The file the server writes its log to: `PLUMB_TEST_SERVER_LOG`, else
/// `pg_current_logfile()` (logging collector on), else Debian's
/// `/var/log/postgresql/postgresql-<cluster>.log`.
fn server_log(master: &mut postgres::Client) -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("PLUMB_TEST_SERVER_LOG") {
        return p.into();
    }
    let current: Option<String> = master
        .query_one("SELECT pg_current_logfile()", &[])
        .expect("pg_current_logfile")
        .get(0);
    if let Some(f) = current {
        let dir: String = master
            .query_one("SHOW data_directory", &[])
            .expect("data_directory")
            .get(0);
        let p = std::path::Path::new(&f);
        return if p.is_absolute() {
            p.to_owned()
        } else {
            std::path::Path::new(&dir).join(p)
        };
    }
    let cluster: String = master
        .query_one("SHOW cluster_name", &[])
        .expect("cluster_name")
        .get(0);
    std::path::PathBuf::from(format!(
        "/var/log/postgresql/postgresql-{}.log",
        cluster.replace('/', "-")
    ))
}

fn calls_by_fingerprint(doc: &Value, database: &str) -> BTreeMap<String, (u64, String)> {
    doc["queries"]
        .as_array()
        .expect("queries")
        .iter()
        .filter(|q| {
            q["databases"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x == database))
        })
        .map(|q| {
            (
                q["fingerprint"].as_str().expect("fp").to_owned(),
                (
                    q["calls"].as_u64().expect("calls"),
                    q["query"].as_str().expect("query").to_owned(),
                ),
            )
        })
        .collect()
}

fn plumb_json(args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .output()
        .expect("run plumb");
    assert!(
        o.status.success(),
        "plumb {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON")
}

#[test]
fn call_counts_from_a_real_log_equal_pg_stat_statements() {
    let Some(mut m) = master() else { return };
    let preloaded: String = m
        .query_one("SHOW shared_preload_libraries", &[])
        .expect("show")
        .get(0);
    assert!(
        preloaded.contains("pg_stat_statements"),
        "this test needs pg_stat_statements preloaded (.ci/run does it: ALTER SYSTEM SET \
         shared_preload_libraries = 'pg_stat_statements' and a restart)"
    );
    let log_path = server_log(&mut m);
    let Some(db) = TestDb::fresh("plumb_wl") else {
        return;
    };
    let mut setup = db.connect();
    setup
        .batch_execute(
            "CREATE EXTENSION pg_stat_statements;
             CREATE TABLE t (id int PRIMARY KEY, name text, n int NOT NULL DEFAULT 0);
             CREATE TABLE child (id serial PRIMARY KEY, t_id int NOT NULL, v text);
             INSERT INTO t SELECT g, 'name ' || g, g % 10 FROM generate_series(1, 50) g;
             INSERT INTO child (t_id, v) SELECT g % 50 + 1, 'v' FROM generate_series(1, 200) g;",
        )
        .expect("setup");
    drop(setup);
    let mut log = std::fs::File::open(&log_path).unwrap_or_else(|e| {
        panic!(
            "cannot read the server log {} ({e}); set PLUMB_TEST_SERVER_LOG to the file the \
             server writes",
            log_path.display()
        )
    });
    let start = log.seek(SeekFrom::End(0)).expect("seek");

    // Entries evicted from pg_stat_statements (other tests' statements filling it) would
    // make the counts differ for a reason that is not plumb's: counted, and named if so.
    let evictions = |db: &TestDb| -> i64 {
        db.connect()
            .query_one("SELECT dealloc FROM pg_stat_statements_info", &[])
            .expect("pg_stat_statements_info")
            .get(0)
    };
    let evicted_before = evictions(&db);
    let mut c = db.connect();
    c.batch_execute("SET log_min_duration_statement = 0")
        .expect("log every statement");
    c.batch_execute(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .expect("reset");
    // Simple protocol, different constants each time.
    for i in 1..=7 {
        c.batch_execute(&format!("SELECT * FROM t WHERE id = {i}"))
            .expect("simple");
    }
    // Extended protocol: parse, bind, execute with parameters.
    for i in 1..=11i32 {
        c.query("SELECT name FROM t WHERE id = $1", &[&i])
            .expect("extended");
    }
    // Prepared once, executed many times.
    let update = c
        .prepare("UPDATE t SET n = n + 1 WHERE id = $1")
        .expect("prepare");
    for i in 1..=9i32 {
        c.execute(&update, &[&i]).expect("execute");
    }
    // IN lists of several lengths: one query for plumb.
    for list in ["1, 2, 3", "4, 5", "6", "7, 8, 9, 10"] {
        c.batch_execute(&format!("SELECT count(*) FROM t WHERE id IN ({list})"))
            .expect("in list");
    }
    // Multi-line, with a comment.
    for i in 0..3 {
        c.batch_execute(&format!(
            "SELECT id,\n       name\n  FROM t /* controller='t',action='index' */\n WHERE n > {i}"
        ))
        .expect("multi-line");
    }
    // An N+1 loop: a parent, then a child query per row.
    let ids: Vec<i32> = c
        .query(
            "SELECT id FROM t WHERE n = $1 ORDER BY id LIMIT 8",
            &[&3i32],
        )
        .expect("parent")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let child = c
        .prepare("SELECT v FROM child WHERE t_id = $1")
        .expect("child");
    for id in &ids {
        c.query(&child, &[id]).expect("child query");
    }
    // An error: logged, not counted by pg_stat_statements.
    assert!(c.batch_execute("SELECT * FROM missing_table").is_err());
    drop(c);

    let mut tail = Vec::new();
    log.seek(SeekFrom::Start(start)).expect("seek");
    log.read_to_end(&mut tail).expect("read the log");
    let dir = std::env::temp_dir().join(format!("plumb-live-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let captured = dir.join("server.log");
    std::fs::write(&captured, &tail).expect("write");
    // A wide N+1 window: on a busy test machine two round trips can be far apart; what is
    // tested here is the reading of a real log, not the window.
    let from_log = plumb_json(&[
        "workload",
        captured.to_str().expect("path"),
        "--format",
        "json",
        "--n-plus-one-window-ms",
        "1000",
    ]);
    let format = from_log["summary"]["inputs"][0]["format"]
        .as_str()
        .expect("format");
    assert!(
        !format.contains("user=%u,db=%d,app=%a"),
        "the server's own prefix, not the generator's: {format}"
    );
    let mut logged = calls_by_fingerprint(&from_log, &db.name);
    // The SET that turned logging on is logged (its duration is checked with the new value),
    // but ran before pg_stat_statements was reset.
    let set: Vec<String> = logged
        .iter()
        .filter(|(_, (_, q))| q.starts_with("SET log_min_duration_statement"))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(set.len(), 1, "{logged:#?}");
    logged.remove(&set[0]);

    // pg_stat_statements of this database, grouped by plumb's fingerprint.
    let rows = db
        .connect()
        .query(
            "SELECT s.query, s.calls FROM pg_stat_statements s \
             JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.toplevel",
            &[&db.name],
        )
        .expect("pg_stat_statements");
    let mut pgss: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for r in rows {
        let query: String = r.get(0);
        let calls: i64 = r.get(1);
        let fp = plumb_sql::fingerprint::fingerprint(&query)
            .unwrap_or_else(|| panic!("pg_stat_statements text does not parse: {query}"));
        let e = pgss.entry(fp.fingerprint).or_insert((0, query));
        e.0 += u64::try_from(calls).expect("calls");
    }
    assert_eq!(
        evictions(&db),
        evicted_before,
        "pg_stat_statements evicted entries during the test: raise pg_stat_statements.max \
         (and set pg_stat_statements.track_utility = off), as .ci/run does"
    );
    let logged_calls: BTreeMap<&String, u64> = logged.iter().map(|(k, v)| (k, v.0)).collect();
    let pgss_calls: BTreeMap<&String, u64> = pgss.iter().map(|(k, v)| (k, v.0)).collect();
    assert_eq!(
        logged_calls, pgss_calls,
        "\nfrom the log: {logged:#?}\npg_stat_statements: {pgss:#?}"
    );
    // The workload it ran, as expected: 7 simple, 11 extended, 9 prepared, 4 IN lists as one.
    let by_text = |needle: &str| {
        logged
            .values()
            .find(|(_, q)| q.contains(needle))
            .map(|(n, _)| *n)
    };
    assert_eq!(by_text("SELECT * FROM t WHERE id = $1"), Some(7));
    assert_eq!(by_text("SELECT name FROM t WHERE id = $1"), Some(11));
    assert_eq!(
        by_text("UPDATE t SET n = n + $2 WHERE id = $1").or(by_text("UPDATE t SET n = n + 1")),
        Some(9)
    );
    assert_eq!(by_text("WHERE id IN ("), Some(4));
    // The error is there, with its SQLSTATE from the wording (this prefix has no %e).
    assert!(
        from_log["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .any(|e| e["sqlstate"] == "42P01"),
        "{}",
        from_log["errors"]
    );

    // The loop over the parent's rows is an N+1 pattern.
    // (The loops above of 7 and 11 lookups by id are loops too, without a parent.)
    let n1 = from_log["n_plus_one"].as_array().expect("n_plus_one");
    let child = n1
        .iter()
        .find(|p| p["child_query"] == "SELECT v FROM child WHERE t_id = $1")
        .unwrap_or_else(|| panic!("{n1:?}"));
    assert_eq!(
        child["parent_query"],
        "SELECT id FROM t WHERE n = $1 ORDER BY id LIMIT $2"
    );
    assert_eq!(child["statements"], ids.len());
    let eleven = n1
        .iter()
        .find(|p| p["child_query"] == "SELECT name FROM t WHERE id = $1")
        .unwrap_or_else(|| panic!("{n1:?}"));
    assert_eq!(eleven["parent_query"], Value::Null);
    // A SELECT without FROM (one row of expressions) is nobody's parent.
    assert!(
        n1.iter().all(|p| !p["parent_query"]
            .as_str()
            .unwrap_or_default()
            .starts_with("SELECT pg_stat_statements_reset")),
        "{n1:?}"
    );

    // `--db` reads the same counts from pg_stat_statements.
    let from_db = plumb_json(&["workload", "--db", &db.url(), "--format", "json"]);
    assert_eq!(
        evictions(&db),
        evicted_before,
        "pg_stat_statements evicted entries during the test: raise pg_stat_statements.max"
    );
    let mut db_calls = calls_by_fingerprint(&from_db, &db.name);
    // plumb's own reading of pg_stat_statements happened after the snapshot's statements.
    db_calls.retain(|k, _| pgss.contains_key(k));
    let db_calls: BTreeMap<&String, u64> = db_calls.iter().map(|(k, v)| (k, v.0)).collect();
    assert_eq!(db_calls, pgss_calls);
    std::fs::remove_dir_all(&dir).ok();
}
