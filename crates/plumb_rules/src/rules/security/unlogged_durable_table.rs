use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::review::SchemaContext;
use crate::rules::types::float_for_money::words;

declare_rule! {
    /// ## What it does
    /// Flags UNLOGGED tables whose names do not say they hold disposable data (cache, session,
    /// temp, staging, queue, buffer, import, scratch).
    ///
    /// ## Why is this bad
    /// An unlogged table skips the write-ahead log: after a crash or an unclean shutdown
    /// PostgreSQL empties it, and it is not copied to streaming replicas (a failover finds it
    /// empty) nor included in WAL-based backups. Fine for a cache; data loss for anything else.
    ///
    /// ## Example
    /// ```sql
    /// CREATE UNLOGGED TABLE payments (id bigint PRIMARY KEY, amount numeric);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE payments SET LOGGED;
    /// ```
    ///
    /// ## Fix safety
    /// Display only: `SET LOGGED` rewrites the table and writes all of it to the WAL under
    /// ACCESS EXCLUSIVE.
    ///
    /// ## PostgreSQL versions
    /// 9.5 and later (SET LOGGED).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-UNLOGGED>
    pub struct UnloggedDurableTable {
        code: "PL955",
        name: "unlogged-durable-table",
        family: Security,
        severity: Medium,
        summary: "An UNLOGGED table is emptied by a crash and missing on replicas",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

const DISPOSABLE: &[&str] = &[
    "cache",
    "caches",
    "cached",
    "session",
    "sessions",
    "temp",
    "tmp",
    "staging",
    "stage",
    "queue",
    "buffer",
    "import",
    "imports",
    "scratch",
    "transient",
    "ephemeral",
    "unlogged",
];

impl Rule for UnloggedDurableTable {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values().filter(|t| t.unlogged) {
            if words(&t.name.name)
                .iter()
                .any(|w| DISPOSABLE.contains(&w.as_str()))
            {
                continue;
            }
            let table = table_sql(&t.name);
            let mut f = cx.finding(
                &Self::META,
                "table",
                &t.name,
                None,
                format!(
                    "{table} is UNLOGGED: a crash empties it and replicas do not have its rows"
                ),
            );
            f.help = format!("Make {table} logged, unless its rows can be rebuilt at any time");
            f.lock = Some(format!(
                "ACCESS EXCLUSIVE on {table} (SET LOGGED rewrites it)"
            ));
            f.fix = Some(fix(
                "Make the table logged",
                format!("ALTER TABLE {table} SET LOGGED;"),
                Some(format!("ALTER TABLE {table} SET UNLOGGED;")),
                Applicability::DisplayOnly,
            ));
            out.push(f);
        }
    }
}
