use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::{self, Node};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::table_sql;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `UPDATE` and `DELETE` on an existing table that touch the whole table: no `WHERE`,
    /// a constant-true `WHERE`, or a `WHERE` that only tests a column added in this migration
    /// (every existing row matches).
    ///
    /// ## Why is this bad
    /// One statement locks every row it changes until the migration commits: concurrent updates
    /// of those rows wait, a DDL transaction holding ACCESS EXCLUSIVE keeps everything waiting,
    /// and the table bloats by a full copy of itself, with one huge burst of WAL for replicas.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE users SET active = true;
    /// ```
    ///
    /// ## Use instead
    /// Backfill in batches of a few thousand rows, each in its own short transaction, outside
    /// the DDL migration:
    /// ```sql
    /// UPDATE users SET active = true WHERE ctid IN (SELECT ctid FROM users WHERE active IS NULL LIMIT 10000);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the batch loop runs outside the migration.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/routine-vacuuming.html>
    pub struct UnbatchedDataChange {
        code: "PL601",
        name: "unbatched-data-change",
        family: Data,
        severity: High,
        summary: "UPDATE or DELETE of a whole existing table in one statement",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

/// Whether a WHERE clause matches every existing row.
fn matches_everything(cx: &StatementContext<'_>, table: &QualifiedName, w: Option<&Node>) -> bool {
    let Some(w) = w else { return true };
    match w.node.as_ref() {
        Some(NodeEnum::AConst(c)) => {
            matches!(c.val, Some(protobuf::a_const::Val::Boolval(ref b)) if b.boolval)
        }
        // `new_col IS NULL`: every row that existed before the column was added.
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype == protobuf::NullTestType::IsNull as i32
                && t.arg
                    .as_deref()
                    .and_then(plumb_sql::ast::column_ref_name)
                    .is_some_and(|c| cx.is_new_column(table, &c))
        }
        _ => false,
    }
}

impl Rule for UnbatchedDataChange {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let (verb, rv, w) = match cx.stmt {
            NodeEnum::UpdateStmt(u) => ("UPDATE", u.relation.as_ref(), u.where_clause.as_deref()),
            NodeEnum::DeleteStmt(d) => ("DELETE", d.relation.as_ref(), d.where_clause.as_deref()),
            _ => return,
        };
        let Some(rv) = rv else { return };
        let table = QualifiedName::from_range_var(rv);
        if !cx.is_existing(&table) || !matches_everything(cx, &table, w) {
            return;
        }
        // A table unknown to the migrations that an UPDATE targets is still assumed large.
        let t = table_sql(&table);
        let mut f = cx.finding(
            &Self::META,
            format!("{verb} touches every row of existing table {t} in one statement"),
        );
        f.lock = Some(format!(
            "ROW EXCLUSIVE on {table}, and a row lock on every row until commit"
        ));
        f.help = "Run the change in batches of a few thousand rows, each in its own transaction, outside the DDL migration".to_owned();
        if cx.in_transaction {
            f.notes.push(
                "inside the migration's transaction the row locks are held until it commits"
                    .to_owned(),
            );
        }
        let sql = cx.sql();
        let batched = match cx.stmt {
            // Appending a WHERE is only valid when nothing follows the SET list.
            NodeEnum::UpdateStmt(u)
                if u.where_clause.is_none() && u.from_clause.is_empty() && u.returning_clause.is_none() =>
            {
                Some(format!("{sql} WHERE ctid IN (SELECT ctid FROM {t} /* add: WHERE <not yet updated> */ LIMIT 10000);"))
            }
            NodeEnum::DeleteStmt(d)
                if d.where_clause.is_none() && d.using_clause.is_empty() && d.returning_clause.is_none() =>
            {
                Some(format!("{sql} WHERE ctid IN (SELECT ctid FROM {t} LIMIT 10000);"))
            }
            _ => None,
        };
        if let Some(b) = batched {
            f.fix = Some(fix(
                "one batch; repeat until it changes no row",
                format!("-- outside the DDL migration, repeated until 0 rows:\n{b}"),
                None,
                Applicability::Unsafe,
            ));
        }
        out.push(f);
    }
}
