use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::query::{column, selects, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `SELECT DISTINCT` over a join whose result columns all come from one of the
    /// joined tables.
    ///
    /// ## Why is this bad
    /// The join multiplies the rows (one per matching child), and DISTINCT sorts or hashes
    /// them all to remove the copies again: the work grows with the children, not with the
    /// rows returned. The question asked is "which parents have a matching child", a
    /// semi-join.
    ///
    /// ## Example
    /// ```sql
    /// SELECT DISTINCT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id
    ///  WHERE o.status = 'paid';
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT c.id, c.name FROM customers c
    ///  WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid');
    /// ```
    ///
    /// ## Fix safety
    /// Same rows when the selected columns identify the row (they include its key).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/functions-subquery.html#FUNCTIONS-SUBQUERY-EXISTS>
    pub struct DistinctOverJoin {
        code: "PL1009",
        name: "distinct-over-join",
        family: Query,
        severity: Medium,
        summary: "DISTINCT removing the copies a join made is a semi-join (EXISTS) done the slow way",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for DistinctOverJoin {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for s in selects(cx.stmt) {
            if s.distinct_clause.is_empty() {
                continue;
            }
            let joined = s.from_clause.len() >= 2
                || s.from_clause
                    .iter()
                    .any(|f| matches!(f.node, Some(NodeEnum::JoinExpr(_))));
            if !joined {
                continue;
            }
            // Every result column is a column (or `t.*`) of one qualifier.
            let mut qualifiers = Vec::new();
            let all_columns = s.target_list.iter().all(|t| {
                let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() else {
                    return false;
                };
                let Some(v) = rt.val.as_deref() else {
                    return false;
                };
                if let Some(NodeEnum::ColumnRef(c)) = v.node.as_ref() {
                    let parts = plumb_sql::ast::strings(&c.fields);
                    if c.fields.len() == 2 && parts.len() == 1 {
                        // `t.*`
                        qualifiers.push(parts[0].to_owned());
                        return true;
                    }
                }
                match column(v) {
                    Some((Some(q), _)) => {
                        qualifiers.push(q);
                        true
                    }
                    _ => false,
                }
            });
            qualifiers.dedup();
            if all_columns && qualifiers.len() == 1 {
                out.push(cx.finding(
                    &Self::META,
                    format!(
                        "DISTINCT over a join, every result column from `{}`: the join's copies are made, then removed",
                        qualifiers[0]
                    ),
                    format!(
                        "Select from `{}` alone and test the other tables with `WHERE EXISTS (SELECT 1 FROM ... WHERE ...)`",
                        qualifiers[0]
                    ),
                ));
                return;
            }
        }
    }
}
