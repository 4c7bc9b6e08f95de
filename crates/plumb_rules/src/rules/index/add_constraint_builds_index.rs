use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;
use plumb_sql::NodeEnum;

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
            // The fix replaces the whole statement: the statement's other subcommands (a DROP
            // of the old key, a type change, the new column itself) run first, as written.
            let others = other_subcommands(cx.stmt, cmd);
            let mut sql = String::new();
            if let Some(o) = &others {
                sql.push_str(&step(0, "the statement's other changes, as written"));
                sql.push_str(o);
                sql.push('\n');
            }
            sql.push_str(&format!(
                "{}CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {n} ON {t} ({cols});\n{}ALTER TABLE {t} ADD CONSTRAINT {n} {what} USING INDEX {n};",
                step(1, &format!("outside a transaction ({})", cx.no_transaction_hint())),
                step(2, "attach the index as the constraint (brief ACCESS EXCLUSIVE)"),
            ));
            // A primary key makes its columns NOT NULL, and dropping the key leaves them so:
            // the rollback gives back the nullability the columns had.
            let mut rollback = format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};\nDROP INDEX CONCURRENTLY IF EXISTS {n};");
            if what == "PRIMARY KEY" {
                for k in plumb_sql::ast::strings(&c.keys) {
                    let nullable = cx
                        .catalog
                        .table(table)
                        .and_then(|tb| tb.column(k))
                        .is_some_and(|col| !col.not_null);
                    if nullable {
                        rollback.push_str(&format!(
                            "\nALTER TABLE {t} ALTER COLUMN {} DROP NOT NULL;",
                            ident(k)
                        ));
                    }
                }
            }
            let mut f = cx.cmd_finding(&Self::META, cmd, format!("ADD CONSTRAINT {what} on existing table {t} builds a unique index while blocking all reads and writes"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help =
                "Build the unique index concurrently first, then add the constraint USING INDEX"
                    .to_owned();
            f.notes
                .push("the index build scans the whole table while the lock is held".to_owned());
            if others.is_some() {
                f.notes.push("the statement's other subcommands run first as written; plumb writes no rollback for them, so the fix has none".to_owned());
            }
            f.fix = Some(fix(
                "build the index concurrently, then attach it",
                sql,
                others.is_none().then_some(rollback),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}

/// The ALTER TABLE without the subcommand `cmd`, as SQL, when it has other subcommands.
fn other_subcommands(stmt: &NodeEnum, cmd: &plumb_sql::protobuf::AlterTableCmd) -> Option<String> {
    let NodeEnum::AlterTableStmt(a) = stmt else {
        return None;
    };
    let mut rest = a.clone();
    rest.cmds
        .retain(|c| !matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(x)) if **x == *cmd));
    if rest.cmds.is_empty() || rest.cmds.len() == a.cmds.len() {
        return None;
    }
    crate::fix::sql_of(&NodeEnum::AlterTableStmt(rest)).map(|s| format!("{s};"))
}
