//! A log written by ../shared/bench/gen_pglog.py (`--size-mb 0.1 --seed 3`), whose ground
//! truth the generator printed: 218 executed statements, 54 of the `user_by_id` template,
//! 11 `session_touch` and 11 `cart_update`, in simple and extended protocol mixed.

use std::path::PathBuf;
use std::sync::Arc;

use plumb_workload::read::{expand, read_all, Options, Progress};

#[test]
fn counts_match_the_generators_ground_truth() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/generated-small.log"
    ));
    let sources = expand(&[path], None).expect("input");
    let w = read_all(
        &sources,
        &Options::default(),
        &Arc::new(Progress::default()),
    )
    .expect("read");
    assert_eq!(
        w.inputs[0].format,
        "stderr, log_line_prefix '%t [%p]: user=%u,db=%d,app=%a,client=%h '"
    );
    assert_eq!(w.inputs[0].unreadable, 0);
    assert_eq!((w.statements, w.unparsed), (218, 0));
    let calls = |needle: &str| -> u64 {
        w.queries
            .values()
            .filter(|q| q.query.contains(needle))
            .map(|q| q.calls)
            .sum()
    };
    assert_eq!(calls(r#"WHERE "users"."id" = $1"#), 54);
    assert_eq!(calls("UPDATE sessions SET last_seen_at"), 11);
    assert_eq!(calls("UPDATE cart_items SET quantity"), 11);
    // One fingerprint per template, whatever the protocol, constants or comments.
    let by_id: Vec<_> = w
        .queries
        .values()
        .filter(|q| q.query.contains(r#"WHERE "users"."id" = $1"#))
        .collect();
    assert_eq!(by_id.len(), 1);
    // An extended-protocol example carries the parameters of that execution.
    let extended = w
        .queries
        .values()
        .find(|q| q.example.contains("$1") && q.calls > 3)
        .expect("an extended-protocol query");
    let params = extended
        .example_parameters
        .as_deref()
        .expect("its example's parameters");
    assert!(params.starts_with("$1 = '"), "{params}");
}
