use std::collections::BTreeMap;

use plumb_catalog::Index;
use plumb_diagnostics::Finding;

use crate::fix::{drop_index_fix, table_sql};
use crate::registry::Rule;
use crate::review::{human_bytes, SchemaContext};

declare_rule! {
    /// ## What it does
    /// Flags indexes that duplicate another index of the same table: same method, key columns,
    /// INCLUDE columns and predicate.
    ///
    /// ## Why is this bad
    /// Every INSERT, UPDATE and DELETE maintains both, the duplicate takes the same disk and
    /// cache, and the planner uses only one of them.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_user_idx ON orders (user_id);
    /// CREATE INDEX orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// DROP INDEX CONCURRENTLY orders_user_idx;
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `DROP INDEX CONCURRENTLY` waits for running queries instead of blocking new ones.
    /// The index kept is the one backing a constraint, else a unique one, else the first by
    /// name.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://wiki.postgresql.org/wiki/Index_Maintenance#Duplicate_indexes>
    pub struct DuplicateIndex {
        code: "PL111",
        name: "duplicate-index",
        family: Index,
        severity: Medium,
        summary: "Two indexes with the same definition double the write cost for nothing",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

/// What makes two indexes the same: method, key columns with their collation, operator class
/// and ordering, INCLUDE columns, predicate. An index on `name COLLATE "C"` or with
/// `text_pattern_ops` serves queries an index on plain `name` cannot, so it is no duplicate.
type Signature<'a> = (
    &'a str,
    &'a [String],
    &'a [plumb_catalog::IndexKeyOptions],
    &'a [String],
    Option<&'a str>,
);

impl Rule for DuplicateIndex {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values() {
            let mut groups: BTreeMap<Signature<'_>, Vec<&Index>> = BTreeMap::new();
            for i in cx.indexes_of(&t.name) {
                if i.valid {
                    groups
                        .entry((
                            &i.method,
                            &i.columns,
                            &i.key_options,
                            &i.include,
                            i.predicate.as_deref(),
                        ))
                        .or_default()
                        .push(i);
                }
            }
            for same in groups.values().filter(|g| g.len() > 1) {
                // Keep the constraint's index, else one attached to the partitioned table's
                // index (it cannot be dropped alone), else a unique one, else the first by name.
                let keep = same
                    .iter()
                    .max_by_key(|i| {
                        (
                            cx.backs_constraint(i),
                            i.parent.is_some(),
                            i.unique,
                            std::cmp::Reverse(&i.name),
                        )
                    })
                    .copied();
                let Some(keep) = keep else { continue };
                for dup in same.iter().filter(|i| i.name != keep.name) {
                    // A partition's attached index goes only with its parent's: the duplicate
                    // is reported on the partitioned table.
                    if cx.backs_constraint(dup)
                        || dup.parent.is_some()
                        || (dup.unique && !keep.unique)
                    {
                        continue;
                    }
                    let mut f = cx.finding(
                        &Self::META,
                        "index",
                        &dup.name,
                        None,
                        format!(
                            "index {} duplicates {} on {}",
                            table_sql(&dup.name),
                            table_sql(&keep.name),
                            table_sql(&t.name)
                        ),
                    );
                    f.help = crate::fix::drop_index_help(cx.catalog, dup);
                    if let Some(s) = &dup.stats {
                        f.notes.push(format!(
                            "{} takes {}",
                            table_sql(&dup.name),
                            human_bytes(s.bytes)
                        ));
                    }
                    f.fix = Some(drop_index_fix(cx.catalog, dup, "Drop the duplicate"));
                    out.push(f);
                }
            }
        }
    }
}
