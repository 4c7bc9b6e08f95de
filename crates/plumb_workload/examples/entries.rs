//! Reads logs (files, folders, gzip) with the library alone and prints what it counted: a
//! check of the reader on big or real logs, with its time:
//! `cargo run --release -p plumb_workload --example entries -- FILE... [--threads N]`.
use std::sync::Arc;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = plumb_workload::read::Options::default();
    if let Some(i) = args.iter().position(|a| a == "--threads") {
        options.threads = args[i + 1].parse().expect("--threads N");
        args.drain(i..=i + 1);
    }
    let paths: Vec<std::path::PathBuf> = args.iter().map(Into::into).collect();
    let sources = plumb_workload::read::expand(&paths, None).expect("inputs");
    let progress = Arc::new(plumb_workload::read::Progress::default());
    let started = std::time::Instant::now();
    let w = plumb_workload::read::read_all(&sources, &options, &progress).expect("read");
    println!(
        "statements: {} ({} unparsed), {:.1} ms in all, {} fingerprints, {} sessions, {} errors, {} N+1 patterns ({} bursts), read in {:?}",
        w.statements,
        w.unparsed,
        w.total_ms,
        w.queries.len(),
        w.sessions,
        w.errors.values().map(|e| e.count).sum::<u64>(),
        w.n_plus_one.len(),
        w.n_plus_one.values().map(|p| p.bursts).sum::<u64>(),
        started.elapsed()
    );
    for i in &w.inputs {
        println!(
            "input {} ({}): {} records, {} unreadable",
            i.name, i.format, i.records, i.unreadable
        );
    }
    let mut top: Vec<&plumb_workload::QueryStats> = w.queries.values().collect();
    top.sort_by_key(|q| std::cmp::Reverse(q.calls));
    for q in top.iter().take(25) {
        println!(
            "{:8} calls {:10.1} ms p95 {:8.2}  {}",
            q.calls,
            q.total_ms,
            q.p95_ms.unwrap_or_default(),
            q.query.chars().take(90).collect::<String>()
        );
    }
    for p in w.n_plus_one.values() {
        println!(
            "N+1 {} {:5} bursts {:7} statements max {:4} share {:?} parent {:?} child {}",
            if p.reported { "REPORTED" } else { "candidate" },
            p.bursts,
            p.statements,
            p.max_burst,
            p.parent_share,
            p.parent_query
                .as_deref()
                .map(|q| q.chars().take(50).collect::<String>()),
            p.child_query.chars().take(70).collect::<String>()
        );
    }
    for r in w.repeated.values() {
        println!(
            "repeated {:5} bursts {:7} statements  {}",
            r.bursts,
            r.statements,
            r.query.chars().take(70).collect::<String>()
        );
    }
}
