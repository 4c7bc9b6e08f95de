use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::rules::types::check_column_types;

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
                    .starts_with("bpchar")
                    .then(|| super::TypeChange {
                        to: "text".to_owned(),
                        using: Some("rtrim({col})"),
                        rollback_using: None,
                        rewrites: true,
                    })
            },
            "it pads with spaces that compare inconsistently",
            "Use text (with a CHECK on length if needed)",
        );
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        check_column_types(
            cx,
            &Self::META,
            out,
            |ty| ty.starts_with("bpchar").then_some("text"),
            "it pads with spaces that compare inconsistently",
            "Use text (with a CHECK on length if needed)",
        );
    }
}
