use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::added_constraint;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TABLE ... ADD CONSTRAINT ... CHECK` without `NOT VALID` on an existing table.
    ///
    /// ## Why is this bad
    /// The check of every existing row runs while ACCESS EXCLUSIVE is held: all reads and writes
    /// wait for a full scan of the table.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;
    /// -- in a later migration:
    /// ALTER TABLE orders VALIDATE CONSTRAINT total_positive;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the validation moves to a separate migration.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>
    pub struct AddCheckValidates {
        code: "PL202",
        name: "add-check-validates",
        family: Constraint,
        severity: High,
        summary: "A CHECK constraint added without NOT VALID scans the table under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AddCheckValidates {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let Some(c) = added_constraint(cmd) else {
                continue;
            };
            if c.contype != ConstrType::ConstrCheck as i32
                || c.skip_validation
                || !cx.is_existing(table)
            {
                continue;
            }
            let t = table_sql(table);
            let name = if c.conname.is_empty() {
                format!("{}_check", table.name)
            } else {
                c.conname.clone()
            };
            let n = ident(&name);
            let expr = c
                .raw_expr
                .as_deref()
                .and_then(plumb_sql::ast::expr_sql)
                .unwrap_or_else(|| "true".to_owned());
            let sql = format!(
                "{}ALTER TABLE {t} ADD CONSTRAINT {n} CHECK ({expr}) NOT VALID;\n{}ALTER TABLE {t} VALIDATE CONSTRAINT {n};",
                step(1, "add the constraint for new rows only (brief lock)"),
                step(2, "in a later migration: validate existing rows under SHARE UPDATE EXCLUSIVE"),
            );
            let mut f = cx.cmd_finding(&Self::META, cmd, format!("adding a CHECK constraint to existing table {t} scans every row while blocking all reads and writes"));
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help =
                "Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate migration"
                    .to_owned();
            f.fix = Some(fix(
                "add NOT VALID, validate later",
                sql,
                Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};")),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}
