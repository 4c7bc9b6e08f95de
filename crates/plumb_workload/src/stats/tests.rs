use super::*;
use crate::input::Format;
use crate::prefix::Prefix;

const LOG: &str = "\
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 2.000 ms  statement: SELECT * FROM users WHERE id = 1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 0.010 ms  parse <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 0.010 ms  bind <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 DETAIL:  parameters: $1 = '7'
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 LOG:  duration: 4.000 ms  execute <unnamed>: SELECT * FROM users WHERE id = $1
2025-03-03 08:00:00 UTC [1]: user=app,db=shop,app=puma,client=10.0.0.1 DETAIL:  parameters: $1 = '7'
2025-03-03 08:00:01 UTC [2]: user=etl,db=shop,app=cron,client=10.0.0.2 LOG:  statement: SELECT count(*)
\tFROM users
2025-03-03 08:00:01 UTC [3]: user=web,db=shop,app=puma,client=10.0.0.3 LOG:  duration: 1.000 ms  statement: SELEC oops
2025-03-03 08:00:01 UTC [3]: user=web,db=shop,app=puma,client=10.0.0.3 ERROR:  syntax error at or near \"SELEC\" at character 1
2025-03-03 08:00:01 UTC [3]: user=web,db=shop,app=puma,client=10.0.0.3 STATEMENT:  SELEC oops
2025-03-03 08:00:02 UTC [2]: user=etl,db=shop,app=cron,client=10.0.0.2 LOG:  duration: 30.000 ms
2025-03-03 08:00:03 UTC [812]: user=,db=,app=,client= LOG:  checkpoint starting: time
2025-03-03 08:00:04 UTC [812]: user=,db=,app=,client= LOG:  checkpoint complete: wrote 10 buffers (0.1%); 0 WAL file(s) added, 0 removed, 0 recycled; write=1.000 s, sync=0.001 s, total=1.500 s; sync files=1, longest=0.001 s, average=0.001 s; distance=1 kB, estimate=1 kB
";

fn read(text: &str) -> Workload {
    let format = Format::Stderr(Prefix::detect(text.lines()).expect("prefix"));
    let mut w = Workload::default();
    for r in format.records(text) {
        w.read(r);
    }
    w.finish();
    w
}

#[test]
fn statements_group_by_fingerprint_whatever_the_protocol() {
    let w = read(LOG);
    assert_eq!(w.statements, 4);
    assert_eq!(w.unparsed, 1);
    // Parse and bind time counts in the totals (the server spent it), not as executions.
    assert!((w.total_ms - 37.02).abs() < 1e-9, "{}", w.total_ms);
    assert_eq!(w.queries.len(), 2);
    let by_id = w
        .queries
        .values()
        .find(|q| q.query.contains("WHERE id = $1"))
        .expect("users by id");
    assert_eq!(by_id.calls, 2);
    assert!((by_id.total_ms - 6.02).abs() < 1e-9);
    assert!((by_id.mean_ms - 3.01).abs() < 1e-9);
    assert!((by_id.max_ms - 4.0).abs() < 1e-9);
    let p50 = by_id.p50_ms.expect("quantile");
    assert!((1.98..=4.04).contains(&p50), "{p50}");
    assert_eq!(by_id.users.iter().collect::<Vec<_>>(), ["app"]);
    assert_eq!(by_id.first.as_deref(), Some("2025-03-03 08:00:00"));
    // The example is the first execution (simple protocol here): no parameters.
    assert_eq!(by_id.example, "SELECT * FROM users WHERE id = 1");
    assert_eq!(by_id.example_parameters, None);
    // log_statement + log_duration: the duration line completes the statement.
    let count = w
        .queries
        .values()
        .find(|q| q.query.contains("count(*)"))
        .expect("count");
    assert!((count.total_ms - 30.0).abs() < 1e-9);
    assert!((count.share - 30.0 / 37.02).abs() < 1e-9);
    // The error, its code from its wording (this log has no %e), its statement.
    let e = w.errors.values().next().expect("error");
    assert_eq!(e.sqlstate.as_deref(), Some("42601"));
    assert_eq!(e.message, "syntax error at or near \"SELEC\"");
    assert_eq!(e.example.as_deref(), Some("SELEC oops"));
    assert_eq!(w.checkpoints.completed, 1);
    assert_eq!(w.checkpoints.started.get("time"), Some(&1));
    assert_eq!(w.sessions, 3);
    assert_eq!(
        w.first.map(|t| t.to_string()).as_deref(),
        Some("2025-03-03 08:00:00")
    );
    assert_eq!(w.buckets.len(), 1);
    // Two halves of the log merge into the whole.
    let (a, b) = LOG.split_at(LOG.find("2025-03-03 08:00:01").expect("split"));
    let mut left = read(a);
    left.merge(read(b));
    assert_eq!(left.statements, w.statements);
    assert_eq!(left.queries[&by_id.fingerprint].calls, 2);
    assert_eq!(left.errors.len(), 1);
}

#[test]
fn auto_explain_plans_attach_to_their_query() {
    let log = "\
2025-03-03 08:00:00.000 UTC [1] LOG:  duration: 2.000 ms  statement: SELECT * FROM t WHERE a = 1
2025-03-03 08:00:00.100 UTC [1] LOG:  duration: 2.000 ms  plan:
\tQuery Text: SELECT * FROM t
\t  WHERE a = 1
\tSeq Scan on t  (cost=0.00..1.01 rows=1 width=4) (actual time=0.01..0.02 rows=1 loops=1)
\t  Filter: (a = 1)
";
    let w = read(log);
    assert_eq!(w.statements, 1);
    let q = w.queries.values().next().expect("query");
    let plan = q.plan.as_ref().expect("plan attached");
    assert!(plan.plan.contains("Seq Scan on t"), "{}", plan.plan);
}

#[test]
fn anonymized_examples_keep_no_values() {
    let mut w = read(LOG);
    w.anonymize();
    for q in w.queries.values() {
        assert!(!q.example.contains("= 1"), "{}", q.example);
        assert_eq!(q.example_parameters, None);
    }
    assert_eq!(
        anonymize_sql("SELEC 'secret', 42 FROM t2"),
        "SELEC ?, ? FROM t2"
    );
    assert_eq!(
        anonymize_message("invalid input syntax for type integer: \"abc\""),
        "invalid input syntax for type integer: \"?\""
    );
}
