use plumb_diagnostics::Finding;

use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a statement that PostgreSQL's parser rejects, at the position where it stopped, in
    /// migrations (`plumb lint`) and in schema files (`plumb schema review`). The statement still
    /// counts as read, and the statements after it are still checked: an unbalanced parenthesis
    /// or a stray token never hides the rest of the file.
    ///
    /// ## Why is this bad
    /// The migration fails when it runs; with a runner that does not wrap the script in a
    /// transaction, the statements before it have already been applied. In a schema file, the
    /// objects the statement would create are missing from the review.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABEL users (id bigint);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE users (id bigint);
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All (parsed with the PostgreSQL 18 grammar, which accepts what older versions accept).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-syntax.html>
    pub struct SyntaxError {
        code: "PL901",
        name: "syntax-error",
        family: Syntax,
        severity: High,
        summary: "A statement PostgreSQL rejects",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for SyntaxError {
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        for s in cx.skipped {
            let Some(message) = &s.syntax_error else {
                continue;
            };
            let mut f = Finding::new(
                &Self::META,
                s.location.clone(),
                format!("PostgreSQL rejects this statement: {message}"),
            );
            f.help = "Fix the syntax: PostgreSQL will refuse to load this schema, and the review \
                      does not see what the statement creates"
                .to_owned();
            out.push(f);
        }
    }
}
