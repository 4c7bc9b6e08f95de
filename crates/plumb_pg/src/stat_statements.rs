//! `pg_stat_statements`: the server's own per-query totals, read in one READ ONLY snapshot,
//! and the difference of two snapshots (the work done between them).

use std::collections::HashMap;

use crate::{PgError, Session};

/// One `pg_stat_statements` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct StatStatement {
    /// Role oid.
    pub userid: u32,
    /// Database oid.
    pub dbid: u32,
    /// Whether it ran at top level (PostgreSQL 14+; `true` before).
    pub toplevel: bool,
    /// The server's query id.
    pub queryid: i64,
    /// Role name.
    pub user: String,
    /// Database name.
    pub database: String,
    /// The normalized text (`$1` for constants).
    pub query: String,
    /// Executions.
    pub calls: i64,
    /// Milliseconds executing (and planning, where `pg_stat_statements.track_planning` is on).
    pub total_ms: f64,
    /// The longest execution since the entry began (not meaningful in a difference).
    pub max_ms: f64,
    /// Rows returned or affected.
    pub rows: i64,
}

/// Why `pg_stat_statements` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatStatementsError {
    /// The extension is not created in the database.
    #[error("pg_stat_statements is not installed in database {database}: run `CREATE EXTENSION pg_stat_statements;` there (it also needs `shared_preload_libraries = 'pg_stat_statements'` in postgresql.conf, or `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';`, and a restart)")]
    NotInstalled {
        /// The database.
        database: String,
    },
    /// The extension exists but the library is not loaded.
    #[error("pg_stat_statements is installed but not loaded: add it to shared_preload_libraries (`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';`, keeping any libraries already listed) and restart PostgreSQL")]
    NotLoaded,
    /// Anything else.
    #[error(transparent)]
    Pg(#[from] PgError),
}

/// Reads every entry of `pg_stat_statements` this role may see, with texts. Entries whose
/// text the role may not read (`<insufficient privilege>`: grant it `pg_read_all_stats`) are
/// returned with that text; the caller counts them apart.
pub async fn read_stat_statements(
    session: &Session,
) -> Result<Vec<StatStatement>, StatStatementsError> {
    let client = session.client();
    let ext = client
        .query_opt(
            "SELECT n.nspname FROM pg_catalog.pg_extension e \
             JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname = 'pg_stat_statements'",
            &[],
        )
        .await
        .map_err(|e| session.query_error("looking for pg_stat_statements", &e))?;
    let Some(row) = ext else {
        return Err(StatStatementsError::NotInstalled {
            database: session.target().dbname.clone(),
        });
    };
    let schema: String = row.get(0);
    // Column names changed in PostgreSQL 13 (total_time → total_exec_time + total_plan_time)
    // and 14 (toplevel).
    let columns: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = 'pg_stat_statements' AND a.attnum > 0",
            &[&schema],
        )
        .await
        .map_err(|e| session.query_error("reading pg_stat_statements' columns", &e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let has = |c: &str| columns.iter().any(|x| x == c);
    let total = if has("total_exec_time") {
        "s.total_exec_time + coalesce(s.total_plan_time, 0)"
    } else {
        "s.total_time"
    };
    let max = if has("max_exec_time") {
        "s.max_exec_time"
    } else {
        "s.max_time"
    };
    let toplevel = if has("toplevel") {
        "s.toplevel"
    } else {
        "true"
    };
    let schema_ident = format!("\"{}\"", schema.replace('"', "\"\""));
    let sql = format!(
        "SELECT s.userid::oid::bigint, s.dbid::oid::bigint, {toplevel}, coalesce(s.queryid, 0), \
                coalesce(r.rolname::text, s.userid::text), coalesce(d.datname::text, s.dbid::text), \
                coalesce(s.query, ''), s.calls, {total}, {max}, s.rows \
           FROM {schema_ident}.pg_stat_statements s \
           LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid \
           LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
    );
    let rows = client.query(&sql, &[]).await.map_err(|e| {
        if e.code().map(tokio_postgres::error::SqlState::code) == Some("55000") {
            StatStatementsError::NotLoaded
        } else {
            StatStatementsError::Pg(session.query_error("reading pg_stat_statements", &e))
        }
    })?;
    Ok(rows
        .iter()
        .map(|r| {
            let oid = |i: usize| u32::try_from(r.get::<_, i64>(i)).unwrap_or_default();
            StatStatement {
                userid: oid(0),
                dbid: oid(1),
                toplevel: r.get(2),
                queryid: r.get(3),
                user: r.get(4),
                database: r.get(5),
                query: r.get(6),
                calls: r.get(7),
                total_ms: r.get(8),
                max_ms: r.get(9),
                rows: r.get(10),
            }
        })
        .collect())
}

/// The work done between two snapshots: per entry, `after` minus `before`. An entry new in
/// `after`, or one whose counters went down (it was evicted or reset and began again), counts
/// whole. Entries with no call in between are left out. `max_ms` is `after`'s (PostgreSQL keeps
/// no maximum per interval).
pub fn difference(before: &[StatStatement], after: &[StatStatement]) -> Vec<StatStatement> {
    let key = |s: &StatStatement| (s.userid, s.dbid, s.toplevel, s.queryid);
    let old: HashMap<_, &StatStatement> = before.iter().map(|s| (key(s), s)).collect();
    after
        .iter()
        .filter_map(|a| {
            let mut d = a.clone();
            if let Some(b) = old.get(&key(a)) {
                if a.calls >= b.calls {
                    d.calls = a.calls - b.calls;
                    d.total_ms = (a.total_ms - b.total_ms).max(0.0);
                    d.rows = (a.rows - b.rows).max(0);
                }
            }
            (d.calls > 0).then_some(d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(queryid: i64, calls: i64, total_ms: f64) -> StatStatement {
        StatStatement {
            userid: 10,
            dbid: 5,
            toplevel: true,
            queryid,
            user: "app".into(),
            database: "shop".into(),
            query: "SELECT $1".into(),
            calls,
            total_ms,
            max_ms: 3.0,
            rows: calls,
        }
    }

    #[test]
    fn the_difference_is_the_work_in_between() {
        let before = [entry(1, 10, 100.0), entry(2, 5, 50.0), entry(3, 7, 1.0)];
        let after = [
            entry(1, 15, 160.0),
            entry(2, 2, 20.0),
            entry(3, 7, 1.0),
            entry(4, 1, 9.0),
        ];
        let d = difference(&before, &after);
        let by: HashMap<i64, (i64, f64)> = d
            .iter()
            .map(|s| (s.queryid, (s.calls, s.total_ms)))
            .collect();
        assert_eq!(by.get(&1), Some(&(5, 60.0)));
        // Reset in between: counted whole.
        assert_eq!(by.get(&2), Some(&(2, 20.0)));
        // No calls in between: left out.
        assert_eq!(by.get(&3), None);
        assert_eq!(by.get(&4), Some(&(1, 9.0)));
    }
}
