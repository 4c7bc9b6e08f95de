//! Fuzzes the lint entry point: any UTF-8 text, in every layout's transaction mode, through the
//! parser, every rule and every renderer. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plumb_migrations::{Direction, Layout, Migration, MigrationSet, Script};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first byte picks the layout, so transaction handling is fuzzed too.
    let layout = Layout::ALL[data.first().map_or(0, |b| *b as usize) % Layout::ALL.len()];
    let script = |direction| Script { path: "fuzz.sql".into(), text: text.to_owned(), direction, transaction: layout.default_transaction() };
    let set = MigrationSet {
        layout,
        migrations: vec![
            Migration { version: "1".into(), name: String::new(), up: Some(script(Direction::Up)), down: Some(script(Direction::Down)) },
            Migration { version: "2".into(), name: String::new(), up: Some(script(Direction::Up)), down: None },
        ],
    };
    let out = plumb_rules::lint(&[set], &plumb_rules::Settings::default(), None);
    let _ = plumb_sql::parse(text);
    let sources = [("fuzz.sql".to_owned(), text.to_owned())].into();
    let rules: Vec<_> = plumb_rules::RULES.iter().map(|r| r.meta()).collect();
    let report = plumb_report::Report { findings: &out.findings, files: out.files, statements: out.statements, sources: &sources, rules: &rules, subject: None };
    for f in [plumb_report::Format::Text, plumb_report::Format::Json, plumb_report::Format::Sarif, plumb_report::Format::Github, plumb_report::Format::Markdown] {
        let _ = plumb_report::render(f, &report, false);
    }
});
