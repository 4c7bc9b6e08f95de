//! The key invariant of the catalog: DDL applied to PostgreSQL and introspected equals the same
//! DDL interpreted into a `Catalog`. Each case gets a fresh database.

use std::path::Path;

use plumb_catalog::Catalog;
use plumb_pg::{load_catalog, ConnectOptions, Session};
use plumb_test_support::TestDb;

/// Runs a script statement by statement (autocommit), as a migration runner would.
fn run_script(client: &mut plumb_test_support::Client, sql: &str, what: &str) {
    let parsed = plumb_sql::parse(sql);
    assert!(parsed.errors.is_empty(), "{what}: {:?}", parsed.errors);
    for s in &parsed.statements {
        let text = &sql[s.start..s.end];
        client.batch_execute(text).unwrap_or_else(|e| {
            panic!(
                "{what}: PostgreSQL rejected {text:?}: {}",
                plumb_test_support::db_error(&e)
            )
        });
    }
}

fn live_catalog(db: &TestDb) -> Catalog {
    plumb_pg::block_on(async {
        let session = Session::connect(&ConnectOptions::new(&db.url()))
            .await
            .expect("connect");
        load_catalog(&session).await.expect("introspect")
    })
    .expect("runtime")
}

fn assert_same(what: &str, ddl: &Catalog, live: &Catalog) {
    let diff = ddl.without_live_data().diff(&live.without_live_data());
    assert!(
        diff.is_empty(),
        "{what}: the catalog from DDL (first) differs from PostgreSQL's (second):\n{}",
        diff.join("\n")
    );
}

fn ensure_role(name: &str) {
    if let Some(mut master) = plumb_test_support::master() {
        master
            .batch_execute(&format!(
                "DO $$ BEGIN CREATE ROLE {name}; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            ))
            .expect("create role");
    }
}

#[test]
fn example_migrations_ddl_equals_introspection() {
    let Some(db) = TestDb::fresh("plumb_fidelity") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop/migrations");
    let set = plumb_migrations::discover(&dir, None).expect("example migrations");
    let mut client = db.connect();
    let mut ddl = Catalog::default();
    for m in &set.migrations {
        let Some(up) = &m.up else { continue };
        run_script(&mut client, &up.text, &up.path);
        let applied = ddl.apply_sql(&up.text);
        assert!(
            applied.skipped.is_empty(),
            "{}: {:?}",
            up.path,
            applied.skipped
        );
    }
    let live = live_catalog(&db);
    assert!(!live.tables.is_empty());
    assert_same("examples/shop", &ddl, &live);
}

#[test]
fn every_modelled_form_ddl_equals_introspection() {
    ensure_role("plumb_fidelity_app");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fidelity");
    let mut files: Vec<_> = std::fs::read_dir(&data)
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let Some(db) = TestDb::fresh("plumb_fidelity") else {
            return;
        };
        let sql = std::fs::read_to_string(&file).expect("fixture");
        let what = file.display().to_string();
        run_script(&mut db.connect(), &sql, &what);
        let mut ddl = Catalog::default();
        let applied = ddl.apply_sql(&sql);
        assert!(applied.skipped.is_empty(), "{what}: {:?}", applied.skipped);
        let live = live_catalog(&db);
        assert_same(&what, &ddl, &live);
        // Key options are compared above; make sure they were read at all.
        let with_options = live
            .indexes
            .values()
            .filter(|i| !i.key_options.is_empty())
            .count();
        if what.ends_with("objects.sql") {
            assert_eq!(with_options, 4, "{what}: indexes with key options");
        }
    }
}

/// `plumb schema import`: the DDL written for the example DBML design runs on PostgreSQL, and
/// what PostgreSQL holds afterwards is what the interpreter makes of the same DDL.
#[test]
fn dbml_import_ddl_runs_and_matches_introspection() {
    let Some(db) = TestDb::fresh("plumb_fidelity") else {
        return;
    };
    let design = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/design/shop.dbml");
    let ddl = plumb_dbml::to_ddl(&std::fs::read_to_string(design).expect("design")).expect("DBML");
    run_script(&mut db.connect(), &ddl, "shop.dbml DDL");
    let mut catalog = Catalog::default();
    let applied = catalog.apply_sql(&ddl);
    assert!(applied.skipped.is_empty(), "{:?}", applied.skipped);
    assert_same("shop.dbml", &catalog, &live_catalog(&db));
}
