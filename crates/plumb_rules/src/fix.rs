//! Helpers to build fix SQL: deparsing edited statements and marking migration boundaries.

use plumb_sql::NodeEnum;

/// Deparses a statement, ending it with `;`.
pub fn sql_of(node: &NodeEnum) -> Option<String> {
    plumb_sql::deparse(node).map(|s| format!("{s};"))
}

pub use plumb_sql::ast::quote_ident as ident;

/// A qualified table name for SQL, omitting `public.`.
pub fn table_sql(name: &plumb_catalog::QualifiedName) -> String {
    if name.schema == plumb_catalog::DEFAULT_SCHEMA {
        ident(&name.name)
    } else {
        format!("{}.{}", ident(&name.schema), ident(&name.name))
    }
}

/// A comment line that marks a step boundary in a multi-step fix.
pub fn step(n: usize, what: &str) -> String {
    format!("-- Step {n}: {what}\n")
}

/// The statement's first line, for messages (at most 80 characters).
pub fn excerpt(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line.to_owned()
    }
}

/// One batch of a backfill: `UPDATE t SET <set> WHERE ctid IN (SELECT ctid FROM t WHERE
/// <pending> LIMIT 10000);`, to repeat outside the DDL transaction until it updates no row.
pub fn batch_update(table: &str, set: &str, pending: &str) -> String {
    format!("UPDATE {table} SET {set} WHERE ctid IN (SELECT ctid FROM {table} WHERE {pending} LIMIT 10000);")
}
