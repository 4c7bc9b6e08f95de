//! Arbitrary bytes as a log in any format, and the first line as a `log_line_prefix`:
//! detection, chunking, records and per-fingerprint statistics never panic; every statement
//! counted is either fingerprinted or counted as unparsed; chunks cut where the format says
//! a message ends give the same records as the whole text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plumb_workload::input::Format;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let first = text.lines().next().unwrap_or_default();
    let given = plumb_workload::Prefix::parse(first).ok();
    for prefix in [None, given.as_ref()] {
        let Ok(format) = Format::detect(&text, prefix) else { continue };
        let mut w = plumb_workload::Workload::default();
        let whole: Vec<_> = format.records(&text).collect();
        for r in whole.iter().cloned() {
            w.read(r);
        }
        w.finish();
        let counted: u64 = w.queries.values().map(|q| q.calls).sum();
        assert_eq!(counted + w.unparsed, w.statements);
        let cut = format.complete_prefix(text.as_bytes());
        if cut > 0 && text.is_char_boundary(cut) {
            let (a, b) = text.split_at(cut);
            let parts = format.records(a).count() + format.records(b).count();
            assert_eq!(parts, whole.len(), "cut at {cut}");
        }
    }
});
