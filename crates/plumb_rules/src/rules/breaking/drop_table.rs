use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ObjectType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `DROP TABLE` of a table that exists in production (not created in this migration
    /// or, for a down script, by its up script).
    ///
    /// ## Why is this bad
    /// The data is gone for good, and any running code that still reads the table fails. The
    /// drop also waits for ACCESS EXCLUSIVE behind every running query.
    ///
    /// ## Example
    /// ```sql
    /// DROP TABLE audit_log;
    /// ```
    ///
    /// ## Use instead
    /// Stop using the table in one release; in a later one rename it aside (so it can be
    /// restored), and drop it once a backup has been verified.
    /// ```sql
    /// ALTER TABLE audit_log RENAME TO audit_log_deprecated;
    /// ```
    ///
    /// ## Fix safety
    /// Display only.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-droptable.html>
    pub struct DropTable {
        code: "PL501",
        name: "drop-table",
        family: DataLoss,
        severity: Critical,
        summary: "DROP TABLE of an existing table loses its data and breaks code that still reads it",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for DropTable {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(d) = cx.stmt else {
            return;
        };
        if d.remove_type != ObjectType::ObjectTable as i32 {
            return;
        }
        for obj in &d.objects {
            let Some(NodeEnum::List(l)) = obj.node.as_ref() else {
                continue;
            };
            let Some(table) = QualifiedName::from_parts(&plumb_sql::ast::strings(&l.items)) else {
                continue;
            };
            if !cx.is_existing(&table) {
                continue;
            }
            // `DROP TABLE IF EXISTS` of a table no earlier migration created is a guard, not a
            // loss of known data; it stays reported, at lower severity.
            let known = cx.catalog.table(&table).is_some();
            let t = table_sql(&table);
            let mut f = cx.finding(&Self::META, format!("DROP TABLE {t} permanently deletes its data and breaks any code still using it"));
            if !known && d.missing_ok {
                cx.guard_drop(&mut f, "table");
            }
            let by_up = cx.created_by_up(&table, None);
            f.severity = cx.down_drop_severity(by_up, f.severity);
            if by_up {
                f.notes.push("this down script drops a table its up script created: running it loses every row written since".to_owned());
            }
            if cx.rows_copied_from(&table) {
                // Copy-and-swap: the rows live on in the table they were copied into.
                f.severity = plumb_diagnostics::Severity::Medium;
                f.notes.push(
                    "an earlier statement of this migration copied its rows into another table"
                        .to_owned(),
                );
            }
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Stop using the table first; rename it aside and drop it in a later release once a backup is verified".to_owned();
            // DROP TABLE IF EXISTS may meet no table: so may the rename and its undoing.
            let if_exists = if d.missing_ok { "IF EXISTS " } else { "" };
            f.fix = Some(fix(
                "rename aside instead of dropping",
                format!(
                    "ALTER TABLE {if_exists}{t} RENAME TO {};",
                    ident(&format!("{}_deprecated", table.name))
                ),
                Some(format!(
                    "ALTER TABLE {if_exists}{} RENAME TO {};",
                    table_sql(&QualifiedName::new(
                        Some(&table.schema),
                        &format!("{}_deprecated", table.name)
                    )),
                    ident(&table.name)
                )),
                Applicability::DisplayOnly,
            ));
            f.irreversible = Some(
                "the table's rows are deleted with it: no rollback can restore them, only a backup"
                    .to_owned(),
            );
            out.push(f);
        }
    }
}
