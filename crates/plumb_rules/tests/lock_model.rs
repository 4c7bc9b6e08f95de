//! Live test: the lock model agrees with PostgreSQL.
//!
//! Every statement of every lint fixture is run on a real server, in order, each in its own
//! transaction; before COMMIT the test reads the relation locks its backend holds (`pg_locks`)
//! and whether each table got a new `relfilenode` (a rewrite). For every table that existed
//! before the statement, the strongest lock PostgreSQL took (from SHARE UPDATE EXCLUSIVE up:
//! the weaker ones never block DDL or writes) and whether it rewrote the table must be what
//! `plumb_rules::locks::statement_locks` says for that statement with the catalog built from
//! the statements before it. So the model cannot drift from the server unnoticed.
//!
//! Statements PostgreSQL refuses inside a transaction block (CONCURRENTLY, VACUUM) run in
//! autocommit and are not compared; statements the server rejects (a fixture's missing
//! tablespace) are skipped; transaction control and session settings are not run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use plumb_catalog::{Catalog, QualifiedName};
use plumb_rules::locks::{statement_locks, LockMode, Session, Work};
use plumb_sql::NodeEnum;
use plumb_test_support::TestDb;

/// The PostgreSQL major version of the test server's lock behaviour the model is asked about.
const PG_VERSION: u32 = 15;

fn mode_of(pg: &str) -> Option<LockMode> {
    Some(match pg {
        "AccessShareLock" => LockMode::AccessShare,
        "RowShareLock" => LockMode::RowShare,
        "RowExclusiveLock" => LockMode::RowExclusive,
        "ShareUpdateExclusiveLock" => LockMode::ShareUpdateExclusive,
        "ShareLock" => LockMode::Share,
        "ShareRowExclusiveLock" => LockMode::ShareRowExclusive,
        "ExclusiveLock" => LockMode::Exclusive,
        "AccessExclusiveLock" => LockMode::AccessExclusive,
        _ => return None,
    })
}

/// Locks that matter for migration safety: they conflict with DDL, writes or reads.
fn significant(mode: Option<LockMode>) -> Option<LockMode> {
    mode.filter(|m| *m >= LockMode::ShareUpdateExclusive)
}

fn skipped_statement(node: &NodeEnum) -> bool {
    matches!(
        node,
        NodeEnum::TransactionStmt(_) | NodeEnum::VariableSetStmt(_) | NodeEnum::LockStmt(_)
    )
}

fn not_in_transaction(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::IndexStmt(i) => i.concurrent,
        NodeEnum::DropStmt(d) => d.concurrent,
        NodeEnum::VacuumStmt(v) => v.is_vacuumcmd,
        NodeEnum::ReindexStmt(r) => r.params.iter().any(|o| {
            matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
        }),
        NodeEnum::CreatedbStmt(_) | NodeEnum::DropdbStmt(_) => true,
        NodeEnum::AlterTableStmt(a) => a.cmds.iter().any(|c| {
            matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(cmd))
                if matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()),
                    Some(NodeEnum::PartitionCmd(p)) if p.concurrent))
        }),
        _ => false,
    }
}

/// User tables (and matviews): oid → (name, relfilenode).
fn tables(client: &mut plumb_test_support::Client) -> BTreeMap<u32, (QualifiedName, u32)> {
    client
        .query(
            "SELECT c.oid, n.nspname::text, c.relname::text, c.relfilenode FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg_toast%'",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| {
            let oid: u32 = r.get(0);
            let name = QualifiedName::new(Some(r.get::<_, &str>(1)), r.get::<_, &str>(2));
            (oid, (name, r.get::<_, u32>(3)))
        })
        .collect()
}

#[test]
fn lock_model_matches_postgresql() {
    if plumb_test_support::master().is_none() {
        return;
    }
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .flat_map(|family| {
            let family = family.expect("entry").path();
            std::fs::read_dir(&family)
                .map(|d| d.map(|e| e.expect("entry").path()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .filter(|p| {
            p.extension().is_some_and(|e| e == "sql")
                && !p.to_string_lossy().ends_with(".review.sql")
        })
        .collect();
    files.sort();
    let (mut compared, mut rejected) = (0usize, 0usize);
    let mut mismatches = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&fixtures)
            .unwrap_or(file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(file).expect("fixture");
        let Some(db) = TestDb::fresh("plumb_lockmodel") else {
            return;
        };
        let mut client = db.connect();
        client
            .batch_execute("SET client_min_messages = error; SET lock_timeout = '5s'")
            .expect("session");
        let lines = plumb_sql::LineIndex::new(&text);
        let mut catalog = Catalog::default();
        let mut session = Session::default();
        for stmt in plumb_sql::parse(&text).statements {
            let sql = &text[stmt.start..stmt.end];
            // Session settings run (TimeZone changes what ALTER TYPE does) and are tracked.
            if let NodeEnum::VariableSetStmt(v) = &stmt.node {
                if v.name.eq_ignore_ascii_case("timezone") && !v.is_local {
                    let _ = client.batch_execute(sql);
                    session.timezone_utc = v
                        .args
                        .first()
                        .and_then(plumb_sql::ast::str_const)
                        .is_some_and(|z| z.eq_ignore_ascii_case("utc"));
                }
            }
            if skipped_statement(&stmt.node) {
                catalog.apply(&stmt.node);
                continue;
            }
            if not_in_transaction(&stmt.node) {
                if client.batch_execute(sql).is_ok() {
                    catalog.apply(&stmt.node);
                }
                continue;
            }
            let model = statement_locks(&stmt.node, &catalog, PG_VERSION, session);
            let before = tables(&mut client);
            client.batch_execute("BEGIN").expect("begin");
            if client.batch_execute(sql).is_err() {
                client.batch_execute("ROLLBACK").expect("rollback");
                rejected += 1;
                continue;
            }
            let held: Vec<(u32, String)> = client
                .query(
                    "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() \
                     AND locktype = 'relation' AND granted AND relation IS NOT NULL",
                    &[],
                )
                .expect("pg_locks")
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let after = tables(&mut client);
            client.batch_execute("COMMIT").expect("commit");
            let line = lines.line_col(&text, stmt.start).line;
            for (oid, (name, filenode)) in &before {
                let server = significant(
                    held.iter()
                        .filter(|(o, _)| o == oid)
                        .filter_map(|(_, m)| mode_of(m))
                        .max(),
                );
                // TRUNCATE gives the table a new, empty file at once: a new relfilenode, but
                // no work proportional to the table's size, which is what "rewrite" means here.
                let truncate = matches!(stmt.node, NodeEnum::TruncateStmt(_));
                let rewritten = !truncate && after.get(oid).is_some_and(|(_, f)| f != filenode);
                let mine: Vec<_> = model.iter().filter(|l| l.table == *name).collect();
                let predicted = significant(mine.iter().map(|l| l.mode).max());
                let predicted_rewrite = mine.iter().any(|l| l.work == Work::Rewrite);
                // A dropped table takes its lock with it: compare only tables still there.
                if !after.contains_key(oid) {
                    continue;
                }
                compared += 1;
                if server != predicted || rewritten != predicted_rewrite {
                    let show = |m: Option<LockMode>, r: bool| {
                        format!(
                            "{}{}",
                            m.map_or("no strong lock", LockMode::as_str),
                            if r { " + rewrite" } else { "" }
                        )
                    };
                    mismatches.push(format!(
                        "{rel}:{line}: {name}: model {}, PostgreSQL {}\n    {}",
                        show(predicted, predicted_rewrite),
                        show(server, rewritten),
                        sql.lines().next().unwrap_or_default()
                    ));
                }
            }
            catalog.apply(&stmt.node);
        }
    }
    eprintln!(
        "lock model: {compared} (statement, table) pairs compared, {rejected} statements rejected by the server, {} mismatches",
        mismatches.len()
    );
    assert!(compared > 100, "too few comparisons: {compared}");
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}
