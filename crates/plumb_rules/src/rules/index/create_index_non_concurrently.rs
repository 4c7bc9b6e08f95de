use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, sql_of, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `CREATE INDEX` without `CONCURRENTLY` on a table that already exists.
    ///
    /// ## Why is this bad
    /// A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT,
    /// UPDATE and DELETE waits until the index is built, which on a large table takes minutes.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
    /// ```
    /// `CONCURRENTLY` takes a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on. It
    /// cannot run inside a transaction block, and a failed build leaves an INVALID index to drop.
    ///
    /// ## Fix safety
    /// Unsafe: the statement must move out of the migration's transaction.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY>
    pub struct CreateIndexNonConcurrently {
        code: "PL101",
        name: "create-index-non-concurrently",
        family: Index,
        severity: High,
        summary: "CREATE INDEX without CONCURRENTLY blocks writes to an existing table for the whole build",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

/// The user's own statement with `CONCURRENTLY` (and `IF NOT EXISTS`, so a retry after a failed
/// build is harmless) inserted after `INDEX`, keeping their formatting.
fn concurrent_text(sql: &str, add_if_not_exists: bool) -> Option<String> {
    let upper = sql.get(..sql.len().min(64))?.to_ascii_uppercase();
    let at = upper.find("INDEX")? + "INDEX".len();
    if !upper[..at]
        .trim_end_matches("INDEX")
        .split_whitespace()
        .all(|w| w == "CREATE" || w == "UNIQUE")
    {
        return None;
    }
    let extra = if add_if_not_exists {
        " CONCURRENTLY IF NOT EXISTS"
    } else {
        " CONCURRENTLY"
    };
    Some(format!("{}{extra}{};", &sql[..at], &sql[at..]))
}

impl Rule for CreateIndexNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::IndexStmt(i) = cx.stmt else {
            return;
        };
        let Some(rv) = &i.relation else { return };
        let table = QualifiedName::from_range_var(rv);
        if i.concurrent || !cx.is_existing(&table) {
            return;
        }
        // IF NOT EXISTS for an index the migrations already created builds nothing.
        if i.if_not_exists
            && !i.idxname.is_empty()
            && cx
                .catalog
                .indexes
                .contains_key(&QualifiedName::new(Some(&table.schema), &i.idxname))
        {
            return;
        }
        // Partitioned tables cannot be indexed concurrently; another rule explains what to do.
        if cx
            .catalog
            .table(&table)
            .is_some_and(|t| t.kind == plumb_catalog::TableKind::Partitioned)
        {
            return;
        }
        let sql =
            concurrent_text(cx.sql(), !i.idxname.is_empty() && !i.if_not_exists).or_else(|| {
                let mut concurrent = (**i).clone();
                concurrent.concurrent = true;
                concurrent.if_not_exists = !i.idxname.is_empty();
                sql_of(&NodeEnum::IndexStmt(Box::new(concurrent)))
            });
        let rollback = (!i.idxname.is_empty()).then(|| {
            let schema = if rv.schemaname.is_empty() {
                String::new()
            } else {
                format!("{}.", ident(&rv.schemaname))
            };
            format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {schema}{};",
                ident(&i.idxname)
            )
        });
        let mut f = cx.finding(
            &Self::META,
            format!(
                "CREATE INDEX on existing table {} blocks writes until the index is built",
                table_sql(&table)
            ),
        );
        f.lock = Some(format!("SHARE on {table}"));
        f.help = format!(
            "Build the index with CREATE INDEX CONCURRENTLY, outside a transaction block ({})",
            cx.no_transaction_hint()
        );
        f.notes.push(
            "SHARE blocks INSERT, UPDATE and DELETE for the duration of the build; reads go on"
                .to_owned(),
        );
        if let Some(sql) = sql {
            f.fix = Some(fix(
                "build the index concurrently",
                sql,
                rollback,
                Applicability::Unsafe,
            ));
        }
        out.push(f);
    }
}
