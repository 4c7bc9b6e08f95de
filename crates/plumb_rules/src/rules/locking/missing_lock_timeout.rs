use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::{fix, MigrationContext};
use crate::engine::is_slow;
use crate::locks::LockMode;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Reports, once per migration script, the first statement that takes ACCESS EXCLUSIVE on an
    /// existing table while no `lock_timeout` is in effect (set earlier in the script with `SET`,
    /// `SET LOCAL` in the same transaction, or `set_config`).
    ///
    /// ## Why is this bad
    /// An ACCESS EXCLUSIVE request waits behind every running query on the table, even a long
    /// report, and every query that arrives meanwhile queues behind the request: a one-millisecond
    /// catalog change becomes an outage. `lock_timeout` makes the migration fail fast instead, to
    /// be retried. The reminder alone is low severity (`plumb migrate` sets lock_timeout itself);
    /// it is medium when the statement also scans or rewrites the table under the lock.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD COLUMN bio text;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SET lock_timeout = '5s';
    /// ALTER TABLE users ADD COLUMN bio text;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: same meaning; the migration may fail fast and need a retry.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT>
    pub struct MissingLockTimeout {
        code: "PL703",
        name: "missing-lock-timeout",
        family: Locking,
        severity: Low,
        summary: "ACCESS EXCLUSIVE on an existing table with no lock_timeout in effect",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for MissingLockTimeout {
    fn check_migration(&self, cx: &MigrationContext<'_>, out: &mut Vec<Finding>) {
        let Some((s, lock)) = cx
            .statements
            .iter()
            .filter(|s| !s.lock_timeout)
            .find_map(|s| {
                s.existing_locks
                    .iter()
                    .find(|l| l.mode == LockMode::AccessExclusive)
                    .map(|l| (s, l))
            })
        else {
            return;
        };
        let mut f = cx.source.finding(&Self::META, s.start, s.end, format!("{} is requested with no lock_timeout: if it waits, all traffic on {} queues behind it", lock.describe(), lock.table));
        if is_slow(lock.work) {
            f.severity = Severity::Medium;
            f.notes.push(
                "the statement also scans or rewrites the table while holding the lock".to_owned(),
            );
        }
        f.lock = Some(lock.describe());
        f.help = "Set lock_timeout at the top of the migration so a blocked lock fails fast and can be retried".to_owned();
        // Inside a transaction block, SET LOCAL keeps the setting from leaking into the rest of
        // the session (a pooled connection, the runner's own statements) after COMMIT.
        let (set, rollback) = if s.in_transaction {
            (
                "SET LOCAL lock_timeout = '5s';",
                "SET LOCAL lock_timeout = DEFAULT;",
            )
        } else {
            ("SET lock_timeout = '5s';", "RESET lock_timeout;")
        };
        let mut fx = fix(
            "set a lock_timeout first",
            set,
            Some(rollback.to_owned()),
            Applicability::Safe,
        );
        fx.placement = plumb_diagnostics::Placement::Before;
        f.fix = Some(fx);
        out.push(f);
    }
}
