use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ObjectType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
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
        let current = cx
            .catalog
            .table(&table)
            .and_then(|tb| tb.column(&r.subname))
            .cloned();
        let mut f = cx.finding(
            &Self::META,
            format!("renaming {t}.{old} to {new} breaks every running query that uses {old}"),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
        f.help = "Expand and contract: add the new column, write both, backfill, move reads, drop the old column in a later release".to_owned();
        let Some(current) = current else {
            // The column's type is unknown here: the expand-and-contract steps cannot be written.
            f.notes.push("the column is not created by the migrations before this one, so plumb cannot write the expand-and-contract steps (their type, NOT NULL and DEFAULT)".to_owned());
            out.push(f);
            return;
        };
        let (sql, rollback, notes) = crate::fix::ExpandContract {
            table: &table,
            old: &current,
            new_name: &r.newname,
            new_type: &current.type_name,
            swap: false,
            using: None,
            pg_version: cx.pg_version(),
        }
        .build(cx.catalog);
        f.notes.extend(notes);
        f.fix = Some(fix(
            "expand and contract instead of renaming",
            sql,
            Some(rollback),
            Applicability::DisplayOnly,
        ));
        out.push(f);
    }
}
