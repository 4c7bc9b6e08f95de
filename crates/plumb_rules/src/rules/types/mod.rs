//! Type and key choices, checked on every column a migration defines.

pub mod avoid_char;
pub mod avoid_money;
pub mod prefer_bigint_keys;
pub mod prefer_identity;
pub mod prefer_jsonb;
pub mod prefer_text_over_varchar;
pub mod prefer_timestamptz;

use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding, RuleMeta};
use plumb_sql::protobuf::ColumnDef;
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::rules::{added_column, alter_table_cmds};

/// Every column a statement defines (CREATE TABLE columns, ADD COLUMN), with its table.
pub(crate) fn defined_columns(stmt: &NodeEnum) -> Vec<(QualifiedName, &ColumnDef)> {
    match stmt {
        NodeEnum::CreateStmt(c) => {
            let Some(rv) = &c.relation else {
                return Vec::new();
            };
            let table = QualifiedName::from_range_var(rv);
            c.table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => Some((table.clone(), &**col)),
                    _ => None,
                })
                .collect()
        }
        NodeEnum::AlterTableStmt(_) => alter_table_cmds(stmt)
            .into_iter()
            .filter_map(|(t, cmd)| added_column(cmd).map(|c| (t, c)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The canonical type of a column definition.
pub(crate) fn column_type(col: &ColumnDef) -> String {
    col.type_name
        .as_ref()
        .map(plumb_sql::ast::type_name)
        .unwrap_or_default()
}

/// The type a column really has: `serial` is `integer` with a sequence default, and
/// `ALTER COLUMN ... TYPE serial` does not exist.
fn storage_type(ty: &str) -> &str {
    match ty {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        other => other,
    }
}

/// A type-choice finding with a fix that defines the column with `better` instead.
pub(crate) fn type_finding(
    cx: &StatementContext<'_>,
    meta: &RuleMeta,
    table: &QualifiedName,
    col: &ColumnDef,
    message: String,
    help: &str,
    better: &str,
) -> Finding {
    let mut f = cx.finding(meta, message);
    f.help = help.to_owned();
    let t = table_sql(table);
    let c = ident(&col.colname);
    f.fix = Some(fix(
        &format!("use {better}"),
        format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {better};"),
        Some(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {};",
            storage_type(&column_type(col))
        )),
        Applicability::DisplayOnly,
    ));
    f.notes.push("on a new table, change the type in the CREATE TABLE itself; the ALTER shown is for a table that already has rows".to_owned());
    f
}

/// The whole check of a simple type-choice rule: for every defined column whose type `better_for`
/// maps to a better type, a finding saying `why`, with `help`.
pub(crate) fn check_column_types(
    cx: &StatementContext<'_>,
    meta: &RuleMeta,
    out: &mut Vec<Finding>,
    better_for: impl Fn(&str) -> Option<&'static str>,
    why: &str,
    help: &str,
) {
    for (table, col) in defined_columns(cx.stmt) {
        let ty = column_type(col);
        let Some(better) = better_for(&ty) else {
            continue;
        };
        let message = format!(
            "{}.{} is {ty}: {why}",
            table_sql(&table),
            ident(&col.colname)
        );
        out.push(type_finding(cx, meta, &table, col, message, help, better));
    }
}
