use plumb_diagnostics::Finding;
use plumb_sql::protobuf::{BoolExprType, SubLinkType};
use plumb_sql::NodeEnum;

use crate::query::QueryContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `x NOT IN (SELECT ...)`.
    ///
    /// ## Why is this bad
    /// When the subquery returns a single NULL, `NOT IN` is never true and the query returns
    /// no row, silently. PostgreSQL also cannot turn `NOT IN` into an anti-join: it runs a
    /// hashed subplan when the subquery's result fits in `work_mem`, and otherwise
    /// re-scans the subquery for every outer row, which takes hours on large tables.
    ///
    /// ## Example
    /// ```sql
    /// SELECT count(*) FROM users WHERE id NOT IN (SELECT customer_id FROM orders);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT count(*) FROM users u
    ///  WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = u.id);
    /// ```
    ///
    /// ## Fix safety
    /// `NOT EXISTS` returns the rows the author meant; when the subquery's column can be
    /// NULL, the results differ (that is the bug being fixed).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_NOT_IN>
    pub struct NotInSubquery {
        code: "PL1003",
        name: "not-in-subquery",
        family: Query,
        severity: High,
        summary: "NOT IN (subquery) returns nothing when the subquery yields a NULL and cannot be an anti-join",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for NotInSubquery {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        let found = cx.stmt.nodes().into_iter().any(|(n, _, _, _)| {
            let plumb_sql::NodeRef::BoolExpr(b) = n else {
                return false;
            };
            b.boolop == BoolExprType::NotExpr as i32 && b.args.iter().any(|a| {
                matches!(
                    a.node.as_ref(),
                    Some(NodeEnum::SubLink(s)) if s.sub_link_type == SubLinkType::AnySublink as i32
                )
            })
        });
        if found {
            out.push(cx.finding(
                &Self::META,
                "`NOT IN (SELECT ...)`: no row at all when the subquery yields a NULL, and no anti-join".to_owned(),
                "Write `NOT EXISTS (SELECT 1 FROM ... WHERE inner.col = outer.col)`: right with NULLs, and planned as an anti-join".to_owned(),
            ));
        }
    }
}
