//! `plumb workload` end to end on generated logs with ground truth (tests/data/workload): the
//! same workload in stderr, csvlog, jsonlog and gzip gives the same JSON; partial results merge
//! into the whole; bad input gets a one-line error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/workload")
        .join(name)
}

fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .output()
        .expect("run plumb")
}

fn json_of(path: &Path) -> Value {
    let o = plumb(&["workload", path.to_str().expect("path"), "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn without_inputs(mut v: Value) -> Value {
    v["summary"]
        .as_object_mut()
        .expect("summary")
        .remove("inputs");
    v
}

#[test]
fn every_format_gives_the_same_result_and_the_truth() {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(data("same.truth.json")).expect("truth"))
            .expect("truth JSON");
    let stderr = json_of(&data("same.log"));
    assert_eq!(stderr["version"], 1);
    assert_eq!(stderr["summary"]["statements"], truth["statements"]);
    assert_eq!(stderr["summary"]["errors"], truth["errors"]);
    assert_eq!(stderr["summary"]["sessions"], truth["sessions_opened"]);
    assert_eq!(stderr["summary"]["first"], "2025-03-03 08:00:00.000");
    assert_eq!(stderr["lock_waits"][0]["waits"], truth["lock_waits"]);
    assert_eq!(stderr["temp_files"][0]["count"], truth["temp_files"]);
    // The generator's one N+1 burst, found with its parent, and nothing else.
    let n1 = stderr["n_plus_one"].as_array().expect("n_plus_one");
    assert_eq!(n1.len(), 1, "{n1:?}");
    assert_eq!(n1[0]["bursts"], truth["nplus1_bursts"]);
    assert_eq!(n1[0]["statements"], truth["nplus1_child_statements"]);
    assert!(n1[0]["parent_query"]
        .as_str()
        .expect("parent")
        .starts_with("SELECT id FROM orders WHERE customer_id = $1"));
    assert!(n1[0]["fix"].as_str().expect("fix").contains("= ANY($1)"));
    // Per-template counts: every query of a template is one fingerprint.
    let calls = |needle: &str| -> u64 {
        stderr["queries"]
            .as_array()
            .expect("queries")
            .iter()
            .filter(|q| q["query"].as_str().expect("query").contains(needle))
            .map(|q| q["calls"].as_u64().expect("calls"))
            .sum()
    };
    assert_eq!(
        calls(r#"WHERE "users"."id" = $1"#),
        truth["by_template"]["user_by_id"]
    );
    assert_eq!(
        calls("UPDATE cart_items SET quantity"),
        truth["by_template"]["cart_update"]
    );
    // The SQLSTATEs: from the csvlog/jsonlog columns, from the wording in stderr.
    let codes: Vec<&str> = stderr["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["sqlstate"].as_str().expect("sqlstate"))
        .collect();
    assert!(
        codes.iter().all(|c| ["23505", "42703"].contains(c)),
        "{codes:?}"
    );
    // Query rules on every query, severity by the query's share of time: the generator's
    // product search (ILIKE '%word%') takes several percent of it.
    let findings: Vec<(&str, &str)> = stderr["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["severity"].as_str().expect("severity"),
            )
        })
        .collect();
    assert!(
        findings.contains(&("leading-wildcard-like", "medium")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|(r, _)| *r == "offset-pagination"),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|(r, _)| *r == "function-on-filtered-column"),
        "{findings:?}"
    );
    let base = without_inputs(stderr);
    for other in ["same.csv", "same.json", "same.log.gz"] {
        let v = json_of(&data(other));
        assert_eq!(
            without_inputs(v),
            base,
            "{other} gives another result than same.log"
        );
    }
}

#[test]
fn halves_merge_into_the_whole() {
    let text = std::fs::read_to_string(data("same.log")).expect("log");
    // Cut at a message boundary in the middle.
    let mid = text.len() / 2;
    let cut = mid + text[mid..].find("\n2025-").expect("a message start") + 1;
    let dir = std::env::temp_dir().join(format!("plumb-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let (a, b) = (dir.join("a.log"), dir.join("b.log"));
    std::fs::write(&a, &text[..cut]).expect("a");
    std::fs::write(&b, &text[cut..]).expect("b");
    let (ja, jb) = (dir.join("a.json"), dir.join("b.json"));
    for (log, out) in [(&a, &ja), (&b, &jb)] {
        let o = plumb(&[
            "workload",
            log.to_str().expect("path"),
            "--format",
            "json",
            "-o",
            out.to_str().expect("path"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = plumb(&[
        "workload",
        "merge",
        ja.to_str().expect("path"),
        jb.to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let merged: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let whole = json_of(&data("same.log"));
    assert_eq!(
        merged["summary"]["statements"],
        whole["summary"]["statements"]
    );
    assert_eq!(merged["summary"]["first"], whole["summary"]["first"]);
    assert_eq!(merged["summary"]["last"], whole["summary"]["last"]);
    let by_fp = |v: &Value| -> std::collections::BTreeMap<String, (u64, String, String)> {
        v["queries"]
            .as_array()
            .expect("queries")
            .iter()
            .map(|q| {
                (
                    q["fingerprint"].as_str().expect("fp").to_owned(),
                    (
                        q["calls"].as_u64().expect("calls"),
                        format!("{:.6}", q["total_ms"].as_f64().expect("total")),
                        // Quantiles from merged sketches equal the whole's exactly.
                        format!("{}/{}", q["p50_ms"], q["p99_ms"]),
                    ),
                )
            })
            .collect()
    };
    assert_eq!(by_fp(&merged), by_fp(&whole));
    // Sums in another order: equal to the microsecond the log gives.
    let buckets = |v: &Value| -> Vec<(u64, String)> {
        v["buckets"]
            .as_array()
            .expect("buckets")
            .iter()
            .map(|b| {
                (
                    b["statements"].as_u64().expect("n"),
                    format!("{:.3}", b["total_ms"].as_f64().expect("ms")),
                )
            })
            .collect()
    };
    assert_eq!(buckets(&merged), buckets(&whole));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn standard_input_and_text_output() {
    let log = std::fs::read(data("same.log.gz")).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["workload", "-", "--top", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&log)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.starts_with("plumb workload: 608 statements"), "{text}");
    assert!(text.contains("Top 3 queries by total time"), "{text}");
    assert!(text.contains("N+1 loops (1)"), "{text}");
    assert!(text.contains("23505"), "{text}");
    // Piped: no progress bar on stderr.
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = std::env::temp_dir().join(format!("plumb-badlog-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("empty")).expect("tmp");
    let binary = dir.join("core.bin");
    std::fs::write(&binary, [0u8, 1, 2, 0, 255, 0]).expect("bin");
    let prose = dir.join("notes.txt");
    std::fs::write(&prose, "hello\nworld\n").expect("txt");
    let json = dir.join("other.json");
    std::fs::write(&json, "{\"a\": 1}").expect("json");
    let cases: [(Vec<String>, &str); 6] = [
        (
            vec![
                "workload".into(),
                dir.join("nope.log").display().to_string(),
            ],
            "nope.log",
        ),
        (
            vec!["workload".into(), binary.display().to_string()],
            "binary file",
        ),
        (
            vec!["workload".into(), prose.display().to_string()],
            "pass --prefix",
        ),
        (
            vec!["workload".into(), dir.join("empty").display().to_string()],
            "holds no files",
        ),
        (
            vec![
                "workload".into(),
                "merge".into(),
                json.display().to_string(),
            ],
            "plumb workload --format json",
        ),
        (
            vec![
                "workload".into(),
                data("same.log").display().to_string(),
                "--since".into(),
                "yesterday".into(),
            ],
            "--since `yesterday`",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = plumb(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_html_report_is_one_page_that_needs_nothing_else() {
    let o = plumb(&[
        "workload",
        data("same.log").to_str().expect("path"),
        "--format",
        "html",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = String::from_utf8(o.stdout).expect("utf-8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // Charts inline, nothing fetched: no scripts, stylesheets, images or fonts from elsewhere.
    assert_eq!(html.matches("<svg").count(), 1, "time per minute");
    assert!(html.contains("Top queries by total time"));
    assert!(html.contains("Duration distribution"));
    assert!(html.contains("N+1 loops"));
    for forbidden in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden} in the report");
    }
    // Values from the log are escaped.
    assert!(
        html.contains("ILIKE &#39;%"),
        "the product search example, escaped"
    );
    assert!(!html.contains("ILIKE '%"));
}

#[test]
fn a_time_range_keeps_what_falls_in_it() {
    let path = data("same.log");
    let path = path.to_str().expect("path");
    let whole = json_of(&data("same.log"));
    let count = |args: &[&str]| -> (u64, String, String) {
        let mut all = vec!["workload", path, "--format", "json"];
        all.extend_from_slice(args);
        let o = plumb(&all);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        (
            v["summary"]["statements"].as_u64().expect("n"),
            v["summary"]["first"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            v["summary"]["last"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let (before, _, last) = count(&["--until", "2025-03-03 08:00:03"]);
    let (after, first, _) = count(&["--since", "2025-03-03 08:00:03"]);
    assert!(before > 0 && after > 0);
    assert_eq!(
        before + after,
        whole["summary"]["statements"].as_u64().expect("n")
    );
    assert!(last.as_str() < "2025-03-03 08:00:03" && first.as_str() >= "2025-03-03 08:00:03");
}
