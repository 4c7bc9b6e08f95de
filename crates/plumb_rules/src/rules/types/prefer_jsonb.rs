use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::rules::types::check_column_types;

declare_rule! {
    /// ## What it does
    /// Flags columns of type `json`.
    ///
    /// ## Why is this bad
    /// `json` stores the raw text: every access re-parses it, it cannot be indexed with GIN, and it has no equality operator (so `DISTINCT`, `GROUP BY` and `UNION` over it fail).
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE events (payload json);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE events (payload jsonb);
    /// ```
    ///
    /// ## Fix safety
    /// Display only: on a table with rows the type change rewrites it; change the CREATE TABLE instead.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://wiki.postgresql.org/wiki/Don%27t_Do_This>
    pub struct PreferJsonb {
        code: "PL805",
        name: "prefer-jsonb",
        family: Types,
        severity: Low,
        summary: "json instead of jsonb",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for PreferJsonb {
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        super::review_column_types(
            cx,
            &Self::META,
            out,
            |_, c| {
                (c.type_name == "json").then(|| super::TypeChange {
                    to: "jsonb".to_owned(),
                    using: Some("{col}::jsonb"),
                    rollback_using: Some("{col}::json"),
                    rewrites: true,
                })
            },
            "it is re-parsed on every access, cannot be GIN-indexed and has no equality operator",
            "Use jsonb",
        );
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        check_column_types(
            cx,
            &Self::META,
            out,
            |ty| (ty == "json").then_some("jsonb"),
            "it is re-parsed on every access, cannot be GIN-indexed and has no equality operator",
            "Use jsonb",
        );
    }
}
