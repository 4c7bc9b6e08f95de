use plumb_catalog::QualifiedName;
use plumb_diagnostics::Finding;
use plumb_sql::protobuf::DropBehavior;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `TRUNCATE` of a table that exists in production.
    ///
    /// ## Why is this bad
    /// Every row is deleted at once, under ACCESS EXCLUSIVE, with no per-row triggers; with
    /// `CASCADE` every table referencing it by foreign key is emptied too.
    ///
    /// ## Example
    /// ```sql
    /// TRUNCATE sessions;
    /// ```
    ///
    /// ## Use instead
    /// If the data really must go, delete it in batches (`DELETE ... WHERE ctid IN (SELECT ctid
    /// ... LIMIT n)`) outside the migration, after a backup; never `CASCADE`.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-truncate.html>
    pub struct TruncateTable {
        code: "PL505",
        name: "truncate-table",
        family: DataLoss,
        severity: Critical,
        summary: "TRUNCATE deletes every row of an existing table under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for TruncateTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::TruncateStmt(t) = cx.stmt else {
            return;
        };
        let tables: Vec<QualifiedName> = t
            .relations
            .iter()
            .filter_map(|r| match r.node.as_ref() {
                Some(NodeEnum::RangeVar(rv)) => Some(QualifiedName::from_range_var(rv)),
                _ => None,
            })
            .filter(|q| cx.is_existing(q))
            .collect();
        if tables.is_empty() {
            return;
        }
        let names = tables
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut f = cx.finding(
            &Self::META,
            format!("TRUNCATE deletes every row of {names}"),
        );
        f.lock = Some(format!("ACCESS EXCLUSIVE on {names}"));
        f.help =
            "Remove it from the migration; if the data must go, delete in batches after a backup"
                .to_owned();
        if t.behavior == DropBehavior::DropCascade as i32 {
            f.notes.push(
                "CASCADE also empties every table that references these by foreign key".to_owned(),
            );
        }
        f.irreversible = Some("the rows are deleted once the transaction commits: no rollback can restore them, only a backup".to_owned());
        out.push(f);
    }
}
