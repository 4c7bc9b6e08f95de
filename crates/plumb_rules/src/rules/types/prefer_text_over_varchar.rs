use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags columns of type `varchar(n)`.
    ///
    /// ## Why is this bad
    /// `varchar(n)` has no performance advantage over `text` in PostgreSQL, and raising its limit later on a busy table needs care; a `CHECK (length(col) <= n)` states the rule and can be changed without a rewrite.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE users (email varchar(255));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE users (email text CHECK (length(email) <= 255));
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
    pub struct PreferTextOverVarchar {
        code: "PL803",
        name: "prefer-text-over-varchar",
        family: Types,
        severity: Low,
        summary: "varchar(n) where text with a CHECK fits",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for PreferTextOverVarchar {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = ty.starts_with("varchar(").then_some("text") else {
                continue;
            };
            let message = format!(
                "{}.{} is {ty}: text with a CHECK on length is as fast and easier to change",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use text, with a CHECK (length(col) <= n) if the limit is a real rule",
                better,
            ));
        }
    }
}
