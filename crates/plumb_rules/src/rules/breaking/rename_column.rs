use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ObjectType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{batch_update, ident, step, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... RENAME COLUMN` on an existing table.
    ///
    /// ## Why is this bad
    /// The running application still uses the old name: from the moment the migration commits
    /// until every instance is redeployed, its queries fail with `column does not exist`.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users RENAME COLUMN name TO full_name;
    /// ```
    ///
    /// ## Use instead
    /// Expand and contract: add the new column, write both, backfill, move reads, then drop the
    /// old column in a later release.
    ///
    /// ## Fix safety
    /// Display only: needs application changes between steps.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html>
    pub struct RenameColumn {
        code: "PL402",
        name: "rename-column",
        family: Breaking,
        severity: High,
        summary: "RENAME COLUMN breaks the running application that still uses the old name",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for RenameColumn {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RenameStmt(r) = cx.stmt else {
            return;
        };
        if r.rename_type != ObjectType::ObjectColumn as i32
            || r.relation_type != ObjectType::ObjectTable as i32
        {
            return;
        }
        let Some(rv) = &r.relation else { return };
        let table = QualifiedName::from_range_var(rv);
        if !cx.is_existing(&table) || cx.is_new_column(&table, &r.subname) {
            return;
        }
        let t = table_sql(&table);
        let (old, new) = (ident(&r.subname), ident(&r.newname));
        let type_name = cx
            .catalog
            .table(&table)
            .and_then(|tb| tb.column(&r.subname))
            .map_or_else(
                || "text /* the column's type */".to_owned(),
                |c| c.type_name.clone(),
            );
        let mut f = cx.finding(
            &Self::META,
            format!("renaming {t}.{old} to {new} breaks every running query that uses {old}"),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
        f.help = "Expand and contract: add the new column, write both, backfill, move reads, drop the old column in a later release".to_owned();
        let sql = format!(
            "{}ALTER TABLE {t} ADD COLUMN {new} {type_name};\n{}{}\n{}ALTER TABLE {t} DROP COLUMN {old};",
            step(1, "release 1: add the new column; the application writes both"),
            step(2, "backfill in batches; then the application reads the new column"),
            batch_update(&t, &format!("{new} = {old}"), &format!("{new} IS NULL AND {old} IS NOT NULL")),
            step(3, "release 2, once nothing uses the old column"),
        );
        f.fix = Some(fix(
            "expand and contract instead of renaming",
            sql,
            Some(format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {new};")),
            Applicability::DisplayOnly,
        ));
        out.push(f);
    }
}
