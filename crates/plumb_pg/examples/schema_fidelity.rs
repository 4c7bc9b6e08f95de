//! Catalog fidelity on real schemas (a benchmark-style check, not a test: the schemas are public
//! projects', kept outside the repository; `bench/real_schemas.sh` assembles them). For each SQL
//! script: loads it into a fresh database with psql (as the project does, errors included),
//! interprets the same text with plumb, and lists the differences between the two catalogs, the
//! statements plumb does not model, and those it says PostgreSQL refuses. Then the DBML round
//! trip: the catalog written as DBML (`plumb schema docs --format dbml`), turned back into DDL
//! (`plumb schema import`), loaded into another fresh database, and compared again.
//!
//! `cargo run --release -p plumb_pg --example schema_fidelity -- /tmp/plumb-real/*.sql`

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use plumb_catalog::Catalog;
use plumb_test_support::TestDb;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: schema_fidelity FILE.sql ...");
        std::process::exit(2);
    }
    for file in files {
        let name = Path::new(&file)
            .file_stem()
            .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
        let text = std::fs::read_to_string(&file).expect("read the script");
        let Some(db) = TestDb::fresh("plumb_real") else {
            eprintln!("no PostgreSQL");
            std::process::exit(2);
        };
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=0",
                "-d",
                &db.url(),
                "-f",
                &file,
            ])
            .output()
            .expect("run psql");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR:")).collect();

        let started = Instant::now();
        let mut ddl = Catalog::default();
        let applied = ddl.apply_sql(&plumb_sql::blank_psql_meta(&text));
        let interpret = started.elapsed();
        let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
        let mut refused = Vec::new();
        for s in &applied.skipped {
            match &s.already_exists {
                Some(why) => refused.push((line_of(&text, s.start), why.clone())),
                None => *forms.entry(s.form).or_default() += 1,
            }
        }
        let started = Instant::now();
        let full = plumb_test_support::live_catalog_full(&db.url()).expect("introspect");
        let live = full.without_live_data();
        let introspect = started.elapsed();
        let diff = ddl.without_live_data().diff(&live.without_live_data());

        println!("### {name}\n");
        println!(
            "{} bytes, {} statements ({} that do not parse). plumb interpreted it in {} ms; the live catalog was read in {} ms.\n",
            text.len(),
            applied.statements,
            applied.errors.len(),
            interpret.as_millis(),
            introspect.as_millis()
        );
        println!(
            "Live catalog: {} schemas, {} tables ({} partitions), {} indexes, {} views, {} sequences, {} functions, {} types, {} extensions.\n",
            live.schemas.len(),
            live.tables.len(),
            live.tables.values().filter(|t| t.partition_of.is_some()).count(),
            live.indexes.len(),
            live.views.len(),
            live.sequences.len(),
            live.functions.len(),
            live.enums.len() + live.domains.len() + live.composite_types.len(),
            live.extensions.len()
        );
        println!("psql errors while loading: {}", errors.len());
        for e in errors.iter().take(10) {
            println!("- `{}`", e.trim());
        }
        println!(
            "\nStatements plumb says PostgreSQL refuses (object-already-exists): {}",
            refused.len()
        );
        for (line, why) in refused.iter().take(10) {
            println!("- line {line}: {why}");
        }
        println!("\nDifferences (file → live): {}", diff.len());
        for d in diff.iter().take(60) {
            println!("- `{d}`");
        }
        if diff.len() > 60 {
            println!("- ... {} more", diff.len() - 60);
        }
        println!("\nStatement forms not modelled:");
        for (form, n) in &forms {
            println!("- {form}: {n}");
        }
        dbml_round_trip(&full);
        println!();
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// DBML written from the live catalog, imported back to DDL and loaded: what PostgreSQL then
/// holds against the original, on what the DBML carries (tables, columns, keys, indexes, checks,
/// references, and through its Project note collations, text search configurations and views);
/// owners, grants, triggers, policies and sequences' own settings are not carried and are left
/// out of the comparison.
fn dbml_round_trip(original: &Catalog) {
    let dbml = plumb_report::schema_docs::render_dbml(original);
    let ddl = match plumb_dbml::to_ddl(&dbml) {
        Ok(d) => d,
        Err(e) => {
            println!("\nDBML round trip: the import refused the exported DBML: {e}");
            return;
        }
    };
    let Some(db) = TestDb::fresh("plumb_real_dbml") else {
        return;
    };
    let path = std::env::temp_dir().join("plumb-dbml-round-trip.sql");
    std::fs::write(&path, &ddl).expect("write DDL");
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", &db.url(), "-f"])
        .arg(&path)
        .output()
        .expect("run psql");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR:")).collect();
    let back = plumb_test_support::live_catalog(&db.url()).expect("introspect");
    let diff = dbml_shape(&original.without_live_data()).diff(&dbml_shape(&back));
    println!(
        "\nDBML round trip: {} bytes of DBML, {} errors loading the imported DDL, {} differences on tables, columns, keys, indexes, checks, references and views",
        dbml.len(),
        errors.len(),
        diff.len()
    );
    for e in errors.iter().take(10) {
        println!("- `{}`", e.trim());
    }
    for d in diff.iter().take(40) {
        println!("- `{d}`");
    }
    if diff.len() > 40 {
        println!("- ... {} more", diff.len() - 40);
    }
}

/// The part of a catalog DBML describes.
fn dbml_shape(c: &Catalog) -> Catalog {
    let mut out = Catalog {
        tables: c.tables.clone(),
        indexes: c.indexes.clone(),
        views: c.views.clone(),
        collations: c.collations.clone(),
        text_search_configs: c.text_search_configs.clone(),
        enums: c.enums.clone(),
        schemas: c.schemas.clone(),
        extensions: c.extensions.clone(),
        ..Catalog::default()
    };
    let names: Vec<_> = out.tables.keys().cloned().collect();
    for n in names {
        if let Some(t) = out.table_mut(&n) {
            t.triggers.clear();
            t.policies.clear();
            t.rls_enabled = false;
            t.rls_forced = false;
            t.owner = None;
            // Partitioning is not DBML's: partitions come back as tables of their own.
            t.partition_of = None;
            t.partition_key.clear();
            t.kind = plumb_catalog::TableKind::Regular;
            for k in &mut t.constraints {
                k.inherited = false;
            }
        }
    }
    let idx: Vec<_> = out.indexes.keys().cloned().collect();
    for n in idx {
        if let Some(i) = out.indexes.get_mut(&n) {
            std::sync::Arc::make_mut(i).parent = None;
        }
    }
    out
}
