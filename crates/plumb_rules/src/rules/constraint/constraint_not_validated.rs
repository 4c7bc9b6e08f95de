use plumb_catalog::ConstraintKind;
use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags CHECK and FOREIGN KEY constraints left `NOT VALID`.
    ///
    /// ## Why is this bad
    /// `NOT VALID` is the first half of a safe migration: new rows are checked, existing rows
    /// are not. Until `VALIDATE CONSTRAINT` runs, old rows may violate it, the planner cannot
    /// rely on it, and a NOT VALID `CHECK (col IS NOT NULL)` cannot make `SET NOT NULL` skip
    /// its scan.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users NOT VALID;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: validation takes SHARE UPDATE EXCLUSIVE (reads and writes continue) and scans the
    /// table; it fails, changing nothing, if a row violates the constraint. It changes no data,
    /// so there is nothing to roll back.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT>
    pub struct ConstraintNotValidated {
        code: "PL210",
        name: "constraint-not-validated",
        family: Constraint,
        severity: Low,
        summary: "A constraint left NOT VALID does not hold for the rows that existed before it",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for ConstraintNotValidated {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values() {
            for c in t.constraints.iter().filter(|c| !c.validated) {
                let kind = match c.kind {
                    ConstraintKind::ForeignKey { .. } => "foreign key",
                    ConstraintKind::Check { .. } => "check constraint",
                    _ => continue,
                };
                let mut f = cx.finding(
                    &Self::META,
                    "constraint",
                    &t.name,
                    (c.columns.len() == 1).then(|| c.columns[0].as_str()),
                    format!(
                        "{kind} {} on {} is NOT VALID: rows older than the constraint are unchecked",
                        c.name,
                        table_sql(&t.name)
                    ),
                );
                f.help =
                    "Validate it (SHARE UPDATE EXCLUSIVE: reads and writes continue)".to_owned();
                f.lock = Some(format!("SHARE UPDATE EXCLUSIVE on {}", table_sql(&t.name)));
                f.notes
                    .push("validation changes no data, so the fix has no rollback".to_owned());
                f.fix = Some(fix(
                    "Validate the constraint",
                    format!(
                        "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                        table_sql(&t.name),
                        ident(&c.name)
                    ),
                    None,
                    Applicability::Safe,
                ));
                out.push(f);
            }
        }
    }
}
