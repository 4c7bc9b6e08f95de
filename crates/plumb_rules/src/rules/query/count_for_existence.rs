use plumb_diagnostics::Finding;
use plumb_sql::protobuf::{AExprKind, Node, SubLinkType};
use plumb_sql::NodeEnum;

use crate::query::QueryContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `count(*)` compared with 0 or 1 to learn whether a row exists:
    /// `SELECT count(*) > 0 FROM ...`, `(SELECT count(*) FROM ...) = 0`.
    ///
    /// ## Why is this bad
    /// `count(*)` reads every matching row to count them all; the answer needed is whether
    /// there is one. `EXISTS` stops at the first row.
    ///
    /// ## Example
    /// ```sql
    /// SELECT count(*) > 0 FROM orders WHERE customer_id = $1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = $1);
    /// ```
    ///
    /// ## Fix safety
    /// Same answer.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/functions-subquery.html#FUNCTIONS-SUBQUERY-EXISTS>
    pub struct CountForExistence {
        code: "PL1010",
        name: "count-for-existence",
        family: Query,
        severity: Medium,
        summary: "count(*) compared with 0 counts every row to learn whether one exists",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

/// `count(*)`, or a scalar subquery whose only result is `count(*)`.
fn is_count(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::FuncCall(f)) => {
            f.agg_star && plumb_sql::ast::func_name(f).ends_with("count") && f.over.is_none()
        }
        Some(NodeEnum::SubLink(l)) if l.sub_link_type == SubLinkType::ExprSublink as i32 => {
            matches!(
                l.subselect.as_deref().and_then(|s| s.node.as_ref()),
                Some(NodeEnum::SelectStmt(s)) if s.target_list.len() == 1
                    && s.group_clause.is_empty()
                    && matches!(s.target_list[0].node.as_ref(), Some(NodeEnum::ResTarget(rt)) if rt.val.as_deref().is_some_and(is_count))
            )
        }
        _ => false,
    }
}

impl Rule for CountForExistence {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for (n, _, _, _) in cx.stmt.nodes() {
            let plumb_sql::NodeRef::AExpr(e) = n else {
                continue;
            };
            if e.kind != AExprKind::AexprOp as i32 {
                continue;
            }
            let op = plumb_sql::ast::strings(&e.name);
            let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
                continue;
            };
            let other = if is_count(l) {
                r
            } else if is_count(r) {
                l
            } else {
                continue;
            };
            let op = op.first().copied().unwrap_or_default();
            let value = cx.value(other);
            let existence = matches!(
                (op, value.as_deref()),
                (">" | "<>" | "!=" | "=" | "<=", Some("0")) | (">=" | "<", Some("1"))
            );
            if existence {
                out.push(cx.finding(
                    &Self::META,
                    "count(*) compared with 0 or 1: every matching row is counted to learn whether one exists".to_owned(),
                    "Ask `EXISTS (SELECT 1 FROM ... WHERE ...)`, which stops at the first row".to_owned(),
                ));
                return;
            }
        }
    }
}
