use plumb_diagnostics::Finding;
use plumb_sql::protobuf::JoinType;
use plumb_sql::NodeEnum;

use crate::query::{selects, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags joins without a join condition: tables listed with commas and no `WHERE`, or a
    /// `JOIN ... ON true`.
    ///
    /// ## Why is this bad
    /// Every row of one table is paired with every row of the other: 10,000 × 10,000 rows is
    /// 100 million result rows, usually a forgotten condition. (An intended cross product is
    /// written `CROSS JOIN`, which this rule leaves alone.)
    ///
    /// ## Example
    /// ```sql
    /// SELECT o.id, c.name FROM orders o, customers c;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id;
    /// ```
    ///
    /// ## Fix safety
    /// Adding the condition changes the result (that is the point); check which rows the
    /// code expects.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/queries-table-expressions.html#QUERIES-JOIN>
    pub struct JoinWithoutCondition {
        code: "PL1008",
        name: "join-without-condition",
        family: Query,
        severity: High,
        summary: "a join without a condition pairs every row with every row",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

fn is_true(node: Option<&plumb_sql::protobuf::Node>) -> bool {
    matches!(
        node.and_then(|n| n.node.as_ref()),
        Some(NodeEnum::AConst(c)) if matches!(c.val, Some(plumb_sql::protobuf::a_const::Val::Boolval(ref b)) if b.boolval)
    )
}

impl Rule for JoinWithoutCondition {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for s in selects(cx.stmt) {
            let comma = s.from_clause.len() >= 2 && s.where_clause.is_none();
            let on_true = s.from_clause.iter().any(|f| {
                crate::query::walk(f).iter().any(|n| {
                    matches!(n, plumb_sql::NodeRef::JoinExpr(j)
                        if j.jointype == JoinType::JoinInner as i32
                            && !j.is_natural
                            && j.using_clause.is_empty()
                            && is_true(j.quals.as_deref()))
                })
            });
            if comma || on_true {
                out.push(cx.finding(
                    &Self::META,
                    if comma {
                        "tables listed with commas and no WHERE: every row is paired with every row".to_owned()
                    } else {
                        "`JOIN ... ON true`: every row is paired with every row".to_owned()
                    },
                    "Add the join condition (`JOIN b ON b.a_id = a.id`); write `CROSS JOIN` when the cross product is meant".to_owned(),
                ));
                return;
            }
        }
    }
}
