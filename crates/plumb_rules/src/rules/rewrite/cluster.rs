use plumb_catalog::QualifiedName;
use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `CLUSTER` in a migration.
    ///
    /// ## Why is this bad
    /// `CLUSTER` rewrites the table in index order while holding ACCESS EXCLUSIVE; without a
    /// table it reclusters every previously clustered table.
    ///
    /// ## Example
    /// ```sql
    /// CLUSTER orders USING orders_created_at_idx;
    /// ```
    ///
    /// ## Use instead
    /// `pg_repack --order-by`, which reorders online, outside migrations.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-cluster.html>
    pub struct Cluster {
        code: "PL306",
        name: "cluster",
        family: Rewrite,
        severity: High,
        summary: "CLUSTER rewrites the table under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for Cluster {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::ClusterStmt(c) = cx.stmt else {
            return;
        };
        let table = c.relation.as_ref().map(QualifiedName::from_range_var);
        if table.as_ref().is_some_and(|t| !cx.is_existing(t)) {
            return;
        }
        let target = table.map_or_else(|| "every clustered table".to_owned(), |t| t.to_string());
        let mut f = cx.finding(
            &Self::META,
            format!("CLUSTER rewrites {target} while blocking all reads and writes"),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {target}"));
        f.help = "Use pg_repack --order-by to reorder online, outside migrations".to_owned();
        out.push(f);
    }
}
