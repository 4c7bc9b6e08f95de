use plumb_diagnostics::Finding;

use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Lists every statement of the schema's source (migrations or a dump) whose effect plumb's
    /// catalog does not model, such as `CREATE OPERATOR` or `CREATE TABLE AS`.
    ///
    /// ## Why is this bad
    /// Nothing is wrong with the statement; the review is blind to what it did. Saying so keeps
    /// the review honest: an object it created is not checked, and a table created from a query
    /// has columns plumb does not know.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE report AS SELECT * FROM orders;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE report (id bigint PRIMARY KEY, total numeric);
    /// INSERT INTO report SELECT id, total FROM orders;
    /// ```
    ///
    /// ## Fix safety
    /// No fix: review the statement by hand, or review the live database (`--db`), where
    /// plumb reads what the statement created.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-commands.html>
    pub struct UnmodelledStatement {
        code: "PL903",
        name: "unmodelled-statement",
        family: Syntax,
        severity: Info,
        summary: "A statement whose effect the schema model does not represent",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for UnmodelledStatement {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .skipped
            .iter()
            .filter(|s| s.syntax_error.is_none() && s.already_exists.is_none())
        {
            out.push(Finding {
                location: s.location.clone(),
                rule: Self::META.name,
                severity: Self::META.severity,
                message: format!(
                    "{} is not modelled: the review does not see its effect",
                    s.form
                ),
                help: "Check this statement by hand, or review the live database with --db"
                    .to_owned(),
                lock: None,
                notes: Vec::new(),
                fix: None,
                label: None,
                irreversible: None,
                defined_at: None,
            });
        }
    }
}
