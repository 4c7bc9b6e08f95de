use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::locks::LockMode;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `LOCK TABLE` in a SHARE mode or stronger on an existing table.
    ///
    /// ## Why is this bad
    /// The lock is held until the transaction ends, blocking writes (SHARE and stronger) or all
    /// access (ACCESS EXCLUSIVE, the default mode) for everything the migration does after it.
    ///
    /// ## Example
    /// ```sql
    /// LOCK TABLE orders;
    /// ```
    ///
    /// ## Use instead
    /// Let each statement take the lock it needs, keep the transaction short, and set
    /// `lock_timeout` so a blocked lock request fails fast instead of queueing traffic.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-lock.html>
    pub struct LockTable {
        code: "PL701",
        name: "lock-table",
        family: Locking,
        severity: Medium,
        summary: "LOCK TABLE holds a blocking lock until the transaction ends",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for LockTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::LockStmt(_) = cx.stmt else {
            return;
        };
        let strong: Vec<_> = cx
            .locks
            .iter()
            .filter(|l| l.mode >= LockMode::Share && cx.is_existing(&l.table))
            .collect();
        if strong.is_empty() {
            return;
        }
        let locks = strong
            .iter()
            .map(|l| l.describe())
            .collect::<Vec<_>>()
            .join(", ");
        let mut f = cx.finding(
            &Self::META,
            format!("LOCK TABLE takes {locks} until the transaction ends"),
        );
        f.lock = Some(locks);
        f.help = "Remove the explicit lock or keep the transaction after it minimal, with a lock_timeout".to_owned();
        out.push(f);
    }
}
