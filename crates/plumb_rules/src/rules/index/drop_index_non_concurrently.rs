use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ObjectType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::sql_of;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `DROP INDEX` without `CONCURRENTLY` on an index of an existing table.
    ///
    /// ## Why is this bad
    /// A plain `DROP INDEX` takes ACCESS EXCLUSIVE on the index's table. The drop itself is
    /// quick, but the lock request waits behind every running query on the table, and every
    /// query that arrives meanwhile queues behind it.
    ///
    /// ## Example
    /// ```sql
    /// DROP INDEX orders_status_idx;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: `CONCURRENTLY` cannot run inside a transaction block.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-dropindex.html>
    pub struct DropIndexNonConcurrently {
        code: "PL104",
        name: "drop-index-non-concurrently",
        family: Index,
        severity: Medium,
        summary: "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for DropIndexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(d) = cx.stmt else {
            return;
        };
        if d.remove_type != ObjectType::ObjectIndex as i32 || d.concurrent {
            return;
        }
        let mut tables = Vec::new();
        let mut known = Vec::new();
        for obj in &d.objects {
            let Some(NodeEnum::List(l)) = obj.node.as_ref() else {
                continue;
            };
            let Some(name) = QualifiedName::from_parts(&plumb_sql::ast::strings(&l.items)) else {
                continue;
            };
            if let Some(idx) = cx.catalog.indexes.get(&name) {
                known.push(idx.clone());
            }
            match cx.catalog.indexes.get(&name) {
                Some(idx) if cx.is_existing(&idx.table) => tables.push(idx.table.clone()),
                Some(_) => {}
                // Unknown index: its table is not in context, so assume it exists.
                None => tables.push(name),
            }
        }
        if tables.is_empty() {
            return;
        }
        let mut concurrent = d.clone();
        concurrent.concurrent = true;
        concurrent.missing_ok = true;
        let mut f = cx.finding(&Self::META, "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table and queues all traffic behind it");
        f.lock = Some(format!(
            "ACCESS EXCLUSIVE on {}",
            tables
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        f.help = format!(
            "Use DROP INDEX CONCURRENTLY, outside a transaction block ({})",
            cx.no_transaction_hint()
        );
        if d.objects.len() == 1 {
            if let Some(sql) = sql_of(&NodeEnum::DropStmt(concurrent)) {
                // The rollback rebuilds the index exactly as the migrations before defined it;
                // an index they never created cannot be rebuilt from here.
                let rollback = known
                    .first()
                    .map(|idx| crate::fix::create_index_sql(cx.catalog, idx));
                if rollback.is_none() {
                    f.notes.push(
                        "the index is not created by the migrations before this one, so plumb cannot write the CREATE INDEX that rebuilds it; keep its definition (pg_get_indexdef) before dropping it"
                            .to_owned(),
                    );
                }
                f.fix = Some(fix(
                    "drop the index concurrently",
                    sql,
                    rollback,
                    Applicability::Unsafe,
                ));
            }
        }
        out.push(f);
    }
}
