use plumb_diagnostics::Finding;
use plumb_sql::protobuf::AlterTableType;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... SET TABLESPACE` and `ALTER INDEX ... SET TABLESPACE` on existing
    /// objects.
    ///
    /// ## Why is this bad
    /// Moving a table or index copies every data file while holding ACCESS EXCLUSIVE.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders SET TABLESPACE fast_ssd;
    /// ```
    ///
    /// ## Use instead
    /// Create new objects in the target tablespace and migrate data in batches, or use
    /// `pg_repack --tablespace`, which holds the strong lock only briefly.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html>
    pub struct SetTablespace {
        code: "PL304",
        name: "set-tablespace",
        family: Rewrite,
        severity: High,
        summary: "SET TABLESPACE copies the table or index under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for SetTablespace {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterTableStmt(a) = cx.stmt else {
            return;
        };
        let Some(rv) = &a.relation else { return };
        let name = plumb_catalog::QualifiedName::from_range_var(rv);
        let moves = a.cmds.iter().any(|c| matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(cmd)) if subtype(cmd) == AlterTableType::AtSetTableSpace));
        let table = cx
            .catalog
            .indexes
            .get(&name)
            .map_or_else(|| name.clone(), |i| i.table.clone());
        if !moves || !cx.is_existing(&table) {
            return;
        }
        let mut f = cx.finding(
            &Self::META,
            format!(
                "SET TABLESPACE copies {} while blocking all reads and writes",
                table_sql(&name)
            ),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {name}"));
        f.help = "Use pg_repack --tablespace, or build new objects in the target tablespace and switch over".to_owned();
        out.push(f);
    }
}
