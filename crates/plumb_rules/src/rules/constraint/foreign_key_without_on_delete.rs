use plumb_catalog::{ConstraintKind, FkAction};
use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags foreign keys left with the default `ON DELETE NO ACTION`.
    ///
    /// ## Why is this bad
    /// Nobody decided what happens to the children when a parent row is deleted: the delete
    /// fails at run time with a foreign key violation, or the application deletes children by
    /// hand and leaves orphans when it forgets. Make the decision explicit: `CASCADE` for rows
    /// owned by the parent (order items of an order), `SET NULL` for optional links,
    /// `RESTRICT` for references that must block the delete.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE order_items (order_id bigint REFERENCES orders (id));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE order_items (order_id bigint REFERENCES orders (id) ON DELETE CASCADE);
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the fix makes the current behaviour explicit (`RESTRICT`); choose
    /// `CASCADE` or `SET NULL` where that is the business rule. The constraint is re-added
    /// `NOT VALID` and validated separately, so no long lock is held.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK>
    pub struct ForeignKeyWithoutOnDelete {
        code: "PL212",
        name: "foreign-key-without-on-delete",
        family: Constraint,
        severity: Low,
        summary: "A foreign key without an ON DELETE decision makes parent deletes fail or orphan rows",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for ForeignKeyWithoutOnDelete {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.tables() {
            for fk in t.foreign_keys() {
                let ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    on_delete: FkAction::NoAction,
                    on_update,
                } = &fk.kind
                else {
                    continue;
                };
                let table = table_sql(&t.name);
                let parent = table_sql(references);
                let mut f = cx.finding(
                    &Self::META,
                    "constraint",
                    &t.name,
                    (fk.columns.len() == 1).then(|| fk.columns[0].as_str()),
                    format!(
                        "foreign key {} of {table} has no ON DELETE action: deleting a referenced {parent} row fails",
                        fk.name
                    ),
                );
                f.help = format!(
                    "Decide: ON DELETE CASCADE if {table} rows belong to {parent}, SET NULL if the link is optional, RESTRICT otherwise"
                );
                let cols: Vec<String> = fk.columns.iter().map(|c| ident(c)).collect();
                let refs: Vec<String> = ref_columns.iter().map(|c| ident(c)).collect();
                let add = |action: &str| {
                    format!(
                        "ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} FOREIGN KEY ({}) REFERENCES {parent} ({}) ON DELETE {action} ON UPDATE {} NOT VALID;\n\
                         ALTER TABLE {table} VALIDATE CONSTRAINT {name};",
                        cols.join(", "),
                        refs.join(", "),
                        on_update.sql(),
                        name = ident(&fk.name),
                    )
                };
                f.fix = Some(fix(
                    "State the ON DELETE decision explicitly",
                    add("RESTRICT"),
                    Some(add("NO ACTION")),
                    Applicability::DisplayOnly,
                ));
                out.push(f);
            }
        }
    }
}
