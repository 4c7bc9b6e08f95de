//! Arbitrary text as a stderr log, and arbitrary settings as `log_line_prefix`: detection,
//! matching, entries and per-fingerprint statistics never panic, and every statement counted
//! is either fingerprinted or counted as unparsed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line is tried as a setting too.
    let first = text.lines().next().unwrap_or_default();
    let prefixes = [
        plumb_workload::Prefix::detect(text.lines()),
        plumb_workload::Prefix::parse(first).ok(),
    ];
    for prefix in prefixes.into_iter().flatten() {
        let mut w = plumb_workload::Workload::default();
        for e in plumb_workload::Entries::new(text, &prefix) {
            w.add(&e);
        }
        let counted: u64 = w.queries.values().map(|q| q.calls).sum();
        assert_eq!(counted + w.unparsed, w.statements);
    }
});
