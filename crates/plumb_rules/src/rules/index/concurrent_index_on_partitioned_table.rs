use plumb_catalog::{QualifiedName, TableKind};
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `CREATE INDEX` on a partitioned table: `CONCURRENTLY` fails there, and without it
    /// every partition is locked against writes while its index builds.
    ///
    /// ## Why is this bad
    /// PostgreSQL rejects `CREATE INDEX CONCURRENTLY` on a partitioned table ("cannot create
    /// index on partitioned table concurrently"); a plain `CREATE INDEX` recurses to every
    /// partition holding SHARE locks until all are built.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX CONCURRENTLY events_at_idx ON events (at);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX IF NOT EXISTS events_at_idx ON ONLY events (at);
    /// CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_at_idx ON events_2024 (at);
    /// ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: one build per partition, outside a transaction.
    ///
    /// ## PostgreSQL versions
    /// 11 and later (partitioned indexes).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE>
    pub struct ConcurrentIndexOnPartitionedTable {
        code: "PL107",
        name: "concurrent-index-on-partitioned-table",
        family: Index,
        severity: High,
        summary: "CREATE INDEX on a partitioned table: CONCURRENTLY fails, and without it every partition blocks writes",
        min_pg: Some(11),
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for ConcurrentIndexOnPartitionedTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::IndexStmt(i) = cx.stmt else {
            return;
        };
        let Some(rv) = &i.relation else { return };
        if !rv.inh {
            return; // ON ONLY: the safe first step.
        }
        let table = QualifiedName::from_range_var(rv);
        let partitioned = cx
            .catalog
            .table(&table)
            .is_some_and(|t| t.kind == TableKind::Partitioned);
        if !partitioned || (!i.concurrent && !cx.is_existing(&table)) {
            return;
        }
        let partitions: Vec<&QualifiedName> = cx
            .catalog
            .tables
            .values()
            .filter(|t| t.partition_of.as_ref() == Some(&table))
            .map(|t| &t.name)
            .collect();
        let t = table_sql(&table);
        let name = if i.idxname.is_empty() {
            format!("{}_idx", table.name)
        } else {
            i.idxname.clone()
        };
        let cols = plumb_sql::deparse(cx.stmt)
            .and_then(|s| s.find(" (").map(|p| s[p + 1..].to_owned()))
            .unwrap_or_else(|| "(...)".to_owned());
        let mut sql = format!(
            "CREATE {}INDEX IF NOT EXISTS {} ON ONLY {t} {cols};\n",
            if i.unique { "UNIQUE " } else { "" },
            ident(&name)
        );
        let mut rollback = format!("DROP INDEX IF EXISTS {};", ident(&name));
        for p in &partitions {
            let pname = format!(
                "{}_{}",
                p.name,
                name.trim_start_matches(&format!("{}_", table.name))
            );
            sql.push_str(&format!(
                "CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {} {cols};\nALTER INDEX {} ATTACH PARTITION {};\n",
                if i.unique { "UNIQUE " } else { "" },
                ident(&pname),
                table_sql(p),
                ident(&name),
                ident(&pname)
            ));
            rollback.push_str(&format!(
                "\nDROP INDEX CONCURRENTLY IF EXISTS {};",
                ident(&pname)
            ));
        }
        let message = if i.concurrent {
            format!("CREATE INDEX CONCURRENTLY fails on partitioned table {t}")
        } else {
            format!("CREATE INDEX on partitioned table {t} blocks writes on every partition until all are indexed")
        };
        let mut f = cx.finding(&Self::META, message);
        f.lock = Some(format!("SHARE on {table} and each partition"));
        f.help = "Create the index ON ONLY the parent, build each partition's index concurrently, then ATTACH PARTITION each".to_owned();
        f.fix = Some(fix(
            "index each partition concurrently and attach",
            sql.trim_end().to_owned(),
            Some(rollback),
            Applicability::Unsafe,
        ));
        out.push(f);
    }
}
