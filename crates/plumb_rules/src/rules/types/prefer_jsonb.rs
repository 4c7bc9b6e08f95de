use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

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
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = (ty == "json").then_some("jsonb") else {
                continue;
            };
            let message = format!("{}.{} is {ty}: it is re-parsed on every access, cannot be GIN-indexed and has no equality operator", table_sql(&table), ident(&col.colname));
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use jsonb",
                better,
            ));
        }
    }
}
