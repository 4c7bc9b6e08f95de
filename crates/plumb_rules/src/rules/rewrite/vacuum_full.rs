use plumb_catalog::QualifiedName;
use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `VACUUM FULL` in a migration.
    ///
    /// ## Why is this bad
    /// `VACUUM FULL` rewrites each table into a new file while holding ACCESS EXCLUSIVE: no reads
    /// or writes until it finishes, and it needs disk for a full second copy. Without a table
    /// list it does this to every table of the database.
    ///
    /// ## Example
    /// ```sql
    /// VACUUM FULL orders;
    /// ```
    ///
    /// ## Use instead
    /// Plain `VACUUM` (no exclusive lock) or `pg_repack`, which rebuilds online.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-vacuum.html>
    pub struct VacuumFull {
        code: "PL305",
        name: "vacuum-full",
        family: Rewrite,
        severity: High,
        summary: "VACUUM FULL rewrites tables under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for VacuumFull {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::VacuumStmt(v) = cx.stmt else {
            return;
        };
        let full = v
            .options
            .iter()
            .any(|o| matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "full"));
        if !full {
            return;
        }
        let tables: Vec<QualifiedName> = v
            .rels
            .iter()
            .filter_map(|r| match r.node.as_ref() {
                Some(NodeEnum::VacuumRelation(vr)) => {
                    vr.relation.as_ref().map(QualifiedName::from_range_var)
                }
                _ => None,
            })
            .collect();
        if !tables.is_empty() && tables.iter().all(|t| !cx.is_existing(t)) {
            return;
        }
        let target = if tables.is_empty() {
            "every table of the database".to_owned()
        } else {
            tables
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut f = cx.finding(
            &Self::META,
            format!("VACUUM FULL rewrites {target} while blocking all reads and writes"),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {target}"));
        f.help = "Use plain VACUUM, or pg_repack to reclaim space online; keep maintenance out of migrations".to_owned();
        out.push(f);
    }
}
