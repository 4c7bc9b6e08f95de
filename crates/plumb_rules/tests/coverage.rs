//! A live review as a role without privileges says what it could not read (issue 8): a sequence
//! near its end that the role may not read is an `incomplete-review` finding, never a silent pass.

use plumb_catalog::QualifiedName;
use plumb_rules::Settings;
use plumb_test_support::TestDb;

/// Everything PostgreSQL tells the role, live facts included.
fn load(url: &str) -> plumb_catalog::Catalog {
    plumb_pg::block_on(async {
        let session = plumb_pg::Session::connect(&plumb_pg::ConnectOptions::new(url)).await?;
        plumb_pg::load_catalog(&session).await
    })
    .expect("runtime")
    .expect("introspect")
}

#[test]
fn an_unprivileged_role_is_told_what_it_could_not_read() {
    let Some(db) = TestDb::fresh("plumb_coverage_") else {
        return;
    };
    let mut owner = db.connect();
    owner
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE plumb_unprivileged LOGIN; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             CREATE TABLE orders (id serial PRIMARY KEY, note text);
             SELECT setval('orders_id_seq', 2000000000);
             CREATE SEQUENCE wide;",
        )
        .expect("setup");
    // As the owner: the position is read and sequence-exhaustion reports it.
    let full = load(&db.url());
    let seq = QualifiedName::new(None, "orders_id_seq");
    assert_eq!(
        full.sequences.get(&seq).and_then(|s| s.last_value),
        Some(2_000_000_000)
    );
    assert!(full
        .database
        .as_ref()
        .is_some_and(|d| d.unreadable.is_empty()));
    let rules = |c: &plumb_catalog::Catalog| -> Vec<&'static str> {
        plumb_rules::review(c, &Settings::default(), &[])
            .iter()
            .map(|f| f.rule)
            .collect()
    };
    let by_owner = rules(&full);
    assert!(by_owner.contains(&"sequence-exhaustion"), "{by_owner:?}");
    assert!(!by_owner.contains(&"incomplete-review"), "{by_owner:?}");

    // As a plain LOGIN role: the position is unreadable, and the review says so.
    let url = format!("{} user=plumb_unprivileged", db.url());
    let partial = load(&url);
    let unreadable = &partial
        .database
        .as_ref()
        .expect("database facts")
        .unreadable;
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].what, plumb_catalog::SEQUENCE_POSITIONS);
    assert_eq!(unreadable[0].objects, [seq]);
    let findings = plumb_rules::review(&partial, &Settings::default(), &[]);
    let incomplete: Vec<_> = findings
        .iter()
        .filter(|f| f.rule == "incomplete-review")
        .collect();
    assert_eq!(incomplete.len(), 1, "{findings:#?}");
    assert_eq!(
        incomplete[0].fix.as_ref().map(|f| f.sql.as_str()),
        Some("GRANT SELECT ON SEQUENCE orders_id_seq TO plumb_unprivileged;")
    );
    assert!(!findings.iter().any(|f| f.rule == "sequence-exhaustion"));
}
