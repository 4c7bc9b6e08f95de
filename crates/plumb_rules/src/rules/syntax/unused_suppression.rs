use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Reports a `-- plumb:ignore` or `-- plumb:ignore-file` comment that suppresses nothing, or
    /// that names a rule that does not exist.
    ///
    /// ## Why is this bad
    /// A stale suppression hides the next real finding of that rule on the statement, and a
    /// misspelled rule name suppresses nothing while looking as if it did.
    ///
    /// ## Example
    /// ```sql
    /// -- plumb:ignore create-index-non-concurently small table
    /// CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment, or correct the rule name (`plumb rules` lists them).
    /// ```sql
    /// CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - plumb's README, section "Suppressing findings".
    pub struct UnusedSuppression {
        code: "PL902",
        name: "unused-suppression",
        family: Syntax,
        severity: Low,
        summary: "A plumb:ignore comment that suppresses nothing",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for UnusedSuppression {}
