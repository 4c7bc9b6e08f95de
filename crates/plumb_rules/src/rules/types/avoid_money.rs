use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::rules::types::check_column_types;

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
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        super::review_column_types(
            cx,
            &Self::META,
            out,
            |_, c| {
                (c.type_name == "money").then(|| super::TypeChange {
                    to: "numeric(12,2)".to_owned(),
                    using: Some("{col}::numeric"),
                    rollback_using: Some("{col}::money"),
                    rewrites: true,
                })
            },
            "its precision depends on lc_monetary and it stores no currency",
            "Use numeric with an explicit scale, and a currency column",
        );
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        check_column_types(
            cx,
            &Self::META,
            out,
            |ty| (ty == "money").then_some("numeric(12,2)"),
            "its precision depends on lc_monetary and it stores no currency",
            "Use numeric with an explicit scale, and a currency column",
        );
    }
}
