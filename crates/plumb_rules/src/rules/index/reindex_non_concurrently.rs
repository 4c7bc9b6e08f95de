use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `REINDEX` without `CONCURRENTLY`.
    ///
    /// ## Why is this bad
    /// `REINDEX` locks out writes to the table (SHARE) and takes ACCESS EXCLUSIVE on the index
    /// being rebuilt, so queries that would use it block too, for the whole rebuild.
    ///
    /// ## Example
    /// ```sql
    /// REINDEX INDEX orders_user_id_idx;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// REINDEX INDEX CONCURRENTLY orders_user_id_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: `CONCURRENTLY` cannot run inside a transaction block.
    ///
    /// ## PostgreSQL versions
    /// `REINDEX CONCURRENTLY` exists since PostgreSQL 12; the rule applies from 12 on.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-reindex.html>
    pub struct ReindexNonConcurrently {
        code: "PL105",
        name: "reindex-non-concurrently",
        family: Index,
        severity: High,
        summary: "REINDEX without CONCURRENTLY blocks writes and reads that use the index",
        min_pg: Some(12),
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for ReindexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::ReindexStmt(r) = cx.stmt else {
            return;
        };
        let concurrent = r.params.iter().any(|o| matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"));
        if concurrent {
            return;
        }
        if let Some(rv) = &r.relation {
            let name = QualifiedName::from_range_var(rv);
            let table = cx
                .catalog
                .indexes
                .get(&name)
                .map_or(name, |i| i.table.clone());
            if !cx.is_existing(&table) {
                return;
            }
        }
        let sql = cx.sql();
        let upper = sql.to_ascii_uppercase();
        let fixed = ["INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM"]
            .iter()
            .find_map(|kw| {
                let pat = format!("REINDEX {kw} ");
                upper.find(&pat).map(|at| {
                    format!(
                        "{}REINDEX {kw} CONCURRENTLY {};",
                        &sql[..at],
                        &sql[at + pat.len()..]
                    )
                })
            });
        let mut f = cx.finding(&Self::META, "REINDEX without CONCURRENTLY blocks writes to the table and reads through the index during the rebuild");
        f.lock = Some("SHARE on the table, ACCESS EXCLUSIVE on the index".to_owned());
        f.help = format!(
            "Use REINDEX ... CONCURRENTLY outside a transaction block ({})",
            cx.no_transaction_hint()
        );
        if let Some(fixed) = fixed.filter(|f| plumb_sql::parses(f)) {
            f.fix = Some(fix(
                "rebuild concurrently",
                fixed,
                None,
                Applicability::Unsafe,
            ));
        }
        out.push(f);
    }
}
