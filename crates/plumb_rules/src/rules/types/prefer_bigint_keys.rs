use plumb_diagnostics::Finding;
use plumb_sql::protobuf::ConstrType;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::column_constraints;
use crate::rules::types::{column_type, defined_columns, type_finding};

declare_rule! {
    /// ## What it does
    /// Flags primary-key and foreign-key columns of type `integer`, `smallint`, `serial` or
    /// `smallserial`.
    ///
    /// ## Why is this bad
    /// A 4-byte key overflows at 2,147,483,647: inserts start failing, and widening the key
    /// later rewrites the table and every table that references it, under ACCESS EXCLUSIVE. The
    /// 4 bytes saved per row rarely matter.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (id serial PRIMARY KEY, user_id integer REFERENCES users (id));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users (id));
    /// ```
    ///
    /// ## Fix safety
    /// Display only.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_serial>
    pub struct PreferBigintKeys {
        code: "PL801",
        name: "prefer-bigint-keys",
        family: Types,
        severity: Low,
        summary: "4-byte integer primary or foreign key overflows at 2^31",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

fn table_level_keys(stmt: &NodeEnum) -> (Vec<String>, Vec<String>) {
    let mut pk = Vec::new();
    let mut fk = Vec::new();
    if let NodeEnum::CreateStmt(c) = stmt {
        for e in &c.table_elts {
            let Some(NodeEnum::Constraint(con)) = e.node.as_ref() else {
                continue;
            };
            match ConstrType::try_from(con.contype) {
                Ok(ConstrType::ConstrPrimary) => pk.extend(
                    plumb_sql::ast::strings(&con.keys)
                        .into_iter()
                        .map(str::to_owned),
                ),
                Ok(ConstrType::ConstrForeign) => fk.extend(
                    plumb_sql::ast::strings(&con.fk_attrs)
                        .into_iter()
                        .map(str::to_owned),
                ),
                _ => {}
            }
        }
    }
    (pk, fk)
}

impl Rule for PreferBigintKeys {
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &crate::review::SchemaContext<'_>, out: &mut Vec<Finding>) {
        use plumb_diagnostics::Applicability;
        for t in cx.tables() {
            let Some(pk) = t.primary_key() else { continue };
            for name in &pk.columns {
                let Some(c) = t.column(name) else { continue };
                if !matches!(c.type_name.as_str(), "int4" | "int2") {
                    continue;
                }
                let table = table_sql(&t.name);
                let col = ident(&c.name);
                let mut f = cx.finding(
                    &Self::META,
                    "table",
                    &t.name,
                    Some(&c.name),
                    format!(
                        "primary key {table}.{col} is {}, which overflows at {}",
                        c.type_name,
                        plumb_catalog::int_type_max(&c.type_name)
                    ),
                );
                f.help = "Use bigint keys (and bigint foreign keys that reference them)".to_owned();
                f.notes.push(format!("changing the type rewrites {table} and its indexes under ACCESS EXCLUSIVE; on a large table add a bigint column, backfill it and swap"));
                let seqs: Vec<String> = cx
                    .catalog
                    .sequences
                    .values()
                    .filter(|s| {
                        s.owned_by
                            .as_ref()
                            .is_some_and(|(tb, cl)| *tb == t.name && cl == name)
                            && s.data_type != "int8"
                    })
                    .map(|s| table_sql(&s.name))
                    .collect();
                let mut sql = format!("ALTER TABLE {table} ALTER COLUMN {col} TYPE bigint;");
                let mut rollback = format!(
                    "ALTER TABLE {table} ALTER COLUMN {col} TYPE {};",
                    c.type_name
                );
                for s in &seqs {
                    sql.push_str(&format!("\nALTER SEQUENCE {s} AS bigint;"));
                    rollback.push_str(&format!("\nALTER SEQUENCE {s} AS {};", c.type_name));
                }
                let (sql, rollback) = super::views_around(cx, &t.name, sql, rollback, &mut f);
                f.fix = Some(crate::context::fix(
                    "Widen the key to bigint",
                    sql,
                    Some(rollback),
                    Applicability::DisplayOnly,
                ));
                out.push(f);
            }
        }
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let (pk, fk) = table_level_keys(cx.stmt);
        for (table, col) in defined_columns(cx.stmt, cx.catalog) {
            let ty = column_type(col);
            let better = match ty.as_str() {
                // A serial key becomes a bigint identity: the same fix prefer-identity gives, so
                // the two rules never suggest different definitions for one column.
                "serial" | "smallserial" => "bigint GENERATED BY DEFAULT AS IDENTITY",
                "int4" | "int2" => "bigint",
                _ => continue,
            };
            let is_pk = pk.contains(&col.colname)
                || column_constraints(col).any(|c| c.contype == ConstrType::ConstrPrimary as i32);
            let is_fk = fk.contains(&col.colname)
                || column_constraints(col).any(|c| c.contype == ConstrType::ConstrForeign as i32);
            if !is_pk && !is_fk {
                continue;
            }
            let role = if is_pk { "primary key" } else { "foreign key" };
            let message = format!(
                "{role} {}.{} is {ty}, which overflows at 2^31",
                table_sql(&table),
                ident(&col.colname)
            );
            out.push(type_finding(
                cx,
                &Self::META,
                &table,
                col,
                message,
                "Use bigint keys (with GENERATED ... AS IDENTITY for primary keys)",
                better,
            ));
        }
    }
}
