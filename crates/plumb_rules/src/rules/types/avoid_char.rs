use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags columns of type `char(n)` (`bpchar`).
    ///
    /// ## Why is this bad
    /// `char(n)` pads values with spaces, which are then ignored in some comparisons and not others; it is no faster than `text` and wastes space.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE countries (code char(2));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE countries (code text CHECK (length(code) = 2));
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
    pub struct AvoidChar {
        code: "PL807",
        name: "avoid-char",
        family: Types,
        severity: Low,
        summary: "char(n) pads with spaces",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for AvoidChar {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = ty.starts_with("bpchar").then_some("text") else {
                continue;
            };
            let message = format!(
                "{}.{} is {ty}: it pads with spaces that compare inconsistently",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use text (with a CHECK on length if needed)",
                better,
            ));
        }
    }
}
