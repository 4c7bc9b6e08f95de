use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::{self, ConstrType};

use crate::context::{fix, StatementContext};
use crate::fix::{backfill, ident, step, table_sql};
use crate::registry::Rule;
use crate::rules::{added_column, column_constraints};

declare_rule! {
    /// ## What it does
    /// Flags `ADD COLUMN` on an existing table when the column forces a table rewrite: a volatile
    /// default (`gen_random_uuid()`, `random()`, `clock_timestamp()`, `nextval()`), a serial type,
    /// an identity column, a stored generated column, or (before PostgreSQL 11) any default.
    ///
    /// ## Why is this bad
    /// PostgreSQL must compute a value for every existing row, so it rewrites the table and its
    /// indexes while holding ACCESS EXCLUSIVE. Since PostgreSQL 11 a non-volatile default (a
    /// constant, `now()`) is stored in the catalog and applied lazily, with no rewrite.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN public_id uuid;
    /// ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
    /// -- backfill existing rows in batches, outside the DDL transaction
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: existing rows get values from the backfill, not the ALTER.
    ///
    /// ## PostgreSQL versions
    /// All; constant defaults rewrite only before 11.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>
    pub struct AddColumnRewrite {
        code: "PL302",
        name: "add-column-rewrite",
        family: Rewrite,
        severity: High,
        summary: "ADD COLUMN with a volatile default, serial, identity or stored generated value rewrites the table",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

/// Functions whose value differs per row: a default calling one is evaluated for every row.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "setseed",
    "random_normal",
    "gen_random_bytes",
    "statement_timestamp",
];

/// Why adding this column rewrites the table, or `None` when it does not.
pub fn column_forces_rewrite(
    col: &protobuf::ColumnDef,
    pg_version: u32,
    catalog: &plumb_catalog::Catalog,
) -> Option<&'static str> {
    let type_name = col
        .type_name
        .as_ref()
        .map(plumb_sql::ast::type_name)
        .unwrap_or_default();
    if matches!(type_name.as_str(), "serial" | "bigserial" | "smallserial") {
        return Some("a serial column fills every existing row from its sequence");
    }
    let mut default = col.raw_default.as_deref();
    for c in column_constraints(col) {
        match ConstrType::try_from(c.contype) {
            Ok(ConstrType::ConstrIdentity) => {
                return Some("an identity column fills every existing row from its sequence")
            }
            Ok(ConstrType::ConstrGenerated) => {
                return Some("a stored generated column is computed for every existing row")
            }
            Ok(ConstrType::ConstrDefault) => default = c.raw_expr.as_deref(),
            _ => {}
        }
    }
    let default = default?;
    let is_null = matches!(default.node.as_ref(), Some(plumb_sql::NodeEnum::AConst(c)) if c.isnull);
    if is_null {
        return None;
    }
    if pg_version < 11 {
        return Some("before PostgreSQL 11 any default is written into every existing row");
    }
    let wrapped = plumb_sql::NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
        val: Some(Box::new(default.clone())),
        ..Default::default()
    }));
    let calls = plumb_sql::ast::func_calls(&wrapped);
    if calls
        .iter()
        .any(|f| VOLATILE.contains(&f.rsplit('.').next().unwrap_or(f)))
    {
        return Some("a volatile default is evaluated for every existing row");
    }
    // A function the migrations created is VOLATILE unless declared IMMUTABLE or STABLE, and
    // a volatile default is evaluated for every row.
    let user_volatile = calls.iter().any(|f| {
        let (schema, name) = f
            .rsplit_once('.')
            .map_or((None, f.as_str()), |(s, n)| (Some(s), n));
        catalog.functions.values().any(|func| {
            func.name.name == name
                && schema.is_none_or(|s| func.name.schema == s)
                && func.volatility == plumb_catalog::Volatility::Volatile
        })
    });
    if user_volatile {
        return Some("the default calls a VOLATILE function, evaluated for every existing row");
    }
    None
}

impl Rule for AddColumnRewrite {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            let Some(col) = added_column(cmd) else {
                continue;
            };
            if !cx.is_existing(table) {
                continue;
            }
            let Some(why) = column_forces_rewrite(col, cx.pg_version(), cx.catalog) else {
                continue;
            };
            let t = table_sql(table);
            let c = ident(&col.colname);
            let type_name = col
                .type_name
                .as_ref()
                .map(plumb_sql::ast::type_name)
                .unwrap_or_default();
            let base = match type_name.as_str() {
                "serial" => "integer".to_owned(),
                "bigserial" => "bigint".to_owned(),
                "smallserial" => "smallint".to_owned(),
                other => other.to_owned(),
            };
            let mut f = cx.finding_at(
                &Self::META,
                cx.clause_span(col.location),
                format!(
                    "adding {t}.{c} rewrites the table while blocking all reads and writes: {why}"
                ),
            );
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Add the column without the per-row value, set the default for new rows, then backfill existing rows in batches".to_owned();
            let default_sql = col
                .raw_default
                .as_deref()
                .or_else(|| {
                    column_constraints(col)
                        .find(|k| k.contype == ConstrType::ConstrDefault as i32)
                        .and_then(|k| k.raw_expr.as_deref())
                })
                .and_then(plumb_sql::ast::expr_sql);
            if let Some(d) = default_sql {
                let sql = format!(
                    "{}ALTER TABLE {t} ADD COLUMN {c} {base};\nALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d};\n{}{}",
                    step(1, "add the column and the default for new rows (catalog-only)"),
                    step(2, "backfill in batches"),
                    backfill(cx.catalog, table, &format!("{c} = {d}"), &format!("{c} IS NULL"), cx.pg_version()),
                );
                f.fix = Some(fix(
                    "add, default, then backfill in batches",
                    sql,
                    Some(format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {c};")),
                    Applicability::Unsafe,
                ));
            }
            out.push(f);
        }
    }
}
