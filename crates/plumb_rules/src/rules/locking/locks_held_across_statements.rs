use plumb_diagnostics::Finding;

use crate::context::MigrationContext;
use crate::engine::{blocks_traffic, is_slow};
use crate::locks::LockMode;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a transaction that, after taking ACCESS EXCLUSIVE on an existing table, goes on to
    /// lock another existing table, scan or rewrite a table, or change a whole table's rows.
    ///
    /// ## Why is this bad
    /// Locks are held until commit. Everything after the first ACCESS EXCLUSIVE extends the time
    /// that table is unavailable, and taking several strong locks in one transaction invites
    /// deadlocks with application transactions that lock the same tables in another order.
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// ALTER TABLE users ADD COLUMN plan text;
    /// UPDATE users SET plan = 'free';
    /// ALTER TABLE orders ADD COLUMN note text;
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// One strong lock per transaction: split the migration, and backfill outside it.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-DEADLOCKS>
    pub struct LocksHeldAcrossStatements {
        code: "PL704",
        name: "locks-held-across-statements",
        family: Locking,
        severity: Medium,
        summary: "A transaction keeps ACCESS EXCLUSIVE on an existing table while it does more slow or locking work",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for LocksHeldAcrossStatements {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Finding>) {
        let mut reported = std::collections::BTreeSet::new();
        for (i, first) in cx.statements.iter().enumerate() {
            if !first.in_transaction || reported.contains(&first.transaction) {
                continue;
            }
            let Some(held) = first
                .existing_locks
                .iter()
                .find(|l| l.mode == LockMode::AccessExclusive)
            else {
                continue;
            };
            let later = cx.statements[i + 1..]
                .iter()
                .take_while(|s| s.in_transaction && s.transaction == first.transaction)
                .find_map(|s| {
                    if s.large_dml {
                        return Some((s, "changes every row of a table".to_owned()));
                    }
                    s.existing_locks.iter().find_map(|l| {
                        if l.table != held.table && blocks_traffic(l.mode) {
                            Some((s, format!("also takes {}", l.describe())))
                        } else if is_slow(l.work) {
                            Some((s, format!("scans or rewrites {}", l.table)))
                        } else {
                            None
                        }
                    })
                });
            let Some((s, what)) = later else { continue };
            reported.insert(first.transaction);
            let mut f = cx.source.finding(
                &Self::META,
                s.start,
                s.end,
                format!(
                    "while the transaction holds {}, this statement {what}",
                    held.describe()
                ),
            );
            f.lock = Some(held.describe());
            f.help = "Keep one strong lock per transaction: split the migration, and run backfills outside it".to_owned();
            let line = cx.source.lines.line_col(cx.source.text, first.start).line;
            f.notes.push(format!(
                "the ACCESS EXCLUSIVE lock was taken at line {line} and is held until commit"
            ));
            out.push(f);
        }
    }
}
