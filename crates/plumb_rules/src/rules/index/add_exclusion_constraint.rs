use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::added_constraint;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on an existing table.
    ///
    /// ## Why is this bad
    /// An exclusion constraint builds its index and checks every row while holding ACCESS
    /// EXCLUSIVE on the table, and unlike UNIQUE it cannot be attached from an index built
    /// concurrently (`USING INDEX` accepts only unique B-tree indexes).
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
    /// ```
    ///
    /// ## Use instead
    /// Add the constraint when the table is created, or during a maintenance window with a
    /// `lock_timeout`; or enforce the rule in a trigger backed by an index built concurrently.
    ///
    /// ## Fix safety
    /// Display only: there is no lock-free rewrite.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html>
    pub struct AddExclusionConstraint {
        code: "PL103",
        name: "add-exclusion-constraint",
        family: Index,
        severity: High,
        summary: "ADD CONSTRAINT EXCLUDE builds an index and checks every row under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AddExclusionConstraint {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let Some(c) = added_constraint(cmd) else {
                continue;
            };
            if c.contype != ConstrType::ConstrExclusion as i32 || !cx.is_existing(table) {
                continue;
            }
            let t = table_sql(table);
            let mut f = cx.cmd_finding(&Self::META, cmd, format!("ADD CONSTRAINT EXCLUDE on existing table {t} blocks all reads and writes while it builds and checks"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Run it in a maintenance window with a short lock_timeout, or add the constraint when the table is created".to_owned();
            let name = if c.conname.is_empty() {
                format!("{}_excl", table.name)
            } else {
                c.conname.clone()
            };
            f.fix = Some(fix(
                "fail fast instead of queueing behind traffic",
                format!("SET lock_timeout = '5s';\n{};", cx.sql()),
                Some(format!(
                    "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {};",
                    ident(&name)
                )),
                Applicability::DisplayOnly,
            ));
            out.push(f);
        }
    }
}
