use plumb_diagnostics::Finding;
use plumb_sql::protobuf::TransactionStmtKind;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `BEGIN`/`COMMIT`/`ROLLBACK` in a script that the migration runner already wraps in
    /// a transaction, and a `BEGIN` inside an open transaction block.
    ///
    /// ## Why is this bad
    /// A nested `BEGIN` is ignored with a warning, and the script's `COMMIT` ends the runner's
    /// transaction early: the statements after it run in autocommit, so a failure leaves the
    /// migration half applied and the runner's bookkeeping out of step.
    ///
    /// ## Example
    /// ```sql
    /// -- a sqlx migration (already in a transaction)
    /// BEGIN;
    /// ALTER TABLE users ADD COLUMN bio text;
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// Drop the explicit transaction control and let the runner manage the transaction.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-begin.html>
    pub struct TransactionNesting {
        code: "PL406",
        name: "transaction-nesting",
        family: Breaking,
        severity: Medium,
        summary: "Explicit transaction control inside a migration the runner already wraps in a transaction",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for TransactionNesting {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::TransactionStmt(t) = cx.stmt else {
            return;
        };
        let kind = TransactionStmtKind::try_from(t.kind);
        let begins = matches!(
            kind,
            Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart)
        );
        let ends = matches!(
            kind,
            Ok(TransactionStmtKind::TransStmtCommit | TransactionStmtKind::TransStmtRollback)
        );
        // The engine has already applied BEGIN to `in_transaction`; a runner transaction means
        // any BEGIN or COMMIT here nests or ends it.
        if cx.source.runner_transaction && (begins || ends) {
            let mut f = cx.finding(&Self::META, format!("the {} runner already runs this script in a transaction; this statement nests or ends it", cx.source.layout.as_str()));
            f.help = "Remove BEGIN/COMMIT and let the runner manage the transaction".to_owned();
            out.push(f);
        }
    }
}
