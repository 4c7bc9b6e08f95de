//! Live-test harness: each test gets its own fresh database on a real PostgreSQL.
//!
//! The server comes from `PLUMB_TEST_DATABASE_URL` (default: the local service as `postgres`).
//! Without a server a live test fails, naming the server it tried and how to skip: a skip
//! must be asked for (`PLUMB_SKIP_LIVE_TESTS=1`, never honoured where `CI` is set), because
//! `cargo test` has no "skipped" state and a notice is hidden by its output capture.
//! Databases are named `<prefix>_<pid>_<n>`; ones left behind by dead test processes (a killed
//! run) are dropped the next time the prefix is used.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use postgres::{Client, NoTls};

/// The server to test against, as a libpq connection string.
pub fn server_url() -> String {
    std::env::var("PLUMB_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=postgres".to_owned())
}

/// A connection string for another database on the test server.
pub fn url_for(dbname: &str) -> String {
    format!("{} dbname={dbname}", server_url())
}

/// Connects to the test server's maintenance database. Without a server it panics, unless
/// live tests were explicitly skipped with `PLUMB_SKIP_LIVE_TESTS=1` outside CI (then `None`).
pub fn master() -> Option<Client> {
    match Client::connect(&server_url(), NoTls) {
        Ok(c) => Some(c),
        Err(e) => {
            let skip = std::env::var_os("PLUMB_SKIP_LIVE_TESTS").is_some_and(|v| v == "1")
                && std::env::var_os("CI").is_none();
            assert!(
                skip,
                "live test: no PostgreSQL at {} ({e}); start one (see README, Tests) or set \
                 PLUMB_TEST_DATABASE_URL, or run with PLUMB_SKIP_LIVE_TESTS=1 to skip the live tests",
                redacted(&server_url())
            );
            None
        }
    }
}

/// A connection string with any password replaced by `***`.
fn redacted(url: &str) -> String {
    url.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***".to_owned()
            } else {
                kv.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fresh database, dropped when this value is.
pub struct TestDb {
    /// Database name.
    pub name: String,
    master: Client,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl TestDb {
    /// Creates `<prefix>_<pid>_<n>`, first dropping databases of this prefix that belong to
    /// processes no longer running.
    pub fn fresh(prefix: &str) -> Option<TestDb> {
        let mut master = master()?;
        let me = std::process::id();
        if let Ok(rows) = master.query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE $1",
            &[&format!("{prefix}\\_%")],
        ) {
            for r in rows {
                let name: String = r.get(0);
                let pid = name[prefix.len() + 1..]
                    .split('_')
                    .next()
                    .and_then(|p| p.parse::<u32>().ok());
                if pid.is_some_and(|p| p != me && !pid_alive(p)) {
                    let _ = master
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}_{me}_{n}");
        // Two statements, two round trips: CREATE DATABASE cannot run in the implicit
        // transaction of a multi-statement query.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            master
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("cannot create test database {name}: {}", db_error(&e)));
        }
        Some(TestDb { name, master })
    }

    /// The connection string of this database.
    pub fn url(&self) -> String {
        url_for(&self.name)
    }

    /// A new connection to this database.
    pub fn connect(&self) -> Client {
        Client::connect(&self.url(), NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to test database {}: {e}", self.name))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = self.master.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// The server's message of an error (the `Display` of `postgres::Error` says only "db error").
pub fn db_error(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(
        || e.to_string(),
        |d| format!("{} (SQLSTATE {})", d.message(), d.code().code()),
    )
}

/// Runs a script statement by statement in autocommit (fixes may use CONCURRENTLY), stopping at
/// the first statement the server rejects.
pub fn run_statements(client: &mut Client, sql: &str) -> Result<(), String> {
    let parsed = plumb_sql::parse(sql);
    if let Some(e) = parsed.errors.first() {
        return Err(format!("does not parse: {}", e.message));
    }
    for s in &parsed.statements {
        let text = &sql[s.start..s.end];
        client
            .batch_execute(text)
            .map_err(|e| format!("{text}: {}", db_error(&e)))?;
    }
    Ok(())
}

/// What PostgreSQL holds in the database at `url`, without statistics.
pub fn live_catalog(url: &str) -> Result<plumb_catalog::Catalog, String> {
    live_catalog_full(url).map(|c| c.without_live_data())
}

/// The catalog of a live database as `plumb` reads it: statistics, owners and functions'
/// definitions included.
pub fn live_catalog_full(url: &str) -> Result<plumb_catalog::Catalog, String> {
    plumb_pg::block_on(async {
        let session = plumb_pg::Session::connect(&plumb_pg::ConnectOptions::new(url))
            .await
            .map_err(|e| e.to_string())?;
        plumb_pg::load_catalog(&session)
            .await
            .map_err(|e| e.to_string())
    })
    .map_err(|e| e.to_string())?
}

/// Makes `copy` a fresh copy of `base` (which must have no open connections).
pub fn copy_database(master: &mut Client, base: &str, copy: &str) -> Result<(), String> {
    for sql in [
        format!("DROP DATABASE IF EXISTS {copy} WITH (FORCE)"),
        format!("CREATE DATABASE {copy} TEMPLATE {base}"),
    ] {
        master.batch_execute(&sql).map_err(|e| db_error(&e))?;
    }
    Ok(())
}

/// The verification of one fix on a copy (`trial`) of the state before its statement (`base`):
/// the fix runs; its rollback runs and leaves the catalog exactly as before the fix (as read
/// back from PostgreSQL; columns are matched by name, so column order does not count); then the
/// fix and its rollback run a second time. A fix without a rollback is checked to run only.
/// Returns what failed.
pub fn verify_fix(
    master: &mut Client,
    base: &str,
    trial: &str,
    fix: &str,
    rollback: Option<&str>,
) -> Result<(), String> {
    copy_database(master, base, trial)?;
    let url = url_for(trial);
    let before = live_catalog(&url)?;
    let mut db = Client::connect(&url, NoTls).map_err(|e| e.to_string())?;
    db.batch_execute("SET statement_timeout = '20s'; SET client_min_messages = error")
        .map_err(|e| db_error(&e))?;
    run_statements(&mut db, fix).map_err(|e| format!("fix failed: {e}"))?;
    let Some(rollback) = rollback else {
        return Ok(());
    };
    run_statements(&mut db, rollback).map_err(|e| format!("rollback failed: {e}"))?;
    let diff = before.diff(&live_catalog(&url)?);
    if !diff.is_empty() {
        return Err(format!(
            "rollback does not restore the catalog:\n  {}",
            diff.join("\n  ")
        ));
    }
    run_statements(&mut db, fix).map_err(|e| format!("fix failed after its rollback: {e}"))?;
    // Roll back again: some fixes create cluster-wide objects (roles) the next trial would meet.
    run_statements(&mut db, rollback).map_err(|e| format!("second rollback failed: {e}"))
}
