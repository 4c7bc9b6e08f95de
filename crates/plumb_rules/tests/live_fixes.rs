//! Live test: every fix and rollback a rule suggests for its fixture runs on a real PostgreSQL.
//!
//! For each finding with a fix, the fixture's statements before it are applied to a fresh
//! database; then, on copies of that database, the original statement is run (a finding on a
//! statement that PostgreSQL itself rejects in isolation, such as a fixture's `SET TABLESPACE
//! fast_ssd`, is skipped), and then, statement by statement in autocommit (fixes may use
//! CONCURRENTLY): the fix runs, its rollback runs and leaves the catalog exactly as it was
//! before the fix (as read back from PostgreSQL; column order aside), and the fix and its
//! rollback run again.
//!
//! The server comes from `PLUMB_TEST_DATABASE_URL` (default: the local service as `postgres`);
//! without one the test fails unless `PLUMB_SKIP_LIVE_TESTS=1` (see plumb_test_support).

use std::path::PathBuf;

mod common;

use common::{fixture_set, review_fixture};
use plumb_diagnostics::Location;
use plumb_rules::{lint, Settings, RULES};
use postgres::{Client, NoTls};

const PREFIX: &str = "plumb_livefix_";

fn server_url() -> String {
    plumb_test_support::server_url()
}

fn connect(db: Option<&str>) -> Result<Client, postgres::Error> {
    let mut url = server_url();
    if let Some(db) = db {
        url = format!("{url} dbname={db}");
    }
    let mut c = Client::connect(&url, NoTls)?;
    c.batch_execute("SET statement_timeout = '20s'; SET client_min_messages = error")?;
    Ok(c)
}

/// The statements of a SQL text, in order, as separate strings.
fn statements(sql: &str) -> Vec<String> {
    let parsed = plumb_sql::parse(sql);
    parsed
        .statements
        .iter()
        .map(|s| sql[s.start..s.end].to_owned())
        .collect()
}

fn run_all(client: &mut Client, sql: &str) -> Result<(), String> {
    for s in statements(sql) {
        client
            .batch_execute(&s)
            .map_err(|e| format!("{s}: {}", db_error(&e)))?;
    }
    Ok(())
}

fn db_error(e: &postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned())
}

fn copy_of(master: &mut Client, base: &str, copy: &str) {
    master
        .batch_execute(&format!("DROP DATABASE IF EXISTS {copy}"))
        .unwrap();
    master
        .batch_execute(&format!("CREATE DATABASE {copy} TEMPLATE {base}"))
        .unwrap();
}

/// Runs a fix and then its rollback on a fresh copy of `base`; the failure, if any.
fn fix_and_rollback(
    master: &mut Client,
    base: &str,
    trial: &str,
    rule: &str,
    fix: &plumb_diagnostics::Fix,
) -> Option<String> {
    plumb_test_support::verify_fix(master, base, trial, &fix.sql, fix.rollback.as_deref())
        .err()
        .map(|e| format!("{rule} {e}"))
}

fn drop_all<'a>(master: &mut Client, dbs: impl IntoIterator<Item = &'a String>) {
    for db in dbs {
        master
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .unwrap();
    }
}

/// Statements the harness does not replay on the base database: transaction control and
/// session settings would not survive the reconnects between copies.
fn is_session_statement(sql: &str) -> bool {
    let head = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        head.as_str(),
        "BEGIN" | "COMMIT" | "ROLLBACK" | "START" | "END" | "SET" | "RESET" | "LOCK"
    )
}

#[test]
fn fixes_and_rollbacks_run_on_postgresql() {
    if plumb_test_support::master().is_none() {
        return;
    }
    let mut master = connect(None).expect("connect");
    // Drop what an interrupted earlier run left behind.
    let stale: Vec<String> = master
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            &[&format!("{PREFIX}%")],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for db in stale {
        master
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .unwrap();
    }
    let (base, trial) = (format!("{PREFIX}base"), format!("{PREFIX}trial"));
    let mut failures = Vec::new();
    let (mut checked, mut skipped) = (0, 0);
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for rule in RULES.iter().filter(|r| r.lints_migrations()) {
        let meta = rule.meta();
        let path = fixtures
            .join(meta.family.as_str())
            .join(format!("{}.sql", meta.name));
        let text = std::fs::read_to_string(&path).unwrap();
        let findings = fixture_findings(&text);
        // Fixes with a precondition the fixture cannot meet, each stated in the fix's help:
        // REFRESH ... CONCURRENTLY needs a unique index on the view, whose key plumb cannot know.
        if meta.name == "refresh-matview-non-concurrently" {
            continue;
        }
        let with_fix: Vec<_> = findings
            .iter()
            .filter(|f| f.rule == meta.name && f.fix.is_some())
            .collect();
        if with_fix.is_empty() {
            continue;
        }
        let parsed = plumb_sql::parse(&text);
        master
            .batch_execute(&format!("DROP DATABASE IF EXISTS {base}"))
            .unwrap();
        master
            .batch_execute(&format!("CREATE DATABASE {base}"))
            .unwrap();
        let mut applied = 0usize;
        for f in with_fix {
            let Location::Span { start_byte, .. } = f.location else {
                continue;
            };
            // The statement the finding is on, and everything before it, replayed once.
            let Some(idx) = parsed
                .statements
                .iter()
                .position(|s| start_byte >= s.start && start_byte <= s.end)
            else {
                continue;
            };
            {
                let mut db = connect(Some(&base)).unwrap();
                for s in &parsed.statements[applied..idx] {
                    let sql = &text[s.start..s.end];
                    if !is_session_statement(sql) {
                        let _ = db.batch_execute(sql);
                    }
                }
            }
            applied = applied.max(idx);
            let stmt = &text[parsed.statements[idx].start..parsed.statements[idx].end];
            copy_of(&mut master, &base, &trial);
            let original_ok = run_all(&mut connect(Some(&trial)).unwrap(), stmt).is_ok();
            if !original_ok {
                skipped += 1;
                continue;
            }
            checked += 1;
            let fix = f.fix.as_ref().unwrap();
            failures.extend(fix_and_rollback(&mut master, &base, &trial, meta.name, fix));
        }
    }
    drop_all(&mut master, [&base, &trial]);
    eprintln!(
        "live fixes: {checked} fixes run, {skipped} skipped (statement rejected in isolation)"
    );
    assert!(checked >= 25, "too few fixes exercised: {checked}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Lints a fixture with its `-- @migration` sections as separate migrations, as the rule test does.
fn fixture_findings(text: &str) -> Vec<plumb_diagnostics::Finding> {
    let (set, pg_version) = fixture_set("f.sql", text);
    let settings = Settings {
        pg_version,
        ..Settings::default()
    };
    lint(&[set], &settings, None).findings
}

/// Every fix and rollback `plumb schema review` suggests for its fixtures runs on PostgreSQL:
/// the fixture's DDL is applied to a fresh database, then on a copy of it each fix and its
/// rollback, statement by statement in autocommit.
#[test]
fn review_fixes_and_rollbacks_run_on_postgresql() {
    if plumb_test_support::master().is_none() {
        return;
    }
    let mut master = connect(None).expect("connect");
    // A role a fix creates, left behind by an interrupted run (roles are cluster-wide).
    let _ = master.batch_execute("DROP ROLE IF EXISTS app_owner");
    // Roles the fixtures grant to; roles are cluster-wide, so create them once.
    master
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE app_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        )
        .unwrap();
    let (base, trial) = (format!("{PREFIX}rbase"), format!("{PREFIX}rtrial"));
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (mut checked, mut failures) = (0, Vec::new());
    for rule in RULES.iter().filter(|r| r.reviews_schema()) {
        let meta = rule.meta();
        let rel = format!("{}/{}.review.sql", meta.family.as_str(), meta.name);
        let text = std::fs::read_to_string(fixtures.join(&rel)).unwrap();
        let (catalog, skipped) = review_fixture(&rel, &text);
        let findings = plumb_rules::review(&catalog, &Settings::default(), &skipped);
        let fixes: Vec<_> = findings
            .iter()
            .filter(|f| f.rule == meta.name)
            .filter_map(|f| f.fix.as_ref())
            .collect();
        if fixes.is_empty() {
            continue;
        }
        master
            .batch_execute(&format!("DROP DATABASE IF EXISTS {base} WITH (FORCE)"))
            .unwrap();
        master
            .batch_execute(&format!("CREATE DATABASE {base}"))
            .unwrap();
        if let Err(e) = run_all(&mut connect(Some(&base)).unwrap(), &text) {
            failures.push(format!("{rel}: fixture DDL rejected: {e}"));
            continue;
        }
        for fix in fixes {
            checked += 1;
            failures.extend(fix_and_rollback(&mut master, &base, &trial, meta.name, fix));
        }
    }
    drop_all(&mut master, [&base, &trial]);
    eprintln!("live review fixes: {checked} fixes run");
    assert!(checked >= 20, "too few review fixes exercised: {checked}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The batched backfills of unbatched-data-change end on a table that has rows (the fixture's
/// tables are empty, where any loop ends at once): by primary-key ranges with gaps in the keys,
/// and by ctid with a predicate the batch makes false, each leaving every row changed.
#[test]
fn batched_backfills_finish_on_real_rows() {
    let Some(db) = plumb_test_support::TestDb::fresh("plumb_batch_") else {
        return;
    };
    let setup = "CREATE TABLE users (id bigint PRIMARY KEY, name text);
        INSERT INTO users SELECT g * 3, NULL FROM generate_series(1, 25000) g;
        CREATE TABLE events (kind text, payload text);
        INSERT INTO events SELECT 'new', g::text FROM generate_series(1, 25000) g;";
    let migration = format!(
        "{setup}\n-- @migration 2\nUPDATE users SET name = 'unknown';\nUPDATE events SET kind = 'legacy';\nDELETE FROM events;\n"
    );
    let findings = fixture_findings(&migration);
    let fixes: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "unbatched-data-change")
        .filter_map(|f| f.fix.as_ref().map(|x| x.sql.as_str()))
        .collect();
    assert_eq!(fixes.len(), 3, "{findings:#?}");
    let mut c = db.connect();
    c.batch_execute("SET statement_timeout = '60s'").unwrap();
    plumb_test_support::run_statements(&mut c, setup).unwrap();
    let count = |c: &mut Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    plumb_test_support::run_statements(&mut c, fixes[0]).unwrap();
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM users WHERE name = 'unknown'"),
        25000
    );
    plumb_test_support::run_statements(&mut c, fixes[1]).unwrap();
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM events WHERE kind = 'legacy'"),
        25000
    );
    plumb_test_support::run_statements(&mut c, fixes[2]).unwrap();
    assert_eq!(count(&mut c, "SELECT count(*) FROM events"), 0);
}
