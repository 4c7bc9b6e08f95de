//! The versioned JSON contract.

use serde_json::{json, Map, Value};

use crate::Report;
use plumb_diagnostics::Location;

/// The JSON contract version. Bumped only on a breaking change.
pub const JSON_VERSION: u32 = 1;

/// Renders the JSON contract (see the crate docs).
pub fn render_json(report: &Report<'_>) -> String {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut m = Map::new();
            m.insert("rule".into(), json!(f.rule));
            m.insert("severity".into(), json!(f.severity.as_str()));
            match &f.location {
                Location::Span { file, start, end, .. } => {
                    m.insert("file".into(), json!(file));
                    m.insert("line".into(), json!(start.line));
                    m.insert("column".into(), json!(start.column));
                    m.insert("end_line".into(), json!(end.line));
                    m.insert("end_column".into(), json!(end.column));
                }
                Location::Object { object_kind, schema, name, column } => {
                    m.insert("object".into(), json!({"kind": object_kind, "schema": schema, "name": name, "column": column}));
                }
                Location::Global => {}
            }
            m.insert("message".into(), json!(f.message));
            m.insert("help".into(), json!(f.help));
            if let Some(lock) = &f.lock {
                m.insert("lock".into(), json!(lock));
            }
            if let Some(fix) = &f.fix {
                m.insert("fix".into(), json!(fix.sql));
                if let Some(r) = &fix.rollback {
                    m.insert("rollback".into(), json!(r));
                }
                m.insert("fix_applicability".into(), json!(fix.applicability));
            }
            if !f.notes.is_empty() {
                m.insert("notes".into(), json!(f.notes));
            }
            if let Some(label) = &f.label {
                m.insert("label".into(), json!(label));
            }
            Value::Object(m)
        })
        .collect();
    let mut by_sev = Map::new();
    for (s, n) in plumb_diagnostics::count_by_severity(report.findings)
        .iter()
        .rev()
    {
        by_sev.insert(s.as_str().into(), json!(n));
    }
    let doc = json!({
        "version": JSON_VERSION,
        "findings": findings,
        "summary": {"files": report.files, "statements": report.statements, "findings_by_severity": by_sev},
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
