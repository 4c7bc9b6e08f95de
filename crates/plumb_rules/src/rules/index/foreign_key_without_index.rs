use plumb_catalog::{ConstraintKind, Table, TableKind};
use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags foreign keys whose columns are not the leading columns of any index of the
    /// referencing table (a partial index `WHERE fk IS NOT NULL` counts).
    ///
    /// From a live database the severity follows what the missing index costs: high for a
    /// child of a million rows or more, low under 10,000 rows, and low (medium for a large
    /// child, whose joins still scan) when the referenced table has had no row deleted or
    /// updated in at least a week of statistics. Without statistics, a key into a lookup-shaped
    /// table (a key and a name or code) is low.
    ///
    /// ## Why is this bad
    /// Every DELETE of a referenced row, and every UPDATE of its key, looks for referencing rows:
    /// without an index that is a sequential scan of the referencing table per parent row, while
    /// the parent's row lock is held. Joins from the parent to its children scan too. The cost
    /// grows with the child table and shows up as slow deletes and lock waits.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
    /// ```
    ///
    /// ## Fix safety
    /// Safe: `CREATE INDEX CONCURRENTLY` takes SHARE UPDATE EXCLUSIVE, which blocks neither reads
    /// nor writes; run it outside a transaction. On a partitioned table the index is built on
    /// each partition and attached.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK>
    pub struct ForeignKeyWithoutIndex {
        code: "PL110",
        name: "foreign-key-without-index",
        family: Index,
        severity: Medium,
        summary: "A foreign key without an index on its columns makes parent deletes scan the child table",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

/// Child tables at least this large make an unindexed foreign key a production problem.
const LARGE_CHILD_ROWS: i64 = 1_000_000;

impl Rule for ForeignKeyWithoutIndex {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.tables() {
            // A partition's clone of its parent's foreign key is covered by the finding (and
            // the fix, which indexes every partition) on the partitioned table.
            for fk in t.foreign_keys().filter(|k| !k.inherited) {
                let ConstraintKind::ForeignKey { references, .. } = &fk.kind else {
                    continue;
                };
                let n = fk.columns.len();
                let covered = cx.indexes_of(&t.name).iter().any(|i| {
                    i.valid
                        && i.predicate
                            .as_deref()
                            .is_none_or(|p| only_not_null(p, &fk.columns))
                        && i.columns.len() >= n
                        && fk.columns.iter().all(|c| i.columns[..n].contains(c))
                });
                if covered || n == 0 {
                    continue;
                }
                let cols = fk.columns.join(", ");
                let mut f = cx.finding(
                    &Self::META,
                    "constraint",
                    &t.name,
                    (n == 1).then(|| fk.columns[0].as_str()),
                    format!(
                        "foreign key {} ({cols}) of {} has no index: each delete or key update in {} scans {}",
                        fk.name,
                        table_sql(&t.name),
                        table_sql(references),
                        table_sql(&t.name)
                    ),
                );
                f.help = format!(
                    "Index {} ({cols}) with CREATE INDEX CONCURRENTLY",
                    table_sql(&t.name)
                );
                // A partial index on the columns serves the application's queries, not the
                // key's check, which looks for every referencing row.
                if let Some(i) = cx.indexes_of(&t.name).iter().find(|i| {
                    i.valid
                        && i.predicate.is_some()
                        && i.columns.len() >= n
                        && fk.columns.iter().all(|c| i.columns[..n].contains(c))
                }) {
                    f.notes.push(format!(
                        "{} covers ({cols}) only WHERE {}: the key's check looks for every referencing row and cannot use it",
                        i.name.name,
                        i.predicate.as_deref().unwrap_or_default()
                    ));
                }
                let rows = t.stats.as_ref().and_then(|s| s.estimated_rows);
                if let Some(rows) = rows {
                    f.notes
                        .push(format!("{} has about {rows} rows", table_sql(&t.name)));
                    let quiet = quiet_parent(cx, references);
                    if let Some(days) = quiet {
                        f.notes.push(format!(
                            "{} has had no row deleted or updated in the {days} days since the statistics reset: the scan happens only when one is",
                            table_sql(references)
                        ));
                    }
                    if rows >= LARGE_CHILD_ROWS {
                        // Joins from the parent still scan a large child.
                        f.severity = f.severity.max(if quiet.is_some() {
                            Severity::Medium
                        } else {
                            Severity::High
                        });
                    } else if rows < SMALL_CHILD_ROWS || quiet.is_some() {
                        // A scan of a few thousand rows per parent delete costs little, and
                        // a parent that is never deleted from or re-keyed triggers none.
                        f.severity = Severity::Low;
                    }
                } else if cx
                    .catalog
                    .table(references)
                    .is_some_and(|r| looks_like_lookup(cx.catalog, r))
                {
                    // Without statistics: a key into a lookup table (a few columns, a name or
                    // code) is checked only when a lookup row is deleted or re-keyed, which is
                    // rare. With --db the child's size decides.
                    f.severity = Severity::Low;
                    f.notes.push(format!(
                        "{} looks like a lookup table: its rows are rarely deleted, and only then is {} scanned",
                        table_sql(references),
                        table_sql(&t.name)
                    ));
                }
                f.fix = Some(index_fix(cx, t, &fk.columns));
                out.push(f);
            }
        }
    }
}

/// Statistics younger than this say too little about how often a parent changes.
const QUIET_MIN_DAYS: i64 = 7;

/// The days of statistics in which the referenced table had no row deleted or updated (so no
/// foreign key check scanned the child), when the live statistics cover at least a week.
fn quiet_parent(cx: &SchemaContext<'_>, parent: &plumb_catalog::QualifiedName) -> Option<i64> {
    let days = cx.catalog.database.as_ref()?.stats_age_seconds? / 86_400;
    let stats = cx.catalog.table(parent)?.stats.as_ref()?;
    (days >= QUIET_MIN_DAYS && stats.n_tup_del? == 0 && stats.n_tup_upd? == 0).then_some(days)
}

// Findings hold their fix boxed.
#[allow(clippy::unnecessary_box_returns)]
fn index_fix(cx: &SchemaContext<'_>, t: &Table, columns: &[String]) -> Box<plumb_diagnostics::Fix> {
    let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let cols = cols.join(", ");
    let name =
        cx.catalog
            .choose_relation_name(&t.name.schema, &t.name.name, &columns.join("_"), "idx");
    if t.kind != TableKind::Partitioned {
        return fix(
            "Index the foreign key columns without blocking writes",
            format!(
                "CREATE INDEX CONCURRENTLY {} ON {} ({cols});",
                ident(&name.name),
                table_sql(&t.name)
            ),
            Some(format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {};",
                table_sql(&name)
            )),
            Applicability::Safe,
        );
    }
    // A partitioned table cannot be indexed concurrently: index the parent alone (instant),
    // each partition concurrently, then attach them.
    let mut sql = format!(
        "CREATE INDEX {} ON ONLY {} ({cols});\n",
        ident(&name.name),
        table_sql(&t.name)
    );
    for part in cx
        .catalog
        .tables
        .values()
        .filter(|p| p.partition_of.as_ref() == Some(&t.name))
    {
        let pname = cx.catalog.choose_relation_name(
            &part.name.schema,
            &part.name.name,
            &columns.join("_"),
            "idx",
        );
        sql.push_str(&format!(
            "CREATE INDEX CONCURRENTLY {} ON {} ({cols});\nALTER INDEX {} ATTACH PARTITION {};\n",
            ident(&pname.name),
            table_sql(&part.name),
            table_sql(&name),
            table_sql(&pname)
        ));
    }
    fix(
        "Index the parent, then each partition concurrently, and attach",
        sql.trim_end().to_owned(),
        Some(format!("DROP INDEX IF EXISTS {};", table_sql(&name))),
        Applicability::Safe,
    )
}

/// Whether a partial index's predicate only says key columns are NOT NULL: the lookups a
/// foreign key makes (`WHERE fk = $1`) imply it, so PostgreSQL uses such an index for them.
fn only_not_null(predicate: &str, columns: &[String]) -> bool {
    fn walk(e: &plumb_sql::protobuf::Node, columns: &[String]) -> bool {
        if let Some(c) = plumb_sql::ast::is_not_null_test(e) {
            return columns.contains(&c);
        }
        match e.node.as_ref() {
            Some(plumb_sql::NodeEnum::BoolExpr(b))
                if b.boolop == plumb_sql::protobuf::BoolExprType::AndExpr as i32 =>
            {
                b.args.iter().all(|a| walk(a, columns))
            }
            _ => false,
        }
    }
    plumb_sql::canon::parse_expr(predicate).is_some_and(|e| walk(&e, columns))
}

/// Below this many rows, a scan of the referencing table per parent delete is cheap.
const SMALL_CHILD_ROWS: i64 = 10_000;

/// Whether a table's columns read as a lookup (enum-like) table's: a handful, all keys,
/// names, descriptions, ordering, a parent, flags or audit times (`id, name, parent,
/// child_order, description`), one of them a name, code, label or title. A price, a quantity or
/// any other data makes it an entity.
fn lookup_shape(t: &Table) -> bool {
    const NAMES: &[&str] = &["name", "code", "label", "title", "slug", "value"];
    const VOCABULARY: &[&str] = &[
        "id",
        "gid",
        "uuid",
        "key",
        "name",
        "code",
        "label",
        "title",
        "slug",
        "description",
        "comment",
        "note",
        "notes",
        "parent",
        "child",
        "order",
        "sort",
        "position",
        "ordinal",
        "rank",
        "priority",
        "is",
        "enabled",
        "active",
        "visible",
        "hidden",
        "deprecated",
        "created",
        "updated",
        "modified",
        "last",
        "update",
        "at",
        "on",
        "color",
        "icon",
        "value",
        "free",
        "text",
    ];
    let words = |c: &plumb_catalog::Column| crate::rules::types::float_for_money::words(&c.name);
    let named = t
        .columns
        .iter()
        .any(|c| words(c).iter().any(|w| NAMES.contains(&w.as_str())));
    // The table's own name may prefix its columns (`category_id` of `category`).
    let own = crate::rules::types::float_for_money::words(&t.name.name);
    let all_lookup = t.columns.iter().all(|c| {
        words(c)
            .iter()
            .all(|w| VOCABULARY.contains(&w.as_str()) || own.contains(w))
    });
    t.columns.len() <= 8 && named && all_lookup
}

/// A lookup table ([`lookup_shape`]) whose foreign keys, if any, point at itself (a tree of
/// types) or at other lookup tables (allowed values of a type).
fn looks_like_lookup(catalog: &plumb_catalog::Catalog, t: &Table) -> bool {
    lookup_shape(t)
        && t.foreign_keys().all(|k| match &k.kind {
            ConstraintKind::ForeignKey { references, .. } => {
                *references == t.name || catalog.table(references).is_some_and(lookup_shape)
            }
            _ => true,
        })
}
