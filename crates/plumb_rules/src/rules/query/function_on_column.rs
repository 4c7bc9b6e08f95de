use plumb_diagnostics::{Applicability, Finding, Fix, Placement};
use plumb_sql::protobuf::{AExprKind, Node};
use plumb_sql::NodeEnum;

use crate::query::{column, index_name, table_of, where_operators, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a comparison in `WHERE` between a function of a column (or a cast of it) and a
    /// value: `lower(email) = $1`, `date(created_at) = $1`, `id::text = $1`.
    ///
    /// ## Why is this bad
    /// An index on `email` holds `email`, not `lower(email)`: the planner cannot use it for
    /// the comparison, and reads every row (or a much larger range) to compute the function
    /// for each.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id FROM users WHERE lower(email) = lower($1);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// -- An expression index that holds the function's result:
    /// CREATE INDEX CONCURRENTLY users_lower_email_idx ON users ((lower(email)));
    /// -- Or rewrite ranges without the function: date(created_at) = $1 becomes
    /// -- created_at >= $1 AND created_at < $1 + 1
    /// ```
    ///
    /// ## Fix safety
    /// The index is built without blocking writes (`CONCURRENTLY`, outside a transaction
    /// block) and only helps when the query uses exactly the indexed expression. Rollback:
    /// drop it.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/indexes-expressional.html>
    pub struct FunctionOnColumn {
        code: "PL1006",
        name: "function-on-filtered-column",
        family: Query,
        severity: High,
        summary: "a function or cast on a filtered column keeps its index from being used",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

/// `f(col)` or `col::type`: the wrapped column (qualifier, name).
fn wrapped_column(node: &Node) -> Option<(Option<String>, String)> {
    match node.node.as_ref()? {
        NodeEnum::FuncCall(f) => {
            if f.agg_star || f.over.is_some() {
                return None;
            }
            f.args.iter().find_map(column)
        }
        NodeEnum::TypeCast(c) => column(c.arg.as_deref()?),
        _ => None,
    }
}

fn is_value(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(_) | NodeEnum::ParamRef(_)) => true,
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(is_value),
        Some(NodeEnum::FuncCall(f)) => !f.args.is_empty() && f.args.iter().all(is_value),
        _ => false,
    }
}

impl Rule for FunctionOnColumn {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for (s, e) in where_operators(cx.stmt) {
            if e.kind != AExprKind::AexprOp as i32 {
                continue;
            }
            let op = plumb_sql::ast::strings(&e.name);
            if !matches!(op.as_slice(), ["=" | "<" | "<=" | ">" | ">="]) {
                continue;
            }
            let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
                continue;
            };
            let (wrapped, (qualifier, col)) = match (wrapped_column(l), wrapped_column(r)) {
                (Some(c), _) if is_value(r) => (l, c),
                (_, Some(c)) if is_value(l) => (r, c),
                _ => continue,
            };
            let Some(expr) = plumb_sql::ast::expr_sql(wrapped) else {
                continue;
            };
            let mut f = cx.finding(
                    &Self::META,
                    format!("`{expr}` in WHERE: an index on `{col}` cannot serve the comparison"),
                    format!("Index the expression (`CREATE INDEX ... (({expr}))`), or compare the bare column (rewrite a date or cast into a range on `{col}`)"),
                );
            // Date and time functions of a timestamptz are not immutable: no index can hold
            // them, the range rewrite is the fix.
            let temporal = [
                "date",
                "date_trunc",
                "to_char",
                "extract",
                "date_part",
                "timezone",
            ]
            .iter()
            .any(|f| expr.starts_with(&format!("{f}(")))
                || expr.ends_with("::date")
                || expr.ends_with("::timestamp");
            if temporal {
                f.help = format!("Compare `{col}` itself with a range (`{col} >= $1 AND {col} < $1 + interval '1 day'`): the function of a timestamptz cannot be indexed");
            } else if let Some(table) = table_of(s, qualifier.as_deref()) {
                // The index expression names the column without its qualifier.
                let bare = match &qualifier {
                    Some(q) => expr.replace(&format!("{q}."), ""),
                    None => expr.clone(),
                };
                let what: String = bare
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
                    .split('_')
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("_");
                let name = index_name(&table, &what);
                let sql = format!(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} (({bare}));"
                );
                if plumb_sql::parses(&sql) {
                    f.fix = Some(Box::new(Fix {
                        title: format!("Index {bare} on {table}"),
                        sql,
                        rollback: Some(format!("DROP INDEX CONCURRENTLY IF EXISTS {name};")),
                        applicability: Applicability::DisplayOnly,
                        placement: Placement::Before,
                        edits: Vec::new(),
                    }));
                }
            }
            out.push(f);
            return;
        }
    }
}
