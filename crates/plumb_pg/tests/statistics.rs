//! What a live catalog says of how tables are used: the counters the review rules weigh
//! findings by (rows inserted, updated and deleted since the statistics reset).

use plumb_catalog::QualifiedName;
use plumb_test_support::TestDb;

#[test]
fn row_change_counters_are_read() {
    let Some(db) = TestDb::fresh("plumb_stats") else {
        return;
    };
    let mut client = db.connect();
    client
        .batch_execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, note text);
             CREATE TABLE quiet (id int PRIMARY KEY);
             INSERT INTO accounts SELECT g, 'x' FROM generate_series(1, 5) g;
             INSERT INTO quiet VALUES (1);
             UPDATE accounts SET note = 'y' WHERE id <= 2;
             DELETE FROM accounts WHERE id = 5;",
        )
        .expect("setup");
    // Counters reach the shared statistics when the session reports them; make it now.
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .expect("flush");
    client.batch_execute("SELECT 1").expect("report");
    let catalog = plumb_test_support::live_catalog_full(&db.url()).expect("introspect");
    let stats = |t: &str| {
        let t = catalog
            .table(&QualifiedName::new(None, t))
            .unwrap_or_else(|| panic!("{t}"));
        let s = t.stats.as_ref().expect("live statistics");
        (s.n_tup_ins, s.n_tup_upd, s.n_tup_del)
    };
    assert_eq!(stats("accounts"), (Some(5), Some(2), Some(1)));
    assert_eq!(stats("quiet"), (Some(1), Some(0), Some(0)));
}
