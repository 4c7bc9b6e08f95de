use plumb_diagnostics::Finding;

use crate::query::{selects, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags pages read with `LIMIT ... OFFSET ...`.
    ///
    /// ## Why is this bad
    /// To skip N rows PostgreSQL produces them and throws them away: page 1,000 of 20 rows
    /// reads 20,000 rows, so deep pages get slower and slower, and rows inserted or deleted
    /// between two requests shift the pages (rows shown twice or never).
    ///
    /// ## Example
    /// ```sql
    /// SELECT id, created_at FROM orders WHERE customer_id = $1
    ///  ORDER BY created_at DESC LIMIT 20 OFFSET 20000;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Keyset pagination: continue after the last row of the previous page.
    /// SELECT id, created_at FROM orders WHERE customer_id = $1
    ///    AND (created_at, id) < ($2, $3)
    ///  ORDER BY created_at DESC, id DESC LIMIT 20;
    /// ```
    /// With an index on `(customer_id, created_at, id)`, every page costs the same.
    ///
    /// ## Fix safety
    /// A change of the API (a cursor instead of a page number): made in the application.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/queries-limit.html>
    pub struct OffsetPagination {
        code: "PL1004",
        name: "offset-pagination",
        family: Query,
        severity: High,
        summary: "OFFSET pagination reads and discards every skipped row; deep pages get slow",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for OffsetPagination {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for s in selects(cx.stmt) {
            let Some(offset) = s.limit_offset.as_deref() else {
                continue;
            };
            // Paging is OFFSET with LIMIT; a bare `OFFSET 0` is an optimization fence.
            if s.limit_count.is_none() {
                continue;
            }
            let value = cx.value(offset);
            let seen = value
                .map(|v| format!(" (OFFSET {v} in one logged execution)"))
                .unwrap_or_default();
            out.push(cx.finding(
                &Self::META,
                format!("pages are read with OFFSET{seen}: every skipped row is read and discarded"),
                "Paginate by key: `WHERE (sort_key, id) < ($last_sort_key, $last_id) ORDER BY sort_key DESC, id DESC LIMIT n`, with an index on the filter and sort columns".to_owned(),
            ));
            return;
        }
    }
}
