use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a statement that PostgreSQL's parser rejects, at the position where it stopped.
    ///
    /// ## Why is this bad
    /// The migration fails when it runs; with a runner that does not wrap the script in a
    /// transaction, the statements before it have already been applied.
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

impl Rule for SyntaxError {}
