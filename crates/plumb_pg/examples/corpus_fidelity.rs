//! Corpus fidelity run (a benchmark-style check, not a test: the corpus is not part of the
//! project). For each PostgreSQL migration set of `../shared/corpus`, applies the up migrations
//! in order to a fresh database, then compares the catalog interpreted from the same DDL with
//! the one introspected, and lists the statement forms the interpreter skipped.
//!
//! `cargo run --release -p plumb_pg --example corpus_fidelity -- ../shared/corpus`

use std::collections::BTreeMap;
use std::path::Path;

use plumb_catalog::Catalog;
use plumb_migrations::Layout;
use plumb_test_support::TestDb;

fn main() {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".to_owned());
    let root = Path::new(&root);
    // Harbor's scripts update golang-migrate's own table, which the runner creates first.
    let harbor_setup = "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)";
    let sets = [
        ("lemmy", "lemmy/migrations", None, None),
        (
            "documenso",
            "documenso/packages/prisma/migrations",
            None,
            None,
        ),
        (
            "harbor",
            "harbor/make/migrations/postgresql",
            Some(Layout::Plain),
            Some(harbor_setup),
        ),
        (
            "authelia",
            "authelia/internal/storage/migrations/postgres",
            None,
            None,
        ),
    ];
    for (name, dir, layout, setup) in sets {
        let set = match plumb_migrations::discover(&root.join(dir), layout) {
            Ok(s) => s,
            Err(e) => {
                println!("## {name}\n\nnot read: {e}\n");
                continue;
            }
        };
        let Some(db) = TestDb::fresh("plumb_corpus") else {
            eprintln!("no PostgreSQL");
            return;
        };
        let mut client = db.connect();
        let mut ddl = Catalog::default();
        if let Some(setup) = setup {
            client.batch_execute(setup).expect("setup");
            ddl.apply_sql(setup);
        }
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        let (mut scripts, mut statements) = (0, 0);
        let mut failed = None;
        for m in &set.migrations {
            let Some(up) = &m.up else { continue };
            // Each script as the runners send it: one multi-statement query.
            if let Err(e) = client.batch_execute(&up.text) {
                failed = Some(format!("{}: {}", up.path, plumb_test_support::db_error(&e)));
                break;
            }
            scripts += 1;
            statements += plumb_sql::parse(&up.text).statements.len();
            let applied = ddl.apply_sql(&up.text);
            for s in applied.skipped {
                *skipped.entry(s.form.to_owned()).or_default() += 1;
            }
        }
        // Every up script, whether or not PostgreSQL 15 took it: the forms the interpreter skips.
        let mut all = Catalog::default();
        let mut all_skipped: BTreeMap<String, usize> = BTreeMap::new();
        let (mut all_scripts, mut all_statements) = (0, 0);
        for m in &set.migrations {
            let Some(up) = &m.up else { continue };
            all_scripts += 1;
            all_statements += plumb_sql::parse(&up.text).statements.len();
            for s in all.apply_sql(&up.text).skipped {
                *all_skipped.entry(s.form.to_owned()).or_default() += 1;
            }
        }
        println!("## {name}\n");
        println!(
            "Interpreted without a database: all {all_scripts} up scripts, {all_statements} statements; skipped forms: {}.\n",
            if all_skipped.is_empty() {
                "none".to_owned()
            } else {
                all_skipped.iter().map(|(f, n)| format!("{f} ×{n}")).collect::<Vec<_>>().join(", ")
            }
        );
        println!("Applied to PostgreSQL 15: {scripts} up scripts, {statements} statements.");
        if let Some(f) = &failed {
            println!("Stopped: PostgreSQL 15 rejected {f}\n");
        }
        let live = plumb_pg::block_on(async {
            let s = plumb_pg::Session::connect(&plumb_pg::ConnectOptions::new(&db.url())).await?;
            plumb_pg::load_catalog(&s).await
        })
        .expect("runtime")
        .expect("introspect");
        let diff = ddl.without_live_data().diff(&live.without_live_data());
        println!(
            "\nLive catalog: {} tables, {} indexes, {} sequences, {} functions. Differences (DDL → live): {}\n",
            live.tables.len(),
            live.indexes.len(),
            live.sequences.len(),
            live.functions.len(),
            diff.len()
        );
        for d in diff.iter().take(40) {
            println!("- `{d}`");
        }
        if diff.len() > 40 {
            println!("- ... {} more", diff.len() - 40);
        }
        if !skipped.is_empty() {
            println!(
                "\nStatement forms not modelled (reported as `unmodelled-statement` findings):\n"
            );
            for (form, n) in &skipped {
                println!("- {form}: {n}");
            }
        }
        println!();
    }
}
