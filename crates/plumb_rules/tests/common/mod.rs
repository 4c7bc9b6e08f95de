//! Shared by the rule tests: reading a fixture as a migration set.
//!
//! A fixture is a sequence of migrations, each starting with a `-- @migration` line; a
//! `-- @layout <name>` line picks the layout (default plain) and `-- @pg <N>` the PostgreSQL
//! version (default the newest).

use plumb_migrations::{blank_outside, Direction, Layout, Migration, MigrationSet, Script};

/// The fixture's migrations (each section blanked out of the others, so positions stay those of
/// the file) and its PostgreSQL version.
pub fn fixture_set(path: &str, text: &str) -> (MigrationSet, u32) {
    let mut layout = Layout::Plain;
    let mut pg_version = plumb_rules::NEWEST_PG;
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(l) = t.strip_prefix("-- @layout ") {
            layout = Layout::parse(l.trim()).expect("known layout");
        }
        if let Some(v) = t.strip_prefix("-- @pg ") {
            pg_version = v.trim().parse().expect("pg version");
        }
        if t.starts_with("-- @migration") {
            starts.push(offset);
        }
        offset += line.len();
    }
    assert!(!starts.is_empty(), "{path}: no `-- @migration` section");
    let migrations = starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            Migration {
                version: (i + 1).to_string(),
                name: String::new(),
                up: Some(Script {
                    path: path.to_owned(),
                    text: blank_outside(text, start, end),
                    direction: Direction::Up,
                    transaction: layout.default_transaction(),
                }),
                down: None,
            }
        })
        .collect();
    (MigrationSet { layout, migrations }, pg_version)
}

/// Builds the catalog of a review fixture: its DDL, then `-- @set` / `-- @database` lines that
/// stand in for what only a live database knows.
pub fn review_fixture(
    rel: &str,
    text: &str,
) -> (plumb_catalog::Catalog, Vec<plumb_rules::SkippedStatement>) {
    use plumb_catalog::{Catalog, DatabaseInfo, QualifiedName};
    use std::sync::Arc;
    let mut catalog = Catalog::default();
    let applied = catalog.apply_sql(text);
    let lines = plumb_sql::LineIndex::new(text);
    let span = |start: usize, end: usize| plumb_diagnostics::Location::Span {
        file: rel.to_owned(),
        start_byte: start,
        end_byte: end,
        start: lines.line_col(text, start),
        end: lines.line_col(text, end.saturating_sub(1).max(start)),
    };
    let skipped = applied
        .skipped
        .iter()
        .map(|s| plumb_rules::SkippedStatement {
            location: span(s.start, s.end),
            form: s.form.to_owned(),
            syntax_error: None,
            already_exists: s.already_exists.clone(),
        })
        .chain(
            applied
                .errors
                .iter()
                .map(|e| plumb_rules::SkippedStatement {
                    location: span(e.offset, e.offset + 1),
                    form: "a statement that does not parse".to_owned(),
                    syntax_error: Some(e.message.clone()),
                    already_exists: None,
                }),
        )
        .collect();
    let name = |s: &str| {
        let (schema, n) = s.split_once('.').unwrap_or(("public", s));
        QualifiedName::new(Some(schema), n)
    };
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("-- @") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let verb = words.next().unwrap_or_default();
        let kv = |words: &mut std::str::SplitWhitespace<'_>| -> Vec<(String, String)> {
            words
                .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect()
        };
        match verb {
            "database" => {
                let mut db = DatabaseInfo {
                    name: "fixture".to_owned(),
                    server_version_num: 150_000,
                    stats_reset: None,
                    stats_age_seconds: None,
                    superusers: Vec::new(),
                    current_user: "app".to_owned(),
                    unreadable: Vec::new(),
                };
                for (k, v) in kv(&mut words) {
                    match k.as_str() {
                        "superusers" => db.superusers = v.split(',').map(str::to_owned).collect(),
                        "stats_age_days" => {
                            db.stats_age_seconds = Some(v.parse::<i64>().unwrap() * 86_400);
                        }
                        "stats_reset" => db.stats_reset = Some(v),
                        "current_user" => db.current_user = v,
                        // Sequences the role may not read (as plumb_pg records them).
                        "unreadable_sequences" => {
                            db.unreadable.push(plumb_catalog::Unreadable {
                                what: plumb_catalog::SEQUENCE_POSITIONS.to_owned(),
                                objects: v.split(',').map(name).collect(),
                                needs: "SELECT on each sequence".to_owned(),
                                unchecked: "how close these sequences are to running out"
                                    .to_owned(),
                            });
                        }
                        other => panic!("{rel}: unknown @database key {other}"),
                    }
                }
                catalog.database = Some(db);
            }
            "set" => {
                let kind = words.next().unwrap_or_default();
                let object = name(words.next().unwrap_or_default());
                let pairs = kv(&mut words);
                match kind {
                    "index" => {
                        let i = Arc::make_mut(
                            catalog
                                .indexes
                                .get_mut(&object)
                                .unwrap_or_else(|| panic!("{rel}: no index {object}")),
                        );
                        let st = i.stats.get_or_insert_with(Box::default);
                        for (k, v) in pairs {
                            match k.as_str() {
                                "idx_scan" => st.idx_scan = Some(v.parse().unwrap()),
                                "bytes" => st.bytes = v.parse().unwrap(),
                                "valid" => i.valid = v == "true",
                                other => panic!("{rel}: unknown index key {other}"),
                            }
                        }
                    }
                    "sequence" => {
                        let s = catalog
                            .sequences
                            .get_mut(&object)
                            .unwrap_or_else(|| panic!("{rel}: no sequence {object}"));
                        for (k, v) in pairs {
                            match k.as_str() {
                                "last_value" => {
                                    std::sync::Arc::make_mut(s).last_value =
                                        Some(v.parse().unwrap());
                                }
                                other => panic!("{rel}: unknown sequence key {other}"),
                            }
                        }
                    }
                    "table" => {
                        let t = catalog
                            .table_mut(&object)
                            .unwrap_or_else(|| panic!("{rel}: no table {object}"));
                        for (k, v) in pairs {
                            let st = t.stats.get_or_insert_with(Box::default);
                            match k.as_str() {
                                "owner" => t.owner = Some(v),
                                "rows" => st.estimated_rows = Some(v.parse().unwrap()),
                                "inserted" => st.n_tup_ins = Some(v.parse().unwrap()),
                                "updated" => st.n_tup_upd = Some(v.parse().unwrap()),
                                "deleted" => st.n_tup_del = Some(v.parse().unwrap()),
                                other => panic!("{rel}: unknown table key {other}"),
                            }
                        }
                    }
                    other => panic!("{rel}: unknown @set kind {other}"),
                }
            }
            other => panic!("{rel}: unknown directive @{other}"),
        }
    }
    (catalog, skipped)
}
