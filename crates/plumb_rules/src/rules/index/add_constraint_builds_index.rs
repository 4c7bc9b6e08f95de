use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::{added_constraint, column_list};

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE` or `PRIMARY KEY` on an existing table
    /// when the constraint builds its own index.
    ///
    /// ## Why is this bad
    /// Adding the constraint builds a unique index while holding an ACCESS EXCLUSIVE lock on the
    /// table: every read and write waits for the whole build.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    /// ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    /// ```
    /// The second statement only attaches the finished index (a brief lock).
    ///
    /// ## Fix safety
    /// Unsafe: the index build must run outside a transaction block.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX>
    pub struct AddConstraintBuildsIndex {
        code: "PL102",
        name: "add-constraint-builds-index",
        family: Index,
        severity: High,
        summary: "ADD CONSTRAINT UNIQUE / PRIMARY KEY builds an index under ACCESS EXCLUSIVE on an existing table",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AddConstraintBuildsIndex {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let Some(c) = added_constraint(cmd) else {
                continue;
            };
            let kind = ConstrType::try_from(c.contype);
            let what = match kind {
                Ok(ConstrType::ConstrPrimary) => "PRIMARY KEY",
                Ok(ConstrType::ConstrUnique) => "UNIQUE",
                _ => continue,
            };
            if !c.indexname.is_empty() || !cx.is_existing(table) {
                continue;
            }
            let cols = column_list(&c.keys);
            let name = if c.conname.is_empty() {
                if what == "PRIMARY KEY" {
                    format!("{}_pkey", table.name)
                } else {
                    format!(
                        "{}_{}_key",
                        table.name,
                        plumb_sql::ast::strings(&c.keys).join("_")
                    )
                }
            } else {
                c.conname.clone()
            };
            let t = table_sql(table);
            let n = ident(&name);
            let sql = format!(
                "{}CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {n} ON {t} ({cols});\n{}ALTER TABLE {t} ADD CONSTRAINT {n} {what} USING INDEX {n};",
                step(1, &format!("outside a transaction ({})", cx.no_transaction_hint())),
                step(2, "attach the index as the constraint (brief ACCESS EXCLUSIVE)"),
            );
            let rollback = format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};\nDROP INDEX CONCURRENTLY IF EXISTS {n};");
            let mut f = cx.finding(&Self::META, format!("ADD CONSTRAINT {what} on existing table {t} builds a unique index while blocking all reads and writes"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help =
                "Build the unique index concurrently first, then add the constraint USING INDEX"
                    .to_owned();
            f.notes
                .push("the index build scans the whole table while the lock is held".to_owned());
            f.fix = Some(fix(
                "build the index concurrently, then attach it",
                sql,
                Some(rollback),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}
