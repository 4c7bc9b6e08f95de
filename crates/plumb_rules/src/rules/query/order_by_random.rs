use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::query::{selects, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ORDER BY random()`.
    ///
    /// ## Why is this bad
    /// To return a few random rows PostgreSQL reads every row that matches, computes a random
    /// number for each, and sorts them all: the cost grows with the table, not with the rows
    /// returned, and no index helps.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id FROM products ORDER BY random() LIMIT 5;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- Roughly 1% of the table's pages, then a small sort:
    /// SELECT id FROM products TABLESAMPLE SYSTEM (1) ORDER BY random() LIMIT 5;
    /// -- Or pick random keys in a known range and look them up by index.
    /// ```
    ///
    /// ## Fix safety
    /// A rewrite of the query: `TABLESAMPLE` changes the distribution (whole pages are
    /// sampled), which is fine for "show a few random items".
    ///
    /// ## PostgreSQL versions
    /// All (`TABLESAMPLE` since 9.5).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-select.html#SQL-FROM>
    pub struct OrderByRandom {
        code: "PL1002",
        name: "order-by-random",
        family: Query,
        severity: High,
        summary: "ORDER BY random() reads and sorts every matching row to return a few",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for OrderByRandom {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        let random = selects(cx.stmt).iter().any(|s| {
            s.sort_clause.iter().any(|sb| {
                let Some(NodeEnum::SortBy(sb)) = sb.node.as_ref() else {
                    return false;
                };
                matches!(
                    sb.node.as_deref().and_then(|n| n.node.as_ref()),
                    Some(NodeEnum::FuncCall(f)) if matches!(plumb_sql::ast::func_name(f).as_str(), "random" | "pg_catalog.random")
                )
            })
        });
        if random {
            out.push(cx.finding(
                &Self::META,
                "ORDER BY random() sorts every matching row to return a few".to_owned(),
                "Sample first (`FROM t TABLESAMPLE SYSTEM (1)`), or pick random keys and look them up by index".to_owned(),
            ));
        }
    }
}
