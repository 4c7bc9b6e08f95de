use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags `serial`, `bigserial` and `smallserial` columns.
    ///
    /// ## Why is this bad
    /// A serial column's sequence is a separate object with its own permissions and ownership quirks (a table copied with `LIKE` shares it; grants on the table do not cover it). Identity columns are the SQL-standard replacement, tied to the column.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE users (id bigserial PRIMARY KEY);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
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
    pub struct PreferIdentity {
        code: "PL804",
        name: "prefer-identity",
        family: Types,
        severity: Low,
        summary: "serial instead of an identity column",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for PreferIdentity {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = (match ty.as_str() {
                "serial" => Some("integer"),
                "bigserial" => Some("bigint"),
                "smallserial" => Some("smallint"),
                _ => None,
            }) else {
                continue;
            };
            let message = format!(
                "{}.{} is {ty}: an identity column is the standard, self-contained replacement",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use GENERATED ... AS IDENTITY",
                better,
            ));
        }
    }
}
