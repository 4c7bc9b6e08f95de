//! One snapshot per format, and SARIF validated against the OASIS 2.1.0 schema.

use std::collections::BTreeMap;

use plumb_diagnostics::{
    Applicability, Family, Finding, Fix, Inputs, LineCol, Location, Placement, RuleMeta, Severity,
};

use crate::{render, Format, Report};

const RULE: RuleMeta = RuleMeta {
    code: "PL101",
    name: "create-index-non-concurrently",
    family: Family::Index,
    severity: Severity::High,
    summary: "CREATE INDEX without CONCURRENTLY blocks writes",
    docs: "## What it does\nFlags it.\n",
    min_pg: None,
    max_pg: None,
    inputs: Inputs::SqlAndCatalog,
};

fn sample() -> (Vec<Finding>, BTreeMap<String, String>) {
    let src =
        "SET lock_timeout = '5s';\nCREATE INDEX orders_user_idx ON orders (user_id);\n".to_owned();
    let f = Finding {
        location: Location::Span {
            file: "migrations/0002_idx.sql".into(),
            start_byte: 25,
            end_byte: 74,
            start: LineCol { line: 2, column: 1 },
            end: LineCol {
                line: 2,
                column: 49,
            },
        },
        rule: RULE.name,
        severity: Severity::High,
        message: "CREATE INDEX on existing table orders blocks writes until the index is built"
            .into(),
        help: "Build the index with CREATE INDEX CONCURRENTLY, outside a transaction block".into(),
        lock: Some("SHARE on public.orders".into()),
        notes: vec!["SHARE blocks INSERT, UPDATE and DELETE".into()],
        fix: Some(Box::new(Fix {
            title: "build the index concurrently".into(),
            sql: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);"
                .into(),
            rollback: Some("DROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;".into()),
            applicability: Applicability::Unsafe,
            placement: Placement::Replace,
            edits: Vec::new(),
        })),
        label: None,
        irreversible: None,
        defined_at: None,
    };
    let g = Finding {
        location: Location::Object {
            object_kind: "table".into(),
            schema: "public".into(),
            name: "orders".into(),
            column: None,
        },
        rule: RULE.name,
        severity: Severity::Low,
        message: "a, b: c".into(),
        help: String::new(),
        lock: None,
        notes: Vec::new(),
        fix: None,
        label: Some("down".into()),
        irreversible: Some("the rows are deleted".into()),
        defined_at: Some(Box::new(Location::Span {
            file: "migrations/0001_orders.sql".into(),
            start_byte: 0,
            end_byte: 20,
            start: LineCol { line: 3, column: 1 },
            end: LineCol {
                line: 3,
                column: 20,
            },
        })),
    };
    let mut sources = BTreeMap::new();
    sources.insert("migrations/0002_idx.sql".to_owned(), src);
    (vec![f, g], sources)
}

fn rendered(format: Format) -> String {
    let (findings, sources) = sample();
    let rules = [&RULE];
    let report = Report {
        findings: &findings,
        files: 1,
        statements: 2,
        sources: &sources,
        rules: &rules,
        subject: None,
    };
    render(format, &report, false)
}

#[test]
fn text() {
    insta::assert_snapshot!(rendered(Format::Text));
}

#[test]
fn json() {
    let out = rendered(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["findings_by_severity"]["high"], 1);
    insta::assert_snapshot!(out);
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(Format::Github));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(rendered(Format::Markdown));
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let out = rendered(Format::Sarif);
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../tests/data/sarif-schema-2.1.0.json")).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&out).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema must be able to fail: a wrong version is rejected.
    let mut bad = instance.clone();
    bad["version"] = serde_json::json!("2.0");
    assert!(!validator.is_valid(&bad));
    insta::assert_snapshot!(out);
}

#[test]
fn long_lines_are_abridged_around_the_caret() {
    // A 2,000-character line with the finding at the word `BAD` near its end.
    let mut src = "SELECT ".to_owned();
    src.push_str(&"x, ".repeat(600));
    let at = src.len();
    src.push_str("BAD FROM t;");
    let column = u32::try_from(at + 1).unwrap();
    let f = Finding {
        location: Location::Span {
            file: "long.sql".into(),
            start_byte: at,
            end_byte: at + 3,
            start: LineCol { line: 1, column },
            end: LineCol {
                line: 1,
                column: column + 2,
            },
        },
        ..Finding::new(&RULE, Location::Global, "bad")
    };
    let sources: BTreeMap<String, String> = [("long.sql".to_owned(), src)].into();
    let rules = [&RULE];
    let report = Report {
        findings: std::slice::from_ref(&f),
        files: 1,
        statements: 1,
        sources: &sources,
        rules: &rules,
        subject: None,
    };
    let out = render(Format::Text, &report, false);
    let lines: Vec<&str> = out.lines().collect();
    let code = lines.iter().find(|l| l.starts_with("1 |")).unwrap();
    let caret = lines.iter().find(|l| l.contains('^')).unwrap();
    assert!(code.chars().count() < 200, "{code}");
    assert!(code.contains('…'));
    // The carets sit under `BAD`.
    let pos = caret.find('^').unwrap();
    let under: String = code
        .chars()
        .skip(caret[..pos].chars().count())
        .take(3)
        .collect();
    assert_eq!(under, "BAD", "{code}\n{caret}");
    assert_eq!(caret.matches('^').count(), 3);
}
