use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::engine::cannot_run_in_transaction;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags statements that PostgreSQL refuses inside a transaction block (`CREATE INDEX
    /// CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`, `DETACH PARTITION
    /// CONCURRENTLY`, `VACUUM`) when the migration runs them in one, whether the runner wraps the
    /// script (sqlx, diesel, dbmate, Flyway; Prisma and golang-migrate send a multi-statement
    /// script as one implicit transaction) or the script says `BEGIN`.
    ///
    /// ## Why is this bad
    /// The migration fails at run time with `ERROR: CREATE INDEX CONCURRENTLY cannot run inside
    /// a transaction block`, after earlier statements may already have run.
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// Put the statement alone in a migration that the runner does not wrap in a transaction
    /// (sqlx: first line `-- no-transaction`; diesel: `run_in_transaction = false` in
    /// metadata.toml; dbmate: `-- migrate:up transaction:false`; Flyway: `executeInTransaction=false`).
    ///
    /// ## Fix safety
    /// No automatic fix: the migration must be split.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY>
    pub struct ConcurrentlyInTransaction {
        code: "PL106",
        name: "concurrently-in-transaction",
        family: Index,
        severity: High,
        summary: "A statement that cannot run in a transaction block runs in one: the migration fails",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for ConcurrentlyInTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if !cx.in_transaction || !cannot_run_in_transaction(cx.stmt) {
            return;
        }
        let mut f = cx.finding(&Self::META, "this statement cannot run inside a transaction block, and the migration runs it in one");
        f.help = format!(
            "Move it out of the transaction: {}",
            cx.no_transaction_hint()
        );
        f.notes.push(if cx.source.runner_transaction {
            format!(
                "the {} runner wraps this script in a transaction",
                cx.source.layout.as_str()
            )
        } else {
            "an explicit BEGIN opened a transaction block".to_owned()
        });
        out.push(f);
    }
}
