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

/// The `CREATE INDEX CONCURRENTLY` statement that recreates an index exactly: uniqueness,
/// method, keys with their collation, operator class and ordering, INCLUDE columns, predicate.
pub fn create_index_sql(catalog: &plumb_catalog::Catalog, index: &plumb_catalog::Index) -> String {
    let table = catalog.table(&index.table);
    let cols: Vec<String> = index
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let key = if table.is_some_and(|t| t.column(c).is_some()) {
                ident(c)
            } else {
                format!("({c})")
            };
            match index.key_options.get(k) {
                Some(o) => format!("{key}{}", o.sql_suffix()),
                None => key,
            }
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX CONCURRENTLY {} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        ident(&index.name.name),
        table_sql(&index.table)
    );
    if index.method != "btree" {
        sql.push_str(" USING ");
        sql.push_str(&index.method);
    }
    sql.push_str(&format!(" ({})", cols.join(", ")));
    if !index.include.is_empty() {
        let inc: Vec<String> = index.include.iter().map(|c| ident(c)).collect();
        sql.push_str(&format!(" INCLUDE ({})", inc.join(", ")));
    }
    if let Some(p) = &index.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql.push(';');
    sql
}

/// `DROP INDEX CONCURRENTLY` of an index.
pub fn drop_index_sql(index: &plumb_catalog::Index) -> String {
    format!(
        "DROP INDEX CONCURRENTLY IF EXISTS {};",
        table_sql(&index.name)
    )
}
