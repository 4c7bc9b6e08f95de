//! Arbitrary SQL through the schema path: interpret it into a catalog, review it, render the
//! findings and every schema document, and round-trip the snapshot through JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut catalog = plumb_catalog::Catalog::default();
    let applied = catalog.apply_sql(text);
    let _ = applied.skipped.len();
    let findings = plumb_rules::review(&catalog, &plumb_rules::Settings::default(), &[]);
    for f in &findings {
        if let Some(fix) = &f.fix {
            let _ = plumb_sql::parses(&fix.sql);
        }
    }
    let _ = plumb_report::schema_docs::render_dbml(&catalog);
    let _ = plumb_report::schema_docs::render_mermaid(&catalog);
    let _ = plumb_report::schema_docs::render_markdown_dictionary(&catalog);
    let json = serde_json::to_string(&plumb_catalog::Snapshot::new(catalog.clone())).unwrap();
    let back = plumb_catalog::Snapshot::from_json(&json).unwrap();
    assert_eq!(back.catalog, catalog);
});
