//! Times each introspection query on its own (a profiling aid for the catalog-load benchmark).
//!
//! `cargo run --release -p plumb_pg --example query_times -- "host=127.0.0.1 user=postgres dbname=..."`

fn main() {
    let url = std::env::args().nth(1).unwrap_or_default();
    plumb_pg::block_on(async {
        let s = plumb_pg::Session::connect(&plumb_pg::ConnectOptions::new(&url))
            .await
            .expect("connect");
        let explain = std::env::args().nth(2);
        if explain.as_deref() == Some("load") {
            for _ in 0..5 {
                let t = std::time::Instant::now();
                let c = plumb_pg::load_catalog(&s).await.expect("load");
                println!(
                    "load_catalog: {:.1} ms, {} tables",
                    t.elapsed().as_secs_f64() * 1000.0,
                    c.tables.len()
                );
            }
            return;
        }
        for (what, sql) in plumb_pg::queries() {
            if let Some(e) = &explain {
                if what.contains(e.as_str()) {
                    let plan = s
                        .client()
                        .query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}").as_str(), &[])
                        .await
                        .expect("explain");
                    for r in plan {
                        println!("{}", r.get::<_, String>(0));
                    }
                }
                continue;
            }
            let t = std::time::Instant::now();
            let rows = s.client().query(sql.as_str(), &[]).await.expect("query");
            println!(
                "{:>8.1} ms  {:>6} rows  {what}",
                t.elapsed().as_secs_f64() * 1000.0,
                rows.len()
            );
        }
    })
    .expect("runtime");
}
