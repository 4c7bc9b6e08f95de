//! Helpers to build fix SQL: deparsing edited statements and marking migration boundaries.

use plumb_sql::NodeEnum;

/// Deparses a statement, ending it with `;`.
pub fn sql_of(node: &NodeEnum) -> Option<String> {
    plumb_sql::deparse(node).map(|s| format!("{s};"))
}

/// Quotes an identifier when PostgreSQL needs it quoted.
pub fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_reserved(name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "user"
            | "order"
            | "group"
            | "table"
            | "select"
            | "from"
            | "where"
            | "check"
            | "column"
            | "default"
            | "primary"
            | "references"
            | "unique"
            | "limit"
            | "offset"
            | "to"
            | "end"
            | "all"
            | "and"
            | "or"
            | "not"
            | "null"
            | "true"
            | "false"
            | "on"
            | "as"
            | "desc"
            | "asc"
            | "case"
            | "when"
            | "then"
            | "else"
            | "create"
            | "grant"
            | "constraint"
            | "foreign"
            | "index"
            | "into"
            | "using"
            | "with"
            | "window"
            | "analyse"
            | "analyze"
            | "array"
            | "both"
            | "cast"
            | "collate"
            | "current_date"
            | "current_role"
            | "current_time"
            | "current_timestamp"
            | "current_user"
            | "deferrable"
            | "distinct"
            | "do"
            | "except"
            | "fetch"
            | "for"
            | "having"
            | "in"
            | "initially"
            | "intersect"
            | "lateral"
            | "leading"
            | "localtime"
            | "localtimestamp"
            | "only"
            | "placing"
            | "returning"
            | "session_user"
            | "some"
            | "symmetric"
            | "trailing"
            | "union"
            | "variadic"
            | "any"
    )
}

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
