use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ATTACH PARTITION` of an existing table that has no validated CHECK
    /// constraint (that plumb can see) proving its rows fit the partition bound.
    ///
    /// ## Why is this bad
    /// Attaching scans the whole partition to check the bound while holding ACCESS EXCLUSIVE on
    /// it (and SHARE UPDATE EXCLUSIVE on the parent). A validated CHECK that implies the bound lets
    /// PostgreSQL skip the scan.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound CHECK (at >= '2024-01-01' AND at < '2025-01-01') NOT VALID;
    /// ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bound;
    /// ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    /// ALTER TABLE events_2024 DROP CONSTRAINT events_2024_bound;
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the CHECK expression must match the bound.
    ///
    /// ## PostgreSQL versions
    /// 10 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION>
    pub struct AttachPartitionScans {
        code: "PL108",
        name: "attach-partition-scans",
        family: Index,
        severity: High,
        summary: "ATTACH PARTITION scans the partition under ACCESS EXCLUSIVE unless a validated CHECK proves the bound",
        min_pg: Some(10),
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AttachPartitionScans {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (parent, cmd) in cx.alter_cmds {
            if subtype(cmd) != plumb_sql::protobuf::AlterTableType::AtAttachPartition {
                continue;
            }
            let Some(NodeEnum::PartitionCmd(p)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            let Some(rv) = &p.name else { continue };
            let part = QualifiedName::from_range_var(rv);
            if !cx.is_existing(&part) {
                continue;
            }
            let has_check = cx.catalog.table(&part).is_some_and(|t| {
                t.constraints.iter().any(|c| {
                    c.validated && matches!(c.kind, plumb_catalog::ConstraintKind::Check { .. })
                })
            });
            if has_check {
                continue;
            }
            let t = table_sql(&part);
            let mut f = cx.cmd_finding(&Self::META, cmd, format!("ATTACH PARTITION scans {t} under ACCESS EXCLUSIVE to check the partition bound"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {part}"));
            f.help = format!("First add and validate a CHECK constraint on {t} that matches the bound, so the attach skips the scan");
            let con = format!("{}_partition_bound", part.name);
            f.fix = Some(fix(
                "prove the bound with a validated CHECK first",
                format!("ALTER TABLE {t} ADD CONSTRAINT {con} CHECK (true /* the partition bound as an expression */) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {con};\n{};\nALTER TABLE {t} DROP CONSTRAINT {con};", cx.sql()),
                Some(format!("ALTER TABLE {} DETACH PARTITION {t};", table_sql(parent))),
                Applicability::DisplayOnly,
            ));
            out.push(f);
        }
    }
}
