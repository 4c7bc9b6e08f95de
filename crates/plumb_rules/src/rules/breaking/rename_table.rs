use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ObjectType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... RENAME TO` on an existing table.
    ///
    /// ## Why is this bad
    /// The running application still queries the old name and fails with `relation does not
    /// exist` until every instance is redeployed.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users RENAME TO accounts;
    /// ```
    ///
    /// ## Use instead
    /// Rename, and in the same transaction create a view with the old name so old code keeps
    /// working (simple views are updatable); drop the view after the deploy.
    /// ```sql
    /// ALTER TABLE users RENAME TO accounts;
    /// CREATE VIEW users AS SELECT * FROM accounts;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the view must be dropped in a later release.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html>
    pub struct RenameTable {
        code: "PL403",
        name: "rename-table",
        family: Breaking,
        severity: High,
        summary: "RENAME TABLE breaks the running application that still uses the old name",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for RenameTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RenameStmt(r) = cx.stmt else {
            return;
        };
        if r.rename_type != ObjectType::ObjectTable as i32 {
            return;
        }
        let Some(rv) = &r.relation else { return };
        let table = QualifiedName::from_range_var(rv);
        if !cx.is_existing(&table) {
            return;
        }
        let old = table_sql(&table);
        let new_q = QualifiedName::new(Some(&table.schema), &r.newname);
        let new = table_sql(&new_q);
        if cx.name_taken_later(&table) {
            // A swap: another table or view takes the old name in the same migration, so
            // queries keep finding a relation called that; a compatibility view would collide.
            let mut f = cx.finding(
                &Self::META,
                format!(
                    "renaming table {old} to {} while a later statement of this migration gives its name to another relation: queries on {old} switch to that one",
                    ident(&r.newname)
                ),
            );
            f.severity = plumb_diagnostics::Severity::Medium;
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = format!("Check that the relation that takes the name {old} has the columns running code reads, and keep both renames in one short transaction");
            out.push(f);
            return;
        }
        let mut f = cx.finding(
            &Self::META,
            format!(
                "renaming table {old} to {} breaks every running query that uses {old}",
                ident(&r.newname)
            ),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
        f.help = format!("Keep a view named {old} over the renamed table until every deployed version uses the new name");
        f.fix = Some(fix(
            "rename and keep a compatibility view",
            format!(
                "ALTER TABLE {old} RENAME TO {};\nCREATE VIEW {old} AS SELECT * FROM {new};",
                ident(&r.newname)
            ),
            Some(format!(
                "DROP VIEW IF EXISTS {old};\nALTER TABLE {new} RENAME TO {};",
                ident(&table.name)
            )),
            Applicability::Unsafe,
        ));
        out.push(f);
    }
}
