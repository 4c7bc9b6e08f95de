//! Counts the entries of a stderr log by severity and message kind (a check of the parser on
//! big or real logs): `cargo run --release -p plumb_workload --example entries -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: entries FILE");
    let text = std::fs::read_to_string(&path).expect("read");
    let prefix =
        plumb_workload::Prefix::detect(text.lines().take(200)).expect("no prefix detected");
    let mut entries = plumb_workload::Entries::new(&text, &prefix);
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for e in entries.by_ref() {
        let kind = e
            .message
            .split(':')
            .next()
            .unwrap_or_default()
            .chars()
            .take(24)
            .collect::<String>();
        *counts
            .entry(format!("{} {}", e.severity, kind))
            .or_default() += 1;
    }
    println!("prefix: {prefix}\norphan lines: {}", entries.orphan_lines);
    for (k, n) in counts {
        println!("{n:8} {k}");
    }
}
