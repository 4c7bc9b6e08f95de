use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::sql_of;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` on an existing materialized view.
    ///
    /// ## Why is this bad
    /// The refresh holds ACCESS EXCLUSIVE on the view while its query runs: every read of the
    /// view blocks for the whole refresh.
    ///
    /// ## Example
    /// ```sql
    /// REFRESH MATERIALIZED VIEW daily_sales;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;
    /// ```
    /// It needs a unique index on the view and takes EXCLUSIVE, which lets reads go on.
    ///
    /// ## Fix safety
    /// Unsafe: requires a unique index on the materialized view.
    ///
    /// ## PostgreSQL versions
    /// 9.4 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html>
    pub struct RefreshMatviewNonConcurrently {
        code: "PL702",
        name: "refresh-matview-non-concurrently",
        family: Locking,
        severity: High,
        summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view for the whole refresh",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

impl Rule for RefreshMatviewNonConcurrently {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RefreshMatViewStmt(r) = cx.stmt else {
            return;
        };
        let Some(rv) = &r.relation else { return };
        let view = QualifiedName::from_range_var(rv);
        // WITH NO DATA empties the view: quick, nothing to refresh concurrently.
        if r.concurrent || r.skip_data || !cx.is_existing(&view) {
            return;
        }
        let mut f = cx.finding(&Self::META, format!("REFRESH MATERIALIZED VIEW {view} blocks every read of it until the refresh finishes"));
        f.lock = Some(format!("ACCESS EXCLUSIVE on {view}"));
        f.help = "Use REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view)"
            .to_owned();
        let mut c = r.clone();
        c.concurrent = true;
        if let Some(sql) = sql_of(&NodeEnum::RefreshMatViewStmt(c)) {
            f.fix = Some(fix(
                "refresh concurrently",
                sql,
                None,
                Applicability::Unsafe,
            ));
        }
        out.push(f);
    }
}
