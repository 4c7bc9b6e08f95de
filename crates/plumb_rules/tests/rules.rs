//! Rule tests: one fixture per rule, snapshot of its findings, and checks on every finding.
//!
//! A fixture `fixtures/<family>/<rule>.sql` is a sequence of migrations, each starting with a
//! `-- @migration` line; the first usually creates the tables that exist in production. A
//! `-- @layout <name>` line before the first migration picks the layout (default plain). Each
//! statement of the fixture may be preceded by a `-- fires` or `-- ok` comment line: the rule
//! must report a finding on every `fires` statement and none on an `ok` one.

use std::collections::BTreeMap;
use std::path::PathBuf;

mod common;

use common::{fixture_set, review_fixture};
use plumb_diagnostics::{Finding, Location};
use plumb_report::Report;
use plumb_rules::{lint, Settings, RULES};

fn fixture_path(family: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(family)
        .join(format!("{name}.sql"))
}

/// The marker (`fires` / `ok`) on the line just before byte `start`.
fn marker_before(text: &str, start: usize) -> Option<&'static str> {
    let before = text[..start].trim_end_matches([' ', '\t']);
    let before = before.strip_suffix('\n').unwrap_or(before);
    let line = before.rsplit('\n').next().unwrap_or("").trim();
    match line {
        "-- fires" => Some("fires"),
        "-- ok" => Some("ok"),
        _ => None,
    }
}

fn check_findings_parse(findings: &[Finding]) {
    for f in findings {
        if let Some(fix) = &f.fix {
            assert!(
                plumb_sql::parses(&fix.sql),
                "{}: fix does not parse:\n{}",
                f.rule,
                fix.sql
            );
            if let Some(r) = &fix.rollback {
                assert!(
                    plumb_sql::parses(r),
                    "{}: rollback does not parse:\n{r}",
                    f.rule
                );
            }
        }
        assert!(
            !f.message.is_empty() && !f.help.is_empty(),
            "{}: finding without message or help",
            f.rule
        );
    }
}

#[test]
fn every_rule_has_a_fixture_that_fires_and_stays_quiet() {
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| r.lints_migrations()) {
        let meta = rule.meta();
        let path = fixture_path(meta.family.as_str(), meta.name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!("{}: missing fixture {}", meta.name, path.display()));
            continue;
        };
        let rel = format!("{}/{}.sql", meta.family.as_str(), meta.name);
        let (set, pg_version) = fixture_set(&rel, &text);
        let settings = Settings {
            pg_version,
            ..Settings::default()
        };
        let out = lint(std::slice::from_ref(&set), &settings, None);
        check_findings_parse(&out.findings);
        let mine: Vec<Finding> = out
            .findings
            .iter()
            .filter(|f| f.rule == meta.name)
            .cloned()
            .collect();
        let starts_with_finding: Vec<usize> = mine
            .iter()
            .filter_map(|f| match &f.location {
                Location::Span { start_byte, .. } => Some(*start_byte),
                _ => None,
            })
            .collect();
        // Every statement (and rejected statement) of the fixture, with its marker.
        let parsed = plumb_sql::parse(&text);
        let mut spans: Vec<(usize, usize)> =
            parsed.statements.iter().map(|s| (s.start, s.end)).collect();
        spans.extend(
            parsed
                .errors
                .iter()
                .map(|e| (e.statement_start, e.statement_end)),
        );
        spans.sort_unstable();
        let (mut fires, mut oks) = (0, 0);
        let mut prev_end = 0;
        for (start, end) in spans {
            // A finding belongs to a statement when it lies in it or in the comments just
            // before it (suppression findings point at the comment).
            let hit = starts_with_finding
                .iter()
                .any(|&b| b >= prev_end && b <= end.max(start + 1));
            prev_end = end + 1;
            match marker_before(&text, start) {
                Some("fires") => {
                    fires += 1;
                    if !hit {
                        failures.push(format!(
                            "{rel}: `-- fires` statement at byte {start} got no finding"
                        ));
                    }
                }
                Some("ok") => {
                    oks += 1;
                    if hit {
                        failures.push(format!(
                            "{rel}: `-- ok` statement at byte {start} got a finding"
                        ));
                    }
                }
                _ => {}
            }
        }
        if fires == 0 || oks == 0 {
            failures.push(format!("{rel}: needs at least one `-- fires` and one `-- ok` statement (has {fires} and {oks})"));
        }
        let sources: BTreeMap<String, String> = [(rel.clone(), text.clone())].into();
        let rules = [meta];
        let report = Report {
            findings: &mine,
            files: set.migrations.len(),
            statements: out.statements,
            sources: &sources,
            rules: &rules,
            subject: None,
        };
        insta::with_settings!({snapshot_path => "../fixtures/snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(meta.name, plumb_report::render_text(&report, false));
        });
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn registry_is_consistent() {
    let mut names = std::collections::BTreeSet::new();
    let mut codes = std::collections::BTreeSet::new();
    for rule in RULES {
        let m = rule.meta();
        assert!(names.insert(m.name), "duplicate rule name {}", m.name);
        assert!(codes.insert(m.code), "duplicate rule code {}", m.code);
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            m.name
        );
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Use instead",
            "## Fix safety",
            "## PostgreSQL versions",
            "## References",
        ] {
            assert!(
                m.docs.contains(section),
                "{}: docs lack `{section}`",
                m.name
            );
        }
        assert!(
            plumb_rules::find_rule(m.name).is_some() && plumb_rules::find_rule(m.code).is_some()
        );
    }
}

/// docs/rules/*.md are generated from the rules' doc comments; `PLUMB_UPDATE_DOCS=1` rewrites them.
#[test]
fn generated_rule_docs_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let update = std::env::var_os("PLUMB_UPDATE_DOCS").is_some();
    let mut index = String::from("# Rules\n\nGenerated from the rules' doc comments (`PLUMB_UPDATE_DOCS=1 cargo test -p plumb_rules --test rules`).\n\n| code | rule | severity | family | summary |\n|---|---|---|---|---|\n");
    let mut stale = Vec::new();
    let mut expected = vec![("README.md".to_owned(), String::new())];
    for rule in RULES {
        let m = rule.meta();
        index.push_str(&format!(
            "| {} | [{}]({}.md) | {} | {} | {} |\n",
            m.code,
            m.name,
            m.name,
            m.severity.as_str(),
            m.family.as_str(),
            m.summary
        ));
        expected.push((
            format!("{}.md", m.name),
            plumb_rules::registry::rule_markdown(m),
        ));
    }
    expected[0].1 = index;
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (file, content) in expected {
        let path = dir.join(&file);
        if update {
            std::fs::write(&path, &content).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            stale.push(file);
        }
    }
    assert!(stale.is_empty(), "stale docs/rules files (run PLUMB_UPDATE_DOCS=1 cargo test -p plumb_rules --test rules): {stale:?}");
}

/// Query rules: a fixture `fixtures/query/<rule>.query.sql` holds queries as an application
/// sends them (constants, or `$n`), each marked `-- fires` or `-- ok`; each is checked as a
/// workload query that takes all of the time (so findings have the rule's own severity).
#[test]
fn every_query_rule_fires_and_stays_quiet() {
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| r.checks_queries()) {
        let meta = rule.meta();
        let rel = format!("{}/{}.query.sql", meta.family.as_str(), meta.name);
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(&rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!("{}: missing fixture {}", meta.name, path.display()));
            continue;
        };
        let parsed = plumb_sql::parse(&text);
        assert!(parsed.errors.is_empty(), "{rel}: {:?}", parsed.errors);
        let (mut fires, mut oks) = (0, 0);
        let mut all = Vec::new();
        for st in &parsed.statements {
            let sql = &text[st.start..st.end];
            let fp = plumb_sql::fingerprint::fingerprint(sql).expect("fixture query parses");
            let input = plumb_rules::QueryInput {
                fingerprint: &fp.fingerprint,
                query: &fp.normalized,
                example: sql,
                parameters: None,
                calls: 1000,
                total_ms: 60_000.0,
                share: 1.0,
            };
            let found: Vec<Finding> = plumb_rules::check_queries(&[input], &Settings::default())
                .into_iter()
                .filter(|f| f.rule == meta.name)
                .collect();
            check_findings_parse(&found);
            match marker_before(&text, st.start) {
                Some("fires") => {
                    fires += 1;
                    if found.is_empty() {
                        failures.push(format!("{rel}: `-- fires` query got no finding: {sql}"));
                    }
                }
                Some("ok") => {
                    oks += 1;
                    if !found.is_empty() {
                        failures.push(format!("{rel}: `-- ok` query got a finding: {sql}"));
                    }
                }
                _ => failures.push(format!("{rel}: query without a marker: {sql}")),
            }
            all.extend(found);
        }
        if fires == 0 || oks == 0 {
            failures.push(format!(
                "{rel}: needs at least one `-- fires` and one `-- ok` query"
            ));
        }
        let sources = BTreeMap::new();
        let rules = [meta];
        let report = Report {
            findings: &all,
            files: 1,
            statements: parsed.statements.len(),
            sources: &sources,
            rules: &rules,
            subject: None,
        };
        insta::with_settings!({snapshot_path => "../fixtures/snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("{}.query", meta.name), plumb_report::render_text(&report, false));
        });
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A snapshot whose rule no longer exists fails the run (insta's `--unreferenced reject`).
#[test]
fn no_orphan_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots");
    let names: std::collections::BTreeSet<String> = RULES
        .iter()
        .flat_map(|r| {
            let n = r.meta().name;
            [
                r.lints_migrations().then(|| format!("{n}.snap")),
                r.reviews_schema().then(|| format!("{n}.review.snap")),
                r.checks_queries().then(|| format!("{n}.query.snap")),
            ]
        })
        .flatten()
        .collect();
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "snap")
                && !names.contains(n)
        })
        .collect();
    assert!(orphans.is_empty(), "snapshots without a rule: {orphans:?}");
    // Fixtures too: every fixture file belongs to a rule of its family folder.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut expected_fixtures = 0;
    for rule in RULES {
        let m = rule.meta();
        let dir = root.join(m.family.as_str());
        if rule.lints_migrations() {
            expected_fixtures += 1;
            assert!(
                dir.join(format!("{}.sql", m.name)).is_file(),
                "{}: no lint fixture",
                m.name
            );
        }
        if rule.reviews_schema() {
            expected_fixtures += 1;
            assert!(
                dir.join(format!("{}.review.sql", m.name)).is_file(),
                "{}: no review fixture",
                m.name
            );
        }
        if rule.checks_queries() {
            expected_fixtures += 1;
            assert!(
                dir.join(format!("{}.query.sql", m.name)).is_file(),
                "{}: no query fixture",
                m.name
            );
        }
    }
    let fixture_count = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && e.file_name() != "snapshots")
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum::<usize>();
    assert_eq!(
        fixture_count, expected_fixtures,
        "a fixture exists for a rule that does not"
    );
}

/// The engine parses with `parse_abridged`; on every fixture and example script it must see the
/// same statements, spans and errors as the full parse.
#[test]
fn abridged_parse_matches_full_parse() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fixtures"),
        root.join("../../examples/shop/migrations"),
    ] {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "sql") {
                    files.push(p);
                }
            }
        }
    }
    assert!(files.len() > 50);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let full = plumb_sql::parse(&text);
        let abridged = plumb_sql::parse_abridged(&text);
        let shape = |p: &plumb_sql::ParsedSql| {
            p.statements
                .iter()
                .map(|s| (s.start, s.end, std::mem::discriminant(&s.node)))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&full), shape(&abridged), "{}", f.display());
        assert_eq!(full.errors, abridged.errors, "{}", f.display());
    }
}

/// Where a finding points, as a fixture names it: `schema.name`, or `line N` for a span.
fn finding_target(f: &Finding) -> String {
    match &f.location {
        Location::Object { schema, name, .. } if schema.is_empty() => name.clone(),
        Location::Object { schema, name, .. } => format!("{schema}.{name}"),
        Location::Span { start, .. } => format!("line {}", start.line),
        Location::Global => "global".to_owned(),
    }
}

/// A review fixture `fixtures/<family>/<rule>.review.sql` is DDL plus `-- fires: <objects>` and
/// `-- ok: <objects>` lines (comma-separated `schema.name`, or `line N` for statement findings):
/// the rule must report on every `fires` object and on no `ok` object.
#[test]
fn every_review_rule_has_a_fixture_that_fires_and_stays_quiet() {
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| r.reviews_schema()) {
        let meta = rule.meta();
        let rel = format!("{}/{}.review.sql", meta.family.as_str(), meta.name);
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(&rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!(
                "{}: missing review fixture {}",
                meta.name,
                path.display()
            ));
            continue;
        };
        let (catalog, skipped) = review_fixture(&rel, &text);
        let findings = plumb_rules::review(&catalog, &Settings::default(), &skipped);
        check_findings_parse(&findings);
        let mine: Vec<Finding> = findings
            .iter()
            .filter(|f| f.rule == meta.name)
            .cloned()
            .collect();
        let targets: std::collections::BTreeSet<String> = mine.iter().map(finding_target).collect();
        let (mut fires, mut oks) = (0, 0);
        for line in text.lines().map(str::trim) {
            let (expect, list) = if let Some(l) = line.strip_prefix("-- fires:") {
                (true, l)
            } else if let Some(l) = line.strip_prefix("-- ok:") {
                (false, l)
            } else {
                continue;
            };
            for object in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                let hit = targets.contains(object);
                if expect {
                    fires += 1;
                    if !hit {
                        failures.push(format!(
                            "{rel}: expected a finding on {object}, got {targets:?}"
                        ));
                    }
                } else {
                    oks += 1;
                    if hit {
                        failures.push(format!("{rel}: unexpected finding on {object}"));
                    }
                }
            }
        }
        if fires == 0 || oks == 0 {
            failures.push(format!(
                "{rel}: needs `-- fires:` and `-- ok:` objects (has {fires} and {oks})"
            ));
        }
        let sources: BTreeMap<String, String> = [(rel.clone(), text.clone())].into();
        let rules = [meta];
        let report = Report {
            findings: &mine,
            files: 1,
            statements: 0,
            sources: &sources,
            rules: &rules,
            subject: None,
        };
        insta::with_settings!({snapshot_path => "../fixtures/snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("{}.review", meta.name), plumb_report::render_text(&report, false));
        });
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
