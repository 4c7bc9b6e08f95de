use plumb_diagnostics::Finding;
use plumb_sql::protobuf::{DropBehavior, ObjectType};
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `DROP SCHEMA` of a schema holding tables that exist in production, or any
    /// `DROP SCHEMA ... CASCADE`.
    ///
    /// ## Why is this bad
    /// `CASCADE` silently drops every table, view and function in the schema, with their data.
    ///
    /// ## Example
    /// ```sql
    /// DROP SCHEMA reporting CASCADE;
    /// ```
    ///
    /// ## Use instead
    /// Drop the objects one by one, each reviewed; rename the schema aside until a backup is
    /// verified.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-dropschema.html>
    pub struct DropSchema {
        code: "PL503",
        name: "drop-schema",
        family: DataLoss,
        severity: Critical,
        summary: "DROP SCHEMA ... CASCADE deletes every object in the schema with its data",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for DropSchema {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(d) = cx.stmt else {
            return;
        };
        if d.remove_type != ObjectType::ObjectSchema as i32 {
            return;
        }
        let cascade = d.behavior == DropBehavior::DropCascade as i32;
        for obj in &d.objects {
            let Some(schema) = plumb_sql::ast::string_of(obj) else {
                continue;
            };
            let tables: Vec<String> = cx
                .catalog
                .tables
                .keys()
                .filter(|k| k.schema == schema && cx.is_existing(k))
                .map(ToString::to_string)
                .collect();
            if tables.is_empty() && !cascade {
                continue;
            }
            let mut f = cx.finding(
                &Self::META,
                if tables.is_empty() {
                    format!(
                        "DROP SCHEMA {schema} CASCADE deletes every object in it, with its data"
                    )
                } else {
                    format!(
                        "DROP SCHEMA {schema} deletes {} existing table(s) with their data",
                        tables.len()
                    )
                },
            );
            if d.missing_ok && tables.is_empty() && !cx.catalog.schemas.contains(schema) {
                cx.guard_drop(&mut f, "schema");
            }
            f.help = "Drop the schema's objects one by one after review, or rename the schema aside until a backup is verified".to_owned();
            if !tables.is_empty() {
                f.notes.push(format!("tables: {}", tables.join(", ")));
            }
            f.irreversible = Some("every object in the schema and its data is deleted: no rollback can restore them, only a backup".to_owned());
            out.push(f);
        }
    }
}
