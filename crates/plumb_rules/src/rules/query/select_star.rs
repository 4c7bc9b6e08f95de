use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::query::{selects, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags application queries that select `*` (or `t.*`) in their result.
    ///
    /// ## Why is this bad
    /// Every column is read, sent and decoded, including large `text`, `jsonb` and `bytea`
    /// values the code never uses; an index-only scan becomes impossible; and the result's
    /// shape changes under the application whenever a migration adds or reorders a column.
    /// The cost grows with how often the query runs.
    ///
    /// ## Example
    /// ```sql
    /// SELECT * FROM users WHERE id = $1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT id, email, name FROM users WHERE id = $1;
    /// ```
    ///
    /// ## Fix safety
    /// Name the columns the code reads; nothing to run on the database.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://wiki.postgresql.org/wiki/Don%27t_Do_This>
    pub struct SelectStar {
        code: "PL1001",
        name: "select-star",
        family: Query,
        severity: Low,
        summary: "SELECT * reads and sends every column, and breaks when columns change",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for SelectStar {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        // Only the outermost result: `EXISTS (SELECT * ...)` and `count(*)` read no columns.
        let NodeEnum::SelectStmt(s) = cx.stmt else {
            return;
        };
        let arms = if s.op == plumb_sql::protobuf::SetOperation::SetopNone as i32 {
            vec![s.as_ref()]
        } else {
            selects(cx.stmt)
                .into_iter()
                .filter(|x| x.op == plumb_sql::protobuf::SetOperation::SetopNone as i32)
                .collect()
        };
        let star = arms.iter().any(|s| {
            s.target_list.iter().any(|t| {
                let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() else {
                    return false;
                };
                matches!(
                    rt.val.as_deref().and_then(|v| v.node.as_ref()),
                    Some(NodeEnum::ColumnRef(c)) if c.fields.iter().any(|f| matches!(f.node, Some(NodeEnum::AStar(_))))
                )
            })
        });
        if star {
            out.push(cx.finding(
                &Self::META,
                "the query selects every column (`*`)".to_owned(),
                "Name the columns the code reads: less to read and send, index-only scans possible, and the result keeps its shape when a migration adds a column".to_owned(),
            ));
        }
    }
}
