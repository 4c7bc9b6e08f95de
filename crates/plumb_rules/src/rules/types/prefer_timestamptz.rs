use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags columns of type `timestamp` (without time zone).
    ///
    /// ## Why is this bad
    /// `timestamp` stores a wall-clock reading with no zone: the same instant reads differently depending on the writer's TimeZone, and comparisons across zones or DST changes go wrong. `timestamptz` stores an absolute instant.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE events (at timestamp);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE events (at timestamptz);
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
    pub struct PreferTimestamptz {
        code: "PL802",
        name: "prefer-timestamptz",
        family: Types,
        severity: Low,
        summary: "timestamp without time zone loses the time zone of the stored instant",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for PreferTimestamptz {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, col) in defined_columns(cx.stmt) {
            let ty = column_type(col);
            let Some(better) = (ty == "timestamp").then_some("timestamptz") else {
                continue;
            };
            let message = format!(
                "{}.{} is {ty}: it records no time zone, so instants are ambiguous",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use timestamptz",
                better,
            ));
        }
    }
}
