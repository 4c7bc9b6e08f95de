use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::table_sql;
use crate::fix::{create_index_sql, drop_index_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags indexes marked invalid, the remains of a failed or cancelled
    /// `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY`.
    ///
    /// ## Why is this bad
    /// The planner never uses an invalid index, yet every write still maintains it. A unique
    /// one may still reject rows. Queries that were meant to use it run without it.
    ///
    /// ## Example
    /// ```sql
    /// -- interrupted:
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Fix safety
    /// Safe: both statements run concurrently with reads and writes, outside a transaction.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY>
    pub struct InvalidIndex {
        code: "PL113",
        name: "invalid-index",
        family: Index,
        severity: Medium,
        summary: "An invalid index is maintained on every write and never used",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for InvalidIndex {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for i in cx.catalog.indexes.values().filter(|i| !i.valid) {
            let mut f = cx.finding(
                &Self::META,
                "index",
                &i.name,
                None,
                format!(
                    "index {} on {} is invalid: writes maintain it but no query can use it",
                    table_sql(&i.name),
                    table_sql(&i.table)
                ),
            );
            f.help = "Drop it and build it again concurrently".to_owned();
            // No rollback: the state before is a failed build, which cannot be made on purpose,
            // and the rebuilt index is what that build meant to create.
            f.notes.push("no rollback: an invalid index cannot be recreated, and the rebuilt one is what the failed build was for (drop it with DROP INDEX CONCURRENTLY if it is not wanted)".to_owned());
            f.fix = Some(fix(
                "Rebuild the index without blocking writes",
                format!(
                    "{}\n{}",
                    drop_index_sql(cx.catalog, i),
                    create_index_sql(cx.catalog, i)
                ),
                None,
                Applicability::Safe,
            ));
            out.push(f);
        }
    }
}
