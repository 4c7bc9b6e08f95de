//! Counts the entries of a stderr log by severity and message kind, and the statements per
//! fingerprint (a check of the parser on big or real logs):
//! `cargo run --release -p plumb_workload --example entries -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: entries FILE");
    let text = std::fs::read_to_string(&path).expect("read");
    let prefix =
        plumb_workload::Prefix::detect(text.lines().take(200)).expect("no prefix detected");
    let mut entries = plumb_workload::Entries::new(&text, &prefix);
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut workload = plumb_workload::Workload::default();
    let started = std::time::Instant::now();
    for e in entries.by_ref() {
        workload.add(&e);
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
    println!(
        "prefix: {prefix}\norphan lines: {}\nstatements: {} ({} unparsed), {:.1} ms in all, {} fingerprints, read in {:?}",
        entries.orphan_lines,
        workload.statements,
        workload.unparsed,
        workload.total_ms,
        workload.queries.len(),
        started.elapsed()
    );
    let mut top: Vec<&plumb_workload::QueryStats> = workload.queries.values().collect();
    top.sort_by_key(|q| std::cmp::Reverse(q.calls));
    for q in top.iter().take(25) {
        println!(
            "{:8} calls {:10.1} ms p95 {:8.2}  {}",
            q.calls,
            q.total_ms,
            q.quantile_ms(0.95).unwrap_or_default(),
            q.query.chars().take(90).collect::<String>()
        );
    }
    for (k, n) in counts {
        println!("{n:8} {k}");
    }
}
