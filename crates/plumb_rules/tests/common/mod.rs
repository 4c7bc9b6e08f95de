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
