use std::collections::BTreeMap;

use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Detects the schema's own conventions — identifier case (snake_case or camelCase) for
    /// tables and columns, plural or singular table names, the suffix of foreign key columns
    /// (`_id` or `Id`), and the index name pattern (`<table>_..._idx` or `idx_...`) — and
    /// reports the names that break the convention most of the schema follows. A convention is
    /// dominant when at least 80% of at least 5 names follow it; nothing is imposed otherwise.
    ///
    /// ## Why is this bad
    /// Inconsistent names cost every reader: people guess `userId` where the column is
    /// `user_id`, ORMs need per-table mappings, and quoted mixed-case names must be quoted in
    /// every query forever.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz, lastLogin timestamptz);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE users RENAME COLUMN "lastLogin" TO last_login;
    /// ```
    ///
    /// ## Fix safety
    /// Display only: a rename breaks every query and deployed application that uses the old
    /// name; rename with a compatibility view or in step with an application release.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS>
    pub struct NamingConvention {
        code: "PL850",
        name: "naming-convention",
        family: Naming,
        severity: Info,
        summary: "A name that breaks the convention the rest of the schema follows",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

const DOMINANT_SHARE: f64 = 0.8;
const MIN_SAMPLES: usize = 5;

/// The case style of an identifier.
fn case_style(name: &str) -> &'static str {
    let has_upper = name.chars().any(|c| c.is_ascii_uppercase());
    let has_lower = name.chars().any(|c| c.is_ascii_lowercase());
    if !has_upper {
        "snake_case"
    } else if has_lower && !name.contains('_') {
        "camelCase"
    } else {
        "mixed"
    }
}

/// Plural or singular, by the English suffix of the last word.
fn number(name: &str) -> &'static str {
    let last = name
        .rsplit(|c: char| c == '_' || c.is_ascii_uppercase())
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let last = if last.is_empty() {
        name.to_ascii_lowercase()
    } else {
        last
    };
    let irregular_plural = [
        "people", "children", "men", "women", "data", "media", "criteria",
    ];
    if irregular_plural.contains(&last.as_str())
        || (last.ends_with('s')
            && !last.ends_with("ss")
            && !last.ends_with("us")
            && !last.ends_with("is"))
    {
        "plural"
    } else {
        "singular"
    }
}

fn fk_suffix(name: &str) -> &'static str {
    if name.ends_with("_id") {
        "_id"
    } else if name.ends_with("Id") || name.ends_with("ID") {
        "Id"
    } else {
        "other"
    }
}

fn index_pattern(index: &str, table: &str) -> &'static str {
    let lower = index.to_ascii_lowercase();
    if lower.starts_with("idx_") || lower.starts_with("ix_") || lower.starts_with("index_") {
        "idx_<table>_<columns>"
    } else if lower.starts_with(&table.to_ascii_lowercase())
        && (lower.ends_with("_idx") || lower.ends_with("_index"))
    {
        "<table>_<columns>_idx"
    } else {
        "other"
    }
}

/// One kind of name with its samples: (what it names, object, column, the name, its style).
struct Sample<'a> {
    kind: &'static str,
    object: &'a QualifiedName,
    column: Option<&'a str>,
    name: &'a str,
    style: &'static str,
}

impl Rule for NamingConvention {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        let tables: Vec<_> = cx.tables().collect();
        let mut aspects: Vec<(&str, Vec<Sample<'_>>)> = Vec::new();
        aspects.push((
            "table name case",
            tables
                .iter()
                .map(|t| Sample {
                    kind: "table",
                    object: &t.name,
                    column: None,
                    name: &t.name.name,
                    style: case_style(&t.name.name),
                })
                .collect(),
        ));
        aspects.push((
            "table name number",
            tables
                .iter()
                .map(|t| Sample {
                    kind: "table",
                    object: &t.name,
                    column: None,
                    name: &t.name.name,
                    style: number(&t.name.name),
                })
                .collect(),
        ));
        aspects.push((
            "column name case",
            tables
                .iter()
                .flat_map(|t| {
                    t.columns.iter().map(move |c| Sample {
                        kind: "column",
                        object: &t.name,
                        column: Some(&c.name),
                        name: &c.name,
                        style: case_style(&c.name),
                    })
                })
                .collect(),
        ));
        aspects.push((
            "foreign key column suffix",
            tables
                .iter()
                .flat_map(|t| {
                    t.foreign_keys()
                        .filter(|fk| fk.columns.len() == 1)
                        .map(move |fk| Sample {
                            kind: "column",
                            object: &t.name,
                            column: Some(&fk.columns[0]),
                            name: &fk.columns[0],
                            style: fk_suffix(&fk.columns[0]),
                        })
                })
                .collect(),
        ));
        aspects.push((
            "index name pattern",
            cx.catalog
                .indexes
                .values()
                .filter(|i| !cx.backs_constraint(i))
                .map(|i| Sample {
                    kind: "index",
                    object: &i.name,
                    column: None,
                    name: &i.name.name,
                    style: index_pattern(&i.name.name, &i.table.name),
                })
                .collect(),
        ));
        for (aspect, samples) in aspects {
            if samples.len() < MIN_SAMPLES {
                continue;
            }
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for s in &samples {
                *counts.entry(s.style).or_default() += 1;
            }
            let Some((&dominant, &n)) = counts.iter().max_by_key(|(_, n)| **n) else {
                continue;
            };
            #[allow(clippy::cast_precision_loss)]
            let share = n as f64 / samples.len() as f64;
            if dominant == "other"
                || dominant == "mixed"
                || share < DOMINANT_SHARE
                || n == samples.len()
            {
                continue;
            }
            for s in samples.iter().filter(|s| s.style != dominant) {
                let what = match s.column {
                    Some(c) => format!("{}.{}", table_sql(s.object), ident(c)),
                    None => table_sql(s.object),
                };
                let mut f = cx.finding(
                    &Self::META,
                    s.kind,
                    s.object,
                    s.column,
                    format!(
                        "{} {what} breaks the schema's {aspect} convention: {dominant} ({n} of {} names)",
                        s.kind,
                        samples.len()
                    ),
                );
                f.help = format!("Follow the {dominant} convention when the name can change");
                if let Some(new) = suggest(s, dominant) {
                    let (sql, back) = match (s.kind, s.column) {
                        ("column", Some(c)) => (
                            format!(
                                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                                table_sql(s.object),
                                ident(c),
                                ident(&new)
                            ),
                            format!(
                                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                                table_sql(s.object),
                                ident(&new),
                                ident(c)
                            ),
                        ),
                        ("index", _) => (
                            format!(
                                "ALTER INDEX {} RENAME TO {};",
                                table_sql(s.object),
                                ident(&new)
                            ),
                            format!(
                                "ALTER INDEX {} RENAME TO {};",
                                table_sql(&QualifiedName::new(Some(&s.object.schema), &new)),
                                ident(s.name)
                            ),
                        ),
                        _ => (
                            format!(
                                "ALTER TABLE {} RENAME TO {};",
                                table_sql(s.object),
                                ident(&new)
                            ),
                            format!(
                                "ALTER TABLE {} RENAME TO {};",
                                table_sql(&QualifiedName::new(Some(&s.object.schema), &new)),
                                ident(s.name)
                            ),
                        ),
                    };
                    f.fix = Some(fix(
                        "Rename to follow the convention",
                        sql,
                        Some(back),
                        Applicability::DisplayOnly,
                    ));
                }
                out.push(f);
            }
        }
    }
}

/// A name in the dominant style, where one can be derived mechanically.
fn suggest(s: &Sample<'_>, dominant: &str) -> Option<String> {
    let words = crate::rules::types::float_for_money::words(s.name);
    match dominant {
        "snake_case" => Some(words.join("_")),
        "camelCase" => {
            let mut out = String::new();
            for (i, w) in words.iter().enumerate() {
                if i == 0 {
                    out.push_str(w);
                } else {
                    let mut ch = w.chars();
                    if let Some(first) = ch.next() {
                        out.extend(first.to_uppercase());
                        out.push_str(ch.as_str());
                    }
                }
            }
            Some(out)
        }
        "_id" => s
            .name
            .strip_suffix("Id")
            .map(|b| format!("{}_id", words_join(b))),
        "Id" => s.name.strip_suffix("_id").map(|b| format!("{b}Id")),
        _ => None,
    }
    .filter(|n| n != s.name)
}

fn words_join(name: &str) -> String {
    crate::rules::types::float_for_money::words(name).join("_")
}
