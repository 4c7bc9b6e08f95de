use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::AlterTableType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on an existing table when no validated
    /// `CHECK (column IS NOT NULL)` constraint exists.
    ///
    /// ## Why is this bad
    /// PostgreSQL scans the whole table to prove there are no NULLs while holding ACCESS
    /// EXCLUSIVE. Since PostgreSQL 12 a validated `CHECK (col IS NOT NULL)` lets it skip the scan.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
    /// -- later migration:
    /// ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
    /// ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    /// ALTER TABLE users DROP CONSTRAINT users_email_not_null;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: spans two migrations.
    ///
    /// ## PostgreSQL versions
    /// All; the CHECK shortcut works from 12 on (before 12 the scan cannot be avoided, so the
    /// advice is to run it in a quiet window with a lock_timeout).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL>
    pub struct SetNotNullScans {
        code: "PL203",
        name: "set-not-null-scans",
        family: Constraint,
        severity: High,
        summary: "SET NOT NULL scans an existing table under ACCESS EXCLUSIVE unless a validated CHECK proves it",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for SetNotNullScans {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            if subtype(cmd) != AlterTableType::AtSetNotNull || !cx.is_existing(table) {
                continue;
            }
            let proven = cx
                .catalog
                .table(table)
                .is_some_and(|t| t.has_valid_not_null_check(&cmd.name));
            if proven && cx.pg_version() >= 12 {
                continue;
            }
            // SET NOT NULL on a column that already is NOT NULL changes nothing and scans nothing.
            let already = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(&cmd.name))
                .is_some_and(|c| c.not_null);
            if already {
                continue;
            }
            // A column added NOT NULL-able in this migration and backfilled is still a full scan.
            let t = table_sql(table);
            let c = ident(&cmd.name);
            let con = ident(&format!("{}_{}_not_null", table.name, cmd.name));
            let mut f = cx.cmd_finding(&Self::META, cmd, format!("SET NOT NULL on {t}.{c} scans the whole table while blocking all reads and writes"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            if cx.pg_version() >= 12 {
                f.help = "Prove it first with a CHECK (col IS NOT NULL) NOT VALID, validated in a later migration; then SET NOT NULL skips the scan".to_owned();
                let sql = format!(
                    "{}ALTER TABLE {t} ADD CONSTRAINT {con} CHECK ({c} IS NOT NULL) NOT VALID;\n{}ALTER TABLE {t} VALIDATE CONSTRAINT {con};\n{}ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {con};",
                    step(1, "migration 1: add the check for new rows (brief lock)"),
                    step(2, "migration 2: validate existing rows (SHARE UPDATE EXCLUSIVE)"),
                    step(3, "same migration: SET NOT NULL now skips the scan; the check is redundant"),
                );
                f.fix = Some(fix("prove NOT NULL with a validated CHECK first", sql, Some(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT IF EXISTS {con};")), Applicability::Unsafe));
            } else {
                f.help = "Before PostgreSQL 12 the scan cannot be avoided: run it in a quiet window with a short lock_timeout".to_owned();
            }
            out.push(f);
        }
    }
}
