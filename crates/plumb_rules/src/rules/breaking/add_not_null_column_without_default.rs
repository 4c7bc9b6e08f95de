use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::{added_column, column_constraints};

declare_rule! {
    /// ## What it does
    /// Flags `ADD COLUMN ... NOT NULL` without a default on an existing table.
    ///
    /// ## Why is this bad
    /// Existing rows would hold NULL, so PostgreSQL fails the statement with `column contains
    /// null values` as soon as the table has a row: the migration breaks in production although
    /// it passed on an empty development database.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;
    /// ```
    ///
    /// ## Use instead
    /// Add the column nullable, backfill, then enforce NOT NULL through a validated CHECK
    /// (or give it a constant default, which is instant since PostgreSQL 11).
    ///
    /// ## Fix safety
    /// Unsafe: spans several migrations and a backfill.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html>
    pub struct AddNotNullColumnWithoutDefault {
        code: "PL401",
        name: "add-not-null-column-without-default",
        family: Breaking,
        severity: High,
        summary: "ADD COLUMN NOT NULL without a default fails on a table that has rows",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AddNotNullColumnWithoutDefault {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let Some(col) = added_column(cmd) else {
                continue;
            };
            if !cx.is_existing(table) {
                continue;
            }
            let mut not_null = col.is_not_null;
            let mut has_value = col.raw_default.is_some();
            for c in column_constraints(col) {
                match ConstrType::try_from(c.contype) {
                    Ok(ConstrType::ConstrNotnull | ConstrType::ConstrPrimary) => not_null = true,
                    Ok(
                        ConstrType::ConstrDefault
                        | ConstrType::ConstrIdentity
                        | ConstrType::ConstrGenerated,
                    ) => has_value = true,
                    _ => {}
                }
            }
            let type_name = col
                .type_name
                .as_ref()
                .map(plumb_sql::ast::type_sql)
                .unwrap_or_default();
            if matches!(type_name.as_str(), "serial" | "bigserial" | "smallserial") {
                has_value = true;
            }
            if !not_null || has_value {
                continue;
            }
            let t = table_sql(table);
            let c = ident(&col.colname);
            let con = ident(&format!("{}_{}_not_null", table.name, col.colname));
            let mut f = cx.finding_at(
                &Self::META,
                cx.clause_span(col.location),
                format!(
                    "adding NOT NULL column {t}.{c} without a default fails if {t} has any row"
                ),
            );
            f.help = "Add the column nullable, backfill it, then enforce NOT NULL with a validated CHECK; or give it a constant default".to_owned();
            // Only the application knows what existing rows should hold: the backfill is left
            // to write (a loop like unbatched-data-change's fix), and the VALIDATE step fails
            // rather than enforce NOT NULL on rows that were not filled.
            let sql = format!(
                "{}ALTER TABLE {t} ADD COLUMN {c} {type_name};\n{}{}ALTER TABLE {t} ADD CONSTRAINT {con} CHECK ({c} IS NOT NULL) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {con};\nALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {con};",
                step(1, "add the column nullable (catalog-only)"),
                step(2, "outside the DDL transaction, give every existing row its value in batches of a few thousand rows (only the application knows the value)"),
                step(3, "in a later migration: prove and enforce NOT NULL without a long lock (VALIDATE fails while a row is not filled)"),
            );
            f.fix = Some(fix(
                "add nullable, backfill, then enforce",
                sql,
                Some(format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {c};")),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}
