use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::rules::types::check_column_types;

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
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        super::review_column_types(
            cx,
            &Self::META,
            out,
            |_, c| {
                c.type_name
                    .starts_with("varchar(")
                    .then(|| super::TypeChange {
                        to: "text".to_owned(),
                        using: None,
                        rollback_using: None,
                        // varchar to text is binary coercible: no rewrite, no scan.
                        rewrites: false,
                    })
            },
            "a length limit in the type is hard to change; text with a CHECK on length is as fast",
            "Use text, with a CHECK (length(col) <= n) if the limit is a real rule",
        );
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        check_column_types(
            cx,
            &Self::META,
            out,
            |ty| ty.starts_with("varchar(").then_some("text"),
            "text with a CHECK on length is as fast and easier to change",
            "Use text, with a CHECK (length(col) <= n) if the limit is a real rule",
        );
    }
}
