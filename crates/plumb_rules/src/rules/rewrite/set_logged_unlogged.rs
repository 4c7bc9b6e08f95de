use plumb_diagnostics::Finding;
use plumb_sql::protobuf::AlterTableType;

use crate::context::StatementContext;
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... SET LOGGED` and `SET UNLOGGED` on an existing table.
    ///
    /// ## Why is this bad
    /// Both rewrite the whole table (SET LOGGED also writes all of it to the WAL) while holding
    /// ACCESS EXCLUSIVE. An UNLOGGED table is also emptied after a crash and not replicated.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events SET UNLOGGED;
    /// ```
    ///
    /// ## Use instead
    /// Decide persistence when the table is created; to change it, create a new table, copy in
    /// batches and swap names in a short transaction.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// 9.5 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-LOGGED-UNLOGGED>
    pub struct SetLoggedUnlogged {
        code: "PL303",
        name: "set-logged-unlogged",
        family: Rewrite,
        severity: High,
        summary: "SET LOGGED / SET UNLOGGED rewrites the table under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for SetLoggedUnlogged {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let what = match subtype(cmd) {
                AlterTableType::AtSetLogged => "SET LOGGED",
                AlterTableType::AtSetUnLogged => "SET UNLOGGED",
                _ => continue,
            };
            if !cx.is_existing(table) {
                continue;
            }
            let mut f = cx.cmd_finding(
                &Self::META,
                cmd,
                format!(
                    "{what} rewrites {} while blocking all reads and writes",
                    table_sql(table)
                ),
            );
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Copy into a new table with the wanted persistence in batches and swap names, or run in a maintenance window".to_owned();
            if what == "SET UNLOGGED" {
                f.notes.push("an UNLOGGED table is truncated after a crash and is not replicated to standbys".to_owned());
            }
            out.push(f);
        }
    }
}
