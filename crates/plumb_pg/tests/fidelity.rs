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
        if what.ends_with("real_forms.sql") {
            assert_real_forms(&live);
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

/// The DBML round trip on what real schemas hold (issue 8): a schema with keyword column
/// names, an extension's operator class and type, a domain, a partial covering index, CHECK
/// constraints, serial columns and a sequence two tables share is written as DBML, imported
/// back to DDL, loaded into another database, and holds the same tables, columns, keys,
/// indexes, checks and references.
#[test]
fn dbml_round_trip_loads_and_keeps_the_schema() {
    let Some(db) = TestDb::fresh("plumb_fidelity") else {
        return;
    };
    let original = "CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
        CREATE SEQUENCE shared_id_seq;
        CREATE TABLE runner_sessions (
            id bigserial PRIMARY KEY,
            \"authorization\" text,
            \"binary\" boolean NOT NULL DEFAULT false,
            email citext,
            released year,
            score integer CHECK (score > 0),
            CONSTRAINT email_or_binary CHECK (email IS NOT NULL OR \"binary\")
        );
        CREATE TABLE notes (id bigint NOT NULL DEFAULT nextval('shared_id_seq'), body text, session_id bigint REFERENCES runner_sessions ON DELETE CASCADE);
        CREATE TABLE old_notes (id bigint NOT NULL DEFAULT nextval('shared_id_seq'), body text);
        CREATE TABLE counters (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name varchar(40) NOT NULL);
        CREATE INDEX notes_body_trgm ON notes USING gin (body gin_trgm_ops);
        CREATE INDEX notes_session_open ON notes (session_id DESC NULLS LAST) INCLUDE (body) WHERE session_id IS NOT NULL;
        CREATE INDEX notes_lower_body ON notes (lower(body));
        CREATE UNIQUE INDEX counters_name ON counters (name text_pattern_ops);";
    round_trip(&db, original);
}

/// The DBML round trip of the forms real schemas hold that DBML has no syntax for: a
/// collation and a text search configuration, functions indexes call, identity ALWAYS,
/// deferrable and multi-column UNIQUE constraints, unlogged tables, casts that matter.
#[test]
fn dbml_round_trip_keeps_what_dbml_cannot_say() {
    let Some(db) = TestDb::fresh("plumb_fidelity") else {
        return;
    };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fidelity/real_forms.sql");
    round_trip(&db, &std::fs::read_to_string(data).expect("fixture"));
}

/// What `real_forms.sql` makes is in the catalog at all (equality alone would pass if both
/// sides missed it).
fn assert_real_forms(c: &Catalog) {
    let q = |s: &str, n: &str| plumb_catalog::QualifiedName::new(Some(s), n);
    assert_eq!(c.collations.len(), 2, "{:?}", c.collations);
    assert!(!c.collations[&q("mb", "mb_nocase")].deterministic);
    let ts = &c.text_search_configs[&q("mb", "mb_simple")];
    assert_eq!(ts.mappings["word"], ["unaccent", "simple"]);
    assert_eq!(ts.mappings["asciiword"], ["simple"]);
    assert_eq!(c.functions.len(), 3);
    let median = c.aggregates.values().next().expect("the median aggregate");
    assert_eq!(
        (
            median.state_function.as_str(),
            median.final_function.as_deref(),
            median.initial_condition.as_deref()
        ),
        ("array_append", Some("mb._median"), Some("{}"))
    );
    let private = &c.indexes[&q("mb", "artist_private")];
    assert!(
        private
            .predicate
            .as_deref()
            .is_some_and(|p| p.contains("bit(31)")),
        "{private:?}"
    );
    let artist = c.table(&q("mb", "artist")).expect("artist");
    assert!(artist.constraints.iter().any(
        |k| matches!(&k.kind, plumb_catalog::ConstraintKind::Check { expr, .. } if expr.contains("::text"))
    ));
    let medium = c.table(&q("mb", "medium")).expect("medium");
    assert!(medium
        .constraint("medium_uniq")
        .is_some_and(|k| k.deferrable));
    assert!(c.table(&q("mb", "rate_limit")).is_some_and(|t| t.unlogged));
    assert_eq!(c.views.len(), 3);
    assert_eq!(
        c.views[&q("mb", "artist_names_sorted")].depends_on,
        [q("mb", "artist_names")]
    );
    assert!(c.indexes.contains_key(&q("mb", "medium_counts_artist")));
}

/// Loads `original` into `db`, writes the schema as DBML, imports it back to DDL, loads that
/// into another database, and compares the two.
fn round_trip(db: &TestDb, original: &str) {
    run_script(&mut db.connect(), original, "DBML round trip source");
    let before = live_catalog(db);
    let dbml = plumb_report::schema_docs::render_dbml(&before);
    let ddl = plumb_dbml::to_ddl(&dbml).unwrap_or_else(|e| panic!("import: {e}\n{dbml}"));
    let Some(copy) = TestDb::fresh("plumb_fidelity") else {
        return;
    };
    run_script(&mut copy.connect(), &ddl, "imported DDL");
    let after = live_catalog(&copy);
    let shape = |c: &Catalog| {
        let mut c = c.without_live_data();
        // What DBML does not carry: owners, grants, sequences' own settings and ownership.
        c.grants = Catalog::default().grants;
        c.sequences = Catalog::default().sequences;
        c
    };
    if original.contains("mb_simple") {
        assert_real_forms(&after);
    }
    let diff = shape(&before).diff(&shape(&after));
    assert!(
        diff.is_empty(),
        "{}\n--- DBML\n{dbml}\n--- DDL\n{ddl}",
        diff.join("\n")
    );
}
