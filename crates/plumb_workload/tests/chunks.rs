//! A log cut where its format says a message ends reads as the same records as the whole
//! log, even when it is malformed (inputs found by the workload fuzz target).

use plumb_workload::input::Format;

#[test]
fn cuts_at_message_ends_keep_every_record() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz cases") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let Ok(format) = Format::detect(&text, None) else {
            continue;
        };
        let whole = format.records(&text).count();
        // Every cut the chunker could make, not only the last one.
        let mut cuts = Vec::new();
        let mut end = text.len();
        while end > 0 {
            let cut = format.complete_prefix(&text.as_bytes()[..end]);
            if cut == 0 || !text.is_char_boundary(cut) {
                break;
            }
            cuts.push(cut);
            end = cut - 1;
        }
        for cut in cuts {
            let (a, b) = text.split_at(cut);
            assert_eq!(
                format.records(a).count() + format.records(b).count(),
                whole,
                "{}: cut at {cut}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
