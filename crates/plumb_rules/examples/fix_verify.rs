//! Verifies every fix `plumb lint` suggests for real migration sets on a real PostgreSQL.
//!
//! ```sh
//! cargo run --release -p plumb_rules --example fix_verify -- \
//!     ../shared/corpus/documenso/packages/prisma/migrations \
//!     ../shared/corpus/authelia/internal/storage/migrations/postgres \
//!     ../shared/corpus/harbor/make/migrations/postgresql
//! ```
//!
//! Each set's up migrations are replayed on a fresh database, statement by statement in
//! autocommit. Before each statement that has a finding with a fix, the database is copied and,
//! on the copy, `plumb_test_support::verify_fix` runs the fix, its rollback, compares the catalog
//! read back with the one before the fix, and runs both again. Prints a line per failure and
//! the totals per set. Needs the server of `PLUMB_TEST_DATABASE_URL` (default: the local one).

use std::collections::BTreeMap;
use std::path::PathBuf;

use plumb_diagnostics::{Finding, Location, Placement};
use plumb_sql::NodeEnum;
use plumb_test_support::{db_error, Client, NoTls, TestDb};

#[derive(Default)]
struct Tally {
    verified: usize,
    passed: usize,
    reminders: usize,
    statement_failed: usize,
    skipped: usize,
    failures: Vec<String>,
}

fn connect(db: &TestDb) -> Client {
    let mut c = Client::connect(&db.url(), NoTls).expect("connect");
    c.batch_execute("SET client_min_messages = error; SET statement_timeout = '60s'")
        .expect("session");
    c
}

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    assert!(!dirs.is_empty(), "usage: fix_verify MIGRATION_DIR...");
    let mut master = plumb_test_support::master().expect("a PostgreSQL server");
    let mut total = Tally::default();
    for dir in &dirs {
        let set = plumb_migrations::discover(dir, None)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let out = plumb_rules::lint(
            std::slice::from_ref(&set),
            &plumb_rules::Settings::default(),
            None,
        );
        // Findings with a fix, by file and the byte their statement starts at.
        let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in out.findings.iter().filter(|f| f.fix.is_some()) {
            if let Some(file) = f.location.file() {
                by_file.entry(file).or_default().push(f);
            }
        }
        let base = TestDb::fresh("plumb_fixverify").expect("server");
        let trial = format!("{}_trial", base.name);
        let mut tally = Tally::default();
        let mut client = connect(&base);
        for m in &set.migrations {
            let Some(up) = &m.up else { continue };
            let parsed = plumb_sql::parse(&up.text);
            let fixes = by_file.get(up.path.as_str()).cloned().unwrap_or_default();
            for stmt in &parsed.statements {
                if matches!(stmt.node, NodeEnum::TransactionStmt(_)) {
                    continue;
                }
                let here: Vec<&&Finding> = fixes
                    .iter()
                    .filter(|f| {
                        matches!(&f.location, Location::Span { start_byte, .. }
                            if *start_byte >= stmt.start && *start_byte <= stmt.end)
                    })
                    .collect();
                let mut results: Vec<(String, Result<(), String>)> = Vec::new();
                if !here.is_empty() {
                    drop(client);
                    for f in here {
                        let fix = f.fix.as_ref().expect("has a fix");
                        let line = match &f.location {
                            Location::Span { start, .. } => start.line,
                            _ => 0,
                        };
                        let result = plumb_test_support::verify_fix(
                            &mut master,
                            &base.name,
                            &trial,
                            &fix.sql,
                            fix.rollback.as_deref(),
                        );
                        let before = fix.placement == Placement::Before;
                        results.push((format!("{}:{line} [{}]", up.path, f.rule), result));
                        if before {
                            tally.reminders += 1;
                        }
                    }
                    client = connect(&base);
                }
                let sql = &up.text[stmt.start..stmt.end];
                if let Err(e) = client.batch_execute(sql) {
                    // The migration's own statement fails here (an object its runner creates,
                    // a newer server): its fixes cannot be judged either.
                    tally.statement_failed += 1;
                    tally.skipped += results.len();
                    eprintln!(
                        "note: {}: PostgreSQL rejects the migration's own statement: {}",
                        up.path,
                        db_error(&e)
                    );
                    continue;
                }
                for (at, result) in results {
                    tally.verified += 1;
                    match result {
                        Ok(()) => tally.passed += 1,
                        // One line per failure.
                        Err(e) => tally.failures.push(format!(
                            "{at} {}",
                            e.split_whitespace().collect::<Vec<_>>().join(" ")
                        )),
                    }
                }
            }
        }
        drop(client);
        let _ = master.batch_execute(&format!("DROP DATABASE IF EXISTS {trial} WITH (FORCE)"));
        for f in &tally.failures {
            println!("FAIL {f}");
        }
        println!(
            "{}: {} fixes verified, {} passed ({:.1}%), {} of them lock_timeout reminders; {} migration statements rejected by the server ({} fixes on them skipped)",
            dir.display(),
            tally.verified,
            tally.passed,
            percent(tally.passed, tally.verified),
            tally.reminders,
            tally.statement_failed,
            tally.skipped
        );
        total.verified += tally.verified;
        total.passed += tally.passed;
        total.reminders += tally.reminders;
    }
    println!(
        "total: {} fixes verified, {} passed ({:.1}%); without the lock_timeout reminders: {} of {} ({:.1}%)",
        total.verified,
        total.passed,
        percent(total.passed, total.verified),
        total.passed - total.reminders.min(total.passed),
        total.verified - total.reminders,
        percent(total.passed - total.reminders.min(total.passed), total.verified - total.reminders)
    );
}

#[allow(clippy::cast_precision_loss)]
fn percent(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}
