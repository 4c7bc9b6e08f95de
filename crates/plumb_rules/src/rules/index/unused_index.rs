use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::fix;
use crate::fix::table_sql;
use crate::fix::{create_index_sql, drop_index_sql};
use crate::registry::Rule;
use crate::review::{human_bytes, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags indexes of a live database with no index scan since the statistics were last
    /// reset, leaving out unique indexes and indexes backing constraints.
    ///
    /// ## Why is this bad
    /// An index no query uses still costs every write, disk space, backup size and cache.
    /// The statistics are per server: check replicas (read traffic may use the index there)
    /// and how long ago the statistics were reset before dropping. With less than a week of
    /// statistics the rule reports nothing.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_note_idx ON orders (note); -- idx_scan = 0 for months
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY orders_note_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `DROP INDEX CONCURRENTLY` blocks nothing, and the rollback rebuilds the index
    /// concurrently.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-INDEXES-VIEW>
    pub struct UnusedIndex {
        code: "PL114",
        name: "unused-index",
        family: Index,
        severity: Low,
        summary: "An index with no scans since the statistics reset costs writes for nothing",
        min_pg: None,
        max_pg: None,
        inputs: LiveDatabase,
    }
}

/// The statistics must cover at least a week before an index is called unused.
const MIN_STATS_AGE_SECONDS: i64 = 7 * 86_400;

/// Unused indexes at least this large are worth a medium finding.
const LARGE_INDEX_BYTES: i64 = 1 << 30;

impl Rule for UnusedIndex {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        if !cx.live {
            return;
        }
        // Usage counted over a few hours says nothing about monthly jobs: with less than a
        // week of statistics, no index is called unused.
        let age = cx
            .catalog
            .database
            .as_ref()
            .and_then(|d| d.stats_age_seconds);
        if age.is_some_and(|s| s < MIN_STATS_AGE_SECONDS) {
            return;
        }
        let since = cx
            .catalog
            .database
            .as_ref()
            .and_then(|d| d.stats_reset.clone())
            .map_or_else(
                || "since statistics collection began".to_owned(),
                |t| format!("since {t}"),
            );
        for i in cx.catalog.indexes.values() {
            let Some(stats) = &i.stats else { continue };
            if stats.idx_scan != Some(0) || i.unique || !i.valid || cx.backs_constraint(i) {
                continue;
            }
            let mut f = cx.finding(
                &Self::META,
                "index",
                &i.name,
                None,
                format!(
                    "index {} on {} ({}) has not been scanned {since}",
                    table_sql(&i.name),
                    table_sql(&i.table),
                    human_bytes(stats.bytes)
                ),
            );
            if stats.bytes >= LARGE_INDEX_BYTES {
                f.severity = Severity::Medium;
            }
            f.help = "Check replicas and the statistics age, then drop it concurrently".to_owned();
            f.notes.push(
                "index usage is counted per server: replicas keep their own counts".to_owned(),
            );
            f.fix = Some(fix(
                "Drop the unused index without blocking queries",
                drop_index_sql(i),
                Some(create_index_sql(cx.catalog, i)),
                Applicability::Safe,
            ));
            out.push(f);
        }
    }
}
