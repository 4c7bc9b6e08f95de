use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags columns of type `money`.
    ///
    /// ## Why is this bad
    /// `money` has a fixed fraction precision that depends on the `lc_monetary` setting, stores no currency, and converts badly: a restore on a server with another locale changes values.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (total money);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE orders (total numeric(12,2), currency char(3));
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
    pub struct AvoidMoney {
        code: "PL806",
        name: "avoid-money",
        family: Types,
        severity: Low,
        summary: "money type for amounts",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for AvoidMoney {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = (ty == "money").then_some("numeric(12,2)") else {
                continue;
            };
            let message = format!(
                "{}.{} is {ty}: its precision depends on lc_monetary and it stores no currency",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use numeric with an explicit scale, and a currency column",
                better,
            ));
        }
    }
}
