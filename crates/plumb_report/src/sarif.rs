//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

use serde_json::{json, Value};

use plumb_diagnostics::{Location, Severity};

use crate::Report;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Renders a SARIF 2.1.0 log with one run. Spans become physical locations, database objects
/// logical ones; rule metadata fills `tool.driver.rules`.
pub fn render_sarif(report: &Report<'_>) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.name,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.docs, "markdown": r.docs},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"code": r.code, "family": r.family.as_str(), "severity": r.severity.as_str(), "tags": ["postgresql", r.family.as_str()]},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if !f.help.is_empty() {
                text.push_str(". ");
                text.push_str(&f.help);
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": text},
                "properties": {"severity": f.severity.as_str()},
            });
            if let Some(i) = report.rules.iter().position(|r| r.name == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            match &f.location {
                Location::Span { file, start, end, .. } => {
                    result["locations"] = json!([{"physicalLocation": {
                        "artifactLocation": artifact_location(file),
                        "region": {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column + 1},
                    }}]);
                }
                Location::Object { object_kind, .. } => {
                    let fqn = f.location.object_path().unwrap_or_default();
                    let mut loc = json!({"logicalLocations": [{"fullyQualifiedName": fqn, "kind": object_kind}]});
                    if let Some(Location::Span { file, start, end, .. }) = f.defined_at.as_deref() {
                        loc["physicalLocation"] = json!({
                            "artifactLocation": artifact_location(file),
                            "region": {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column + 1},
                        });
                    }
                    result["locations"] = json!([loc]);
                }
                Location::Global => {}
            }
            if let Some(lock) = &f.lock {
                result["properties"]["lock"] = json!(lock);
            }
            if let Some(fix) = &f.fix {
                result["properties"]["fix"] = json!(fix.sql);
                result["properties"]["fixPlacement"] = json!(fix.placement.as_str());
                if let Some(r) = &fix.rollback {
                    result["properties"]["rollback"] = json!(r);
                }
            }
            if let Some(why) = &f.irreversible {
                result["properties"]["irreversible"] = json!(why);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "plumb",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/plumb-db/plumb",
                "rules": rules,
            }},
            // Relative paths are relative to the folder plumb ran in; columns count Unicode
            // code points, as plumb's own output does.
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The folder plumb ran in"}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A SARIF artifact location: a relative path against `%SRCROOT%`, an absolute one as a
/// `file://` URI, both percent-encoded where URI syntax needs it.
fn artifact_location(path: &str) -> Value {
    let slashed = path.replace('\\', "/");
    let mut uri = String::with_capacity(slashed.len());
    for c in slashed.chars() {
        match c {
            ' ' => uri.push_str("%20"),
            '%' => uri.push_str("%25"),
            '#' => uri.push_str("%23"),
            '?' => uri.push_str("%3F"),
            c => uri.push(c),
        }
    }
    if slashed.starts_with('/') {
        json!({"uri": format!("file://{uri}")})
    } else {
        let relative = uri.strip_prefix("./").unwrap_or(&uri).to_owned();
        json!({"uri": relative, "uriBaseId": "%SRCROOT%"})
    }
}
