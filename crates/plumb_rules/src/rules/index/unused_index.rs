use std::collections::HashMap;

use plumb_catalog::{Index, IndexStats, QualifiedName};
use plumb_diagnostics::{Finding, Severity};

use crate::fix::{drop_index_fix, table_sql};
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
        let mut children: HashMap<&QualifiedName, Vec<&Index>> = HashMap::new();
        for i in cx.catalog.indexes.values() {
            if let Some(p) = &i.parent {
                children.entry(p).or_default().push(i);
            }
        }
        for i in cx.catalog.indexes.values() {
            // A partition's attached index goes only with its parent's, whose use is the sum of
            // its partitions' (the parent's own counters stay at zero).
            if i.parent.is_some() {
                continue;
            }
            let Some(stats) = tree_stats(i, &children) else {
                continue;
            };
            let stats = &stats;
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
            f.fix = Some(drop_index_fix(cx.catalog, i, "Drop the unused index"));
            out.push(f);
        }
    }
}

/// An index's size and scans with those of the partitions' indexes attached to it, at any depth.
fn tree_stats(i: &Index, children: &HashMap<&QualifiedName, Vec<&Index>>) -> Option<IndexStats> {
    let mut total = i.stats.as_deref().cloned()?;
    for c in children.get(&i.name).into_iter().flatten() {
        if let Some(s) = tree_stats(c, children) {
            total.bytes += s.bytes;
            total.idx_scan = match (total.idx_scan, s.idx_scan) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
        }
    }
    Some(total)
}
