use plumb_diagnostics::{Applicability, Finding, Fix, Placement};
use plumb_sql::protobuf::AExprKind;

use crate::query::{column, index_name, table_of, where_operators, QueryContext};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `LIKE` / `ILIKE` patterns that start with a wildcard (`'%term%'`), read from the
    /// logged execution's constant or parameter.
    ///
    /// ## Why is this bad
    /// A B-tree index serves only patterns anchored at the start; `'%term%'` reads every row
    /// of the table and tests each one. On a large table that is a sequential scan per search.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id, name FROM products WHERE name ILIKE '%lamp%';
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE EXTENSION IF NOT EXISTS pg_trgm;
    /// CREATE INDEX CONCURRENTLY products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
    /// ```
    /// A trigram index serves `LIKE` and `ILIKE` with wildcards anywhere (for terms of three
    /// characters or more); for word search, full-text search (`tsvector`) ranks better.
    ///
    /// ## Fix safety
    /// `CREATE INDEX CONCURRENTLY` takes no lock that blocks writes, but cannot run in a
    /// transaction block; the index costs space and write time. Rollback: drop it.
    ///
    /// ## PostgreSQL versions
    /// All (pg_trgm is a contrib extension).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX>
    pub struct LeadingWildcardLike {
        code: "PL1005",
        name: "leading-wildcard-like",
        family: Query,
        severity: High,
        summary: "LIKE '%term' cannot use a B-tree index and scans the whole table",
        min_pg: None,
        max_pg: None,
        inputs: Workload,
    }
}

impl Rule for LeadingWildcardLike {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn checks_queries(&self) -> bool {
        true
    }

    fn check_query(&self, cx: &QueryContext<'_>, out: &mut Vec<Finding>) {
        for (s, e) in where_operators(cx.stmt) {
            let op = plumb_sql::ast::strings(&e.name);
            let like = e.kind == AExprKind::AexprLike as i32
                || e.kind == AExprKind::AexprIlike as i32
                || (e.kind == AExprKind::AexprOp as i32 && matches!(op.as_slice(), ["~~" | "~~*"]));
            if !like {
                continue;
            }
            let Some(pattern) = e.rexpr.as_deref().and_then(|r| cx.value(r)) else {
                continue;
            };
            if !(pattern.starts_with('%') || pattern.starts_with('_')) {
                continue;
            }
            let Some((qualifier, col)) = e.lexpr.as_deref().and_then(column) else {
                continue;
            };
            let ilike = e.kind == AExprKind::AexprIlike as i32 || op == ["~~*"];
            let mut f = cx.finding(
                    &Self::META,
                    format!(
                        "`{col} {} '{pattern}'` starts with a wildcard: no B-tree index can serve it, every row is tested",
                        if ilike { "ILIKE" } else { "LIKE" }
                    ),
                    "Add a trigram index (pg_trgm) on the column, which serves LIKE and ILIKE with wildcards anywhere; or use full-text search".to_owned(),
                );
            if let Some(table) = table_of(s, qualifier.as_deref()) {
                let name = index_name(&table, &format!("{col}_trgm"));
                let col = plumb_sql::ast::quote_ident(&col);
                f.fix = Some(Box::new(Fix {
                        title: format!("Index {table}.{col} with trigrams"),
                        sql: format!(
                            "CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin ({col} gin_trgm_ops);"
                        ),
                        rollback: Some(format!("DROP INDEX CONCURRENTLY IF EXISTS {name};")),
                        applicability: Applicability::DisplayOnly,
                        placement: Placement::Before,
                        edits: Vec::new(),
                    }));
            }
            out.push(f);
            return;
        }
    }
}
