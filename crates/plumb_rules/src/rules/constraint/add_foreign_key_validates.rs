use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::ConstrType;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::{added_column, added_constraint, column_constraints, column_list};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key added to an existing table without `NOT VALID`, through
    /// `ADD CONSTRAINT ... FOREIGN KEY` or `ADD COLUMN ... REFERENCES`.
    ///
    /// ## Why is this bad
    /// Adding the constraint scans the whole table to check every row while holding SHARE ROW
    /// EXCLUSIVE on it and on the referenced table: writes to both wait for the scan.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    /// -- in a later migration:
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;
    /// ```
    /// `VALIDATE CONSTRAINT` takes SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.
    ///
    /// ## Fix safety
    /// Unsafe: the validation moves to a separate migration.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>
    pub struct AddForeignKeyValidates {
        code: "PL201",
        name: "add-foreign-key-validates",
        family: Constraint,
        severity: High,
        summary: "A foreign key added without NOT VALID scans the table while blocking writes to both tables",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for AddForeignKeyValidates {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            if !cx.is_existing(table) {
                continue;
            }
            let t = table_sql(table);
            if let Some(c) = added_constraint(cmd) {
                if c.contype != ConstrType::ConstrForeign as i32 || c.skip_validation {
                    continue;
                }
                let Some(pk) = &c.pktable else { continue };
                let refd = QualifiedName::from_range_var(pk);
                let cols = plumb_sql::ast::strings(&c.fk_attrs);
                let name = if c.conname.is_empty() {
                    format!(
                        "{}_{}_fkey",
                        table.name,
                        cols.first().copied().unwrap_or("fk")
                    )
                } else {
                    c.conname.clone()
                };
                let mut nv = c.clone();
                nv.skip_validation = true;
                nv.initially_valid = false;
                nv.conname.clone_from(&name);
                let add = constraint_sql(
                    &t,
                    &nv,
                    &column_list(&c.fk_attrs),
                    &refd,
                    &column_list(&c.pk_attrs),
                );
                out.push(finding(cx, cmd, table, &refd, &t, &name, &add));
            } else if let Some(col) = added_column(cmd) {
                for c in column_constraints(col) {
                    if c.contype != ConstrType::ConstrForeign as i32 || c.skip_validation {
                        continue;
                    }
                    let Some(pk) = &c.pktable else { continue };
                    let refd = QualifiedName::from_range_var(pk);
                    let name = if c.conname.is_empty() {
                        format!("{}_{}_fkey", table.name, col.colname)
                    } else {
                        c.conname.clone()
                    };
                    let type_sql = col
                        .type_name
                        .as_ref()
                        .map(plumb_sql::ast::type_sql)
                        .unwrap_or_default();
                    let mut nv = c.clone();
                    nv.skip_validation = true;
                    nv.conname.clone_from(&name);
                    let add = format!(
                        "ALTER TABLE {t} ADD COLUMN {} {type_sql};\n{}",
                        ident(&col.colname),
                        constraint_sql(
                            &t,
                            &nv,
                            &ident(&col.colname),
                            &refd,
                            &column_list(&c.pk_attrs)
                        )
                    );
                    let mut f = finding(cx, cmd, table, &refd, &t, &name, &add);
                    // Undoing the fix removes the column it added, and the key with it.
                    if let Some(fx) = f.fix.as_mut() {
                        fx.rollback = Some(format!(
                            "ALTER TABLE {t} DROP COLUMN IF EXISTS {};",
                            ident(&col.colname)
                        ));
                    }
                    out.push(f);
                }
            }
        }
    }
}

fn constraint_sql(
    t: &str,
    c: &plumb_sql::protobuf::Constraint,
    cols: &str,
    refd: &QualifiedName,
    ref_cols: &str,
) -> String {
    let mut s = format!(
        "ALTER TABLE {t} ADD CONSTRAINT {} FOREIGN KEY ({cols}) REFERENCES {}",
        ident(&c.conname),
        table_sql(refd)
    );
    if !ref_cols.is_empty() {
        s.push_str(&format!(" ({ref_cols})"));
    }
    for (action, what) in [(&c.fk_del_action, "DELETE"), (&c.fk_upd_action, "UPDATE")] {
        let a = match action.as_str() {
            "c" => "CASCADE",
            "n" => "SET NULL",
            "d" => "SET DEFAULT",
            "r" => "RESTRICT",
            _ => continue,
        };
        s.push_str(&format!(" ON {what} {a}"));
    }
    s.push_str(" NOT VALID;");
    s
}

fn finding(
    cx: &StatementContext<'_>,
    cmd: &plumb_sql::protobuf::AlterTableCmd,
    table: &QualifiedName,
    refd: &QualifiedName,
    t: &str,
    name: &str,
    add: &str,
) -> Finding {
    let n = ident(name);
    let sql = format!(
        "{}{add}\n{}ALTER TABLE {t} VALIDATE CONSTRAINT {n};",
        step(
            1,
            "add the constraint without checking existing rows (brief lock)"
        ),
        step(
            2,
            "in a later migration: validate under SHARE UPDATE EXCLUSIVE (reads and writes go on)"
        ),
    );
    let mut f = cx.cmd_finding(&AddForeignKeyValidates::META, cmd, format!("adding a foreign key to existing table {t} scans it while blocking writes to {table} and {refd}"));
    f.lock = Some(format!("SHARE ROW EXCLUSIVE on {table} and {refd}"));
    f.help = "Add the foreign key NOT VALID, then VALIDATE CONSTRAINT in a separate migration"
        .to_owned();
    f.fix = Some(fix(
        "add NOT VALID, validate later",
        sql,
        Some(format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};")),
        Applicability::Unsafe,
    ));
    f
}
