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
