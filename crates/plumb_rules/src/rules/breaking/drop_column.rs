use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::AlterTableType;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... DROP COLUMN` on an existing column (not added in this migration or
    /// by the up script a down script reverts), and `DROP TYPE ... CASCADE` / `DROP DOMAIN ...
    /// CASCADE` of a type that columns of existing tables use: CASCADE drops those columns.
    ///
    /// ## Why is this bad
    /// The column's data is lost, and the running application that still selects or inserts it
    /// fails (`SELECT *` consumers and ORMs that cache the column list included) until every
    /// instance runs code that no longer uses it.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users DROP COLUMN legacy_flags;
    /// ```
    ///
    /// ## Use instead
    /// Contract in two releases: first deploy code that ignores the column (for example Rails'
    /// `ignored_columns`), then drop it; keep a backup of the data if it may be needed.
    ///
    /// ## Fix safety
    /// Display only.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN>
    pub struct DropColumn {
        code: "PL502",
        name: "drop-column",
        family: DataLoss,
        severity: High,
        summary: "DROP COLUMN loses data and breaks running code that still uses the column",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for DropColumn {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if let NodeEnum::DropStmt(d) = cx.stmt {
            cascaded_columns(cx, d, out);
            return;
        }
        for (table, cmd) in cx.alter_cmds {
            if subtype(cmd) != AlterTableType::AtDropColumn
                || !cx.is_existing(table)
                || cx.is_new_column(table, &cmd.name)
            {
                continue;
            }
            let t = table_sql(table);
            let c = ident(&cmd.name);
            // ALTER TABLE IF EXISTS may meet no table: so may the fix.
            let if_exists = match cx.stmt {
                NodeEnum::AlterTableStmt(a) if a.missing_ok => "IF EXISTS ",
                _ => "",
            };
            let mut f = cx.cmd_finding(
                &Self::META,
                cmd,
                format!(
                    "dropping {t}.{c} deletes its data and breaks running code that still uses it"
                ),
            );
            let table_if_exists = matches!(cx.stmt, NodeEnum::AlterTableStmt(a) if a.missing_ok);
            let known_table = cx.catalog.table(table);
            if (cmd.missing_ok && known_table.and_then(|t| t.column(&cmd.name)).is_none())
                || (table_if_exists && known_table.is_none())
            {
                cx.guard_drop(
                    &mut f,
                    if known_table.is_none() {
                        "table"
                    } else {
                        "column"
                    },
                );
            }
            let by_up = cx.created_by_up(table, Some(&cmd.name));
            f.severity = cx.down_drop_severity(by_up, f.severity);
            if by_up {
                f.notes.push("this down script drops a column its up script added: running it loses every value written since".to_owned());
            }
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Deploy code that no longer reads or writes the column first, then drop it in a later release".to_owned();
            f.fix = Some(fix(
                "drop only after the application stopped using the column",
                format!("-- after the release that stops using {c}:\nALTER TABLE {if_exists}{t} DROP COLUMN IF EXISTS {c};"),
                // Irreversible: re-adding the column would not bring its values back.
                None,
                Applicability::DisplayOnly,
            ));
            f.irreversible = Some("the column's values are deleted with it: no rollback can restore them, only a backup".to_owned());
            out.push(f);
        }
    }
}

/// `DROP TYPE t CASCADE` drops every column of type `t` (and `t[]`) with its data.
fn cascaded_columns(
    cx: &StatementContext<'_>,
    d: &plumb_sql::protobuf::DropStmt,
    out: &mut Vec<Finding>,
) {
    use plumb_sql::protobuf::{DropBehavior, ObjectType};
    let is_type = d.remove_type == ObjectType::ObjectType as i32
        || d.remove_type == ObjectType::ObjectDomain as i32;
    if !is_type || d.behavior != DropBehavior::DropCascade as i32 {
        return;
    }
    for obj in &d.objects {
        let Some(NodeEnum::TypeName(tn)) = obj.node.as_ref() else {
            continue;
        };
        let dropped = plumb_sql::ast::type_name(tn);
        let mut columns = Vec::new();
        for t in cx
            .catalog
            .tables
            .values()
            .filter(|t| cx.is_existing(&t.name))
        {
            for c in &t.columns {
                if c.type_name == dropped || c.type_name == format!("{dropped}[]") {
                    columns.push(format!("{}.{}", table_sql(&t.name), ident(&c.name)));
                }
            }
        }
        if columns.is_empty() {
            continue;
        }
        let mut f = cx.finding(
            &DropColumn::META,
            format!(
                "DROP TYPE {dropped} CASCADE drops the columns that use it, with their data: {}",
                columns.join(", ")
            ),
        );
        f.severity = plumb_diagnostics::Severity::Critical;
        f.lock = Some("ACCESS EXCLUSIVE on each table with such a column".to_owned());
        f.help = "Change or drop those columns explicitly first (each is a DROP COLUMN to release on its own), then drop the type without CASCADE".to_owned();
        f.irreversible = Some(
            "the columns' values are deleted with them: no rollback can restore them, only a backup"
                .to_owned(),
        );
        out.push(f);
    }
}
