use plumb_diagnostics::Finding;

use crate::fix::{drop_index_fix, table_sql};
use crate::registry::Rule;
use crate::review::{human_bytes, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags B-tree indexes whose key columns are a leading prefix of another B-tree index's key
    /// columns on the same table.
    ///
    /// ## Why is this bad
    /// A B-tree on `(a, b)` serves every lookup and ordering a B-tree on `(a)` serves; the
    /// shorter one costs writes, disk and cache and is rarely chosen. Unique indexes and indexes
    /// backing constraints are not flagged: they enforce something the longer index does not.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_user_idx ON orders (user_id);
    /// CREATE INDEX orders_user_placed_idx ON orders (user_id, placed_at);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY orders_user_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `DROP INDEX CONCURRENTLY` blocks nothing. Check first that no query relies on the
    /// smaller index's size (for example an index-only scan on a very wide longer index).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/indexes-multicolumn.html>
    pub struct RedundantIndex {
        code: "PL112",
        name: "redundant-index",
        family: Index,
        severity: Low,
        summary: "A B-tree index whose columns prefix another index's columns is redundant",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for RedundantIndex {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values() {
            let indexes = cx.indexes_of(&t.name);
            for short in indexes {
                // A partition's attached index goes only with its parent's.
                if short.method != "btree"
                    || short.unique
                    || !short.valid
                    || short.parent.is_some()
                    || cx.backs_constraint(short)
                {
                    continue;
                }
                let longer = indexes.iter().find(|long| {
                    long.name != short.name
                        && long.method == "btree"
                        && long.valid
                        && long.columns.len() > short.columns.len()
                        && long.columns.starts_with(&short.columns)
                        && same_key_options(short, long)
                        && long.predicate == short.predicate
                        && short
                            .include
                            .iter()
                            .all(|c| long.columns.contains(c) || long.include.contains(c))
                });
                let Some(long) = longer else { continue };
                let mut f = cx.finding(
                    &Self::META,
                    "index",
                    &short.name,
                    None,
                    format!(
                        "index {} ({}) is a prefix of {} ({})",
                        table_sql(&short.name),
                        short.columns.join(", "),
                        table_sql(&long.name),
                        long.columns.join(", ")
                    ),
                );
                f.help = crate::fix::drop_index_help(cx.catalog, short);
                if let Some(s) = &short.stats {
                    f.notes.push(format!(
                        "{} takes {}, {} scans since the statistics reset",
                        table_sql(&short.name),
                        human_bytes(s.bytes),
                        s.idx_scan.unwrap_or(0)
                    ));
                }
                f.fix = Some(drop_index_fix(
                    cx.catalog,
                    short,
                    "Drop the redundant index",
                ));
                out.push(f);
            }
        }
    }
}

/// Whether the keys of `short` are collated, compared and ordered like the same keys of `long`:
/// an index with another collation or operator class serves other queries (`LIKE 'a%'` with
/// `text_pattern_ops`), so dropping it would be wrong.
fn same_key_options(short: &plumb_catalog::Index, long: &plumb_catalog::Index) -> bool {
    let default = plumb_catalog::IndexKeyOptions::default();
    (0..short.columns.len()).all(|k| {
        short.key_options.get(k).unwrap_or(&default) == long.key_options.get(k).unwrap_or(&default)
    })
}
