use plumb_diagnostics::Finding;
use plumb_sql::protobuf::{AExprKind, BoolExprType};
use plumb_sql::NodeEnum;

use crate::query::{column, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags three or more `col = value` comparisons on one column joined by `OR`.
    ///
    /// ## Why is this bad
    /// Each `OR` arm is planned on its own (a BitmapOr of one index scan per value, or a
    /// filter on every row), the text grows with the list, and every list length is a new
    /// query for the plan cache and for pg_stat_statements.
    ///
    /// ## Example
    /// ```sql
    /// SELECT * FROM orders WHERE status = 'new' OR status = 'paid' OR status = 'shipped';
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT * FROM orders WHERE status = ANY($1);  -- $1 = '{new,paid,shipped}'
    /// ```
    ///
    /// ## Fix safety
    /// Same rows. One array parameter instead of one per value.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/functions-comparisons.html#FUNCTIONS-COMPARISONS-ANY-SOME>
    pub struct OrChain {
        code: "PL1007",
        name: "or-chain-on-one-column",
        family: Query,
        severity: Low,
        summary: "a chain of col = a OR col = b OR ... is one = ANY($1)",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for OrChain {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for (n, _, _, _) in cx.stmt.nodes() {
            let plumb_sql::NodeRef::BoolExpr(b) = n else {
                continue;
            };
            if b.boolop != BoolExprType::OrExpr as i32 || b.args.len() < 3 {
                continue;
            }
            let cols: Vec<Option<(Option<String>, String)>> = b
                .args
                .iter()
                .map(|a| match a.node.as_ref() {
                    Some(NodeEnum::AExpr(e))
                        if e.kind == AExprKind::AexprOp as i32
                            && plumb_sql::ast::strings(&e.name) == ["="] =>
                    {
                        e.lexpr.as_deref().and_then(column)
                    }
                    _ => None,
                })
                .collect();
            if let Some(Some(first)) = cols.first() {
                if cols.iter().all(|c| c.as_ref() == Some(first)) {
                    out.push(cx.finding(
                        &Self::META,
                        format!(
                            "{} `{} = ...` comparisons joined by OR",
                            cols.len(),
                            first.1
                        ),
                        format!(
                            "Write `{} = ANY($1)` with the values as one array parameter",
                            first.1
                        ),
                    ));
                    return;
                }
            }
        }
    }
}
