use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::rules::types::check_column_types;

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
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        super::review_column_types(
            cx,
            &Self::META,
            out,
            |_, c| {
                (c.type_name == "timestamp" || c.type_name.starts_with("timestamp(")).then(|| super::TypeChange {
                    to: "timestamptz".to_owned(),
                    using: Some("{col} AT TIME ZONE 'UTC'"),
                    rollback_using: Some("{col} AT TIME ZONE 'UTC'"),
                    rewrites: true,
                })
            },
            "it records no time zone, so instants are ambiguous (the fix assumes the stored values are UTC)",
            "Use timestamptz",
        );
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        check_column_types(
            cx,
            &Self::META,
            out,
            |ty| (ty == "timestamp").then_some("timestamptz"),
            "it records no time zone, so instants are ambiguous",
            "Use timestamptz",
        );
    }
}
