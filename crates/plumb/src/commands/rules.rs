//! `plumb rules` and `plumb explain-rule`.

use std::fmt::Write;

use anyhow::Context;
use clap::Args;
use plumb_rules::RULES;

use crate::EXIT_CLEAN;

/// `plumb rules` arguments.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format: text or json
    #[arg(long, short = 'f', default_value = "text")]
    pub format: String,
}

/// `plumb explain-rule` arguments.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule name (e.g. create-index-non-concurrently) or code (e.g. PL101)
    pub rule: String,
}

/// Lists every rule.
pub fn run_list(args: &RulesArgs) -> anyhow::Result<u8> {
    let mut out = String::new();
    match args.format.as_str() {
        "json" => {
            let metas: Vec<_> = RULES
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r.meta()).unwrap_or_default();
                    v["runs_in"] = serde_json::json!(scope(*r).split(',').collect::<Vec<_>>());
                    v
                })
                .collect();
            out = serde_json_string(&metas);
        }
        "text" => {
            let _ = writeln!(
                out,
                "{:<6} {:<38} {:<9} {:<11} {:<12} summary",
                "code", "name", "severity", "family", "runs in"
            );
            for r in RULES {
                let m = r.meta();
                let _ = writeln!(
                    out,
                    "{:<6} {:<38} {:<9} {:<11} {:<12} {}",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    m.family.as_str(),
                    scope(*r),
                    m.summary
                );
            }
        }
        other => anyhow::bail!("--format `{other}`: expected text or json"),
    }
    super::emit(&out, None)?;
    Ok(EXIT_CLEAN)
}

/// Which commands run a rule: `lint`, `review`, both, or `workload`.
fn scope(r: &dyn plumb_rules::Rule) -> &'static str {
    if r.checks_queries() {
        return "workload";
    }
    match (r.lints_migrations(), r.reviews_schema()) {
        (true, true) => "lint,review",
        (false, true) => "review",
        _ => "lint",
    }
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
    // `toml` is already a dependency; JSON for rules goes through the report crate's serde_json
    // via a tiny local serializer to avoid a direct dependency here.
    let mut s = plumb_report::to_json_pretty(v);
    s.push('\n');
    s
}

/// Prints one rule's documentation.
pub fn run_explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let rule = plumb_rules::find_rule(&args.rule)
        .with_context(|| format!("unknown rule `{}`; `plumb rules` lists them", args.rule))?;
    super::emit(&plumb_rules::registry::rule_markdown(rule.meta()), None)?;
    Ok(EXIT_CLEAN)
}
