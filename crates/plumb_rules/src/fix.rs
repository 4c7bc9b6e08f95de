//! Helpers to build fix SQL: deparsing edited statements and marking migration boundaries.

use plumb_sql::NodeEnum;

/// Deparses a statement, ending it with `;`.
pub fn sql_of(node: &NodeEnum) -> Option<String> {
    plumb_sql::deparse(node).map(|s| format!("{s};"))
}

pub use plumb_sql::ast::quote_ident as ident;

/// A qualified table name for SQL, omitting `public.`.
pub fn table_sql(name: &plumb_catalog::QualifiedName) -> String {
    if name.schema == plumb_catalog::DEFAULT_SCHEMA {
        ident(&name.name)
    } else {
        format!("{}.{}", ident(&name.schema), ident(&name.name))
    }
}

/// A comment line that marks a step boundary in a multi-step fix.
pub fn step(n: usize, what: &str) -> String {
    format!("-- Step {n}: {what}\n")
}

/// The statement's first line, for messages (at most 80 characters).
pub fn excerpt(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line.to_owned()
    }
}

/// One batch of a backfill: `UPDATE t SET <set> WHERE ctid IN (SELECT ctid FROM t WHERE
/// <pending> LIMIT 10000);`, to repeat outside the DDL transaction until it updates no row.
pub fn batch_update(table: &str, set: &str, pending: &str) -> String {
    format!("UPDATE {table} SET {set} WHERE ctid IN (SELECT ctid FROM {table} WHERE {pending} LIMIT 10000);")
}

/// The single integer primary-key column of a table, if it has one: backfills batch by its
/// ranges.
pub fn integer_key(
    catalog: &plumb_catalog::Catalog,
    table: &plumb_catalog::QualifiedName,
) -> Option<String> {
    let t = catalog.table(table)?;
    let [col] = t.primary_key()?.columns.as_slice() else {
        return None;
    };
    let ty = t.column(col)?.type_name.as_str();
    matches!(
        ty,
        "int2" | "int4" | "int8" | "smallserial" | "serial" | "bigserial"
    )
    .then(|| col.clone())
}

/// The predicate that limits a batch to one key range of [`loop_by_key`].
pub fn key_range(key_ref: &str) -> String {
    format!("{key_ref} >= plumb_lo AND {key_ref} < plumb_lo + 10000")
}

/// A DO block that runs `batch` (a statement limited by [`key_range`]) over every range of
/// 10,000 keys of `table` from its smallest to its largest key, committing after each: it ends
/// whatever the batch does, and never holds row locks for long. COMMIT inside DO needs
/// PostgreSQL 11 and a call outside any transaction block.
pub fn loop_by_key(table: &str, key: &str, batch: &str) -> String {
    let key = ident(key);
    format!(
        "DO $plumb$\nDECLARE\n  plumb_lo bigint;\n  plumb_hi bigint;\nBEGIN\n  SELECT min({key}), max({key}) INTO plumb_lo, plumb_hi FROM {table};\n  WHILE plumb_lo <= plumb_hi LOOP\n    {batch}\n    COMMIT;\n    plumb_lo := plumb_lo + 10000;\n  END LOOP;\nEND\n$plumb$;"
    )
}

/// A DO block that repeats `batch` until it changes no row, committing after each: `batch`
/// must make its own rows stop matching (a DELETE, or an UPDATE of the rows still to do).
pub fn loop_until_done(batch: &str) -> String {
    format!(
        "DO $plumb$\nBEGIN\n  LOOP\n    {batch}\n    EXIT WHEN NOT FOUND;\n    COMMIT;\n  END LOOP;\nEND\n$plumb$;"
    )
}

/// How a batched backfill must be run, as a comment line before it.
pub const OUTSIDE_TRANSACTION: &str =
    "-- outside the DDL migration and any transaction block (each batch commits):\n";

/// A complete backfill `UPDATE t SET <set>` of the rows matching `pending` (which the update
/// makes false), in batches that each commit: by ranges of the table's integer primary key when
/// it has one (so it ends even for rows the update leaves matching), else by ctid until no row
/// is left; before PostgreSQL 11 (no COMMIT in DO), one batch to repeat by hand.
pub fn backfill(
    catalog: &plumb_catalog::Catalog,
    table: &plumb_catalog::QualifiedName,
    set: &str,
    pending: &str,
    pg_version: u32,
) -> String {
    let t = table_sql(table);
    if pg_version < 11 {
        return format!(
            "-- repeat until it updates no row:\n{}",
            batch_update(&t, set, pending)
        );
    }
    let body = match integer_key(catalog, table) {
        Some(key) => {
            let range = key_range(&format!("{t}.{}", ident(&key)));
            loop_by_key(
                &t,
                &key,
                &format!("UPDATE {t} SET {set} WHERE ({pending}) AND {range};"),
            )
        }
        None => loop_until_done(&batch_update(&t, set, pending)),
    };
    format!("{OUTSIDE_TRANSACTION}{body}")
}

/// The `CREATE INDEX CONCURRENTLY` statement that recreates an index exactly: uniqueness,
/// method, keys with their collation, operator class and ordering, INCLUDE columns, predicate.
///
/// A partitioned table's index cannot be built concurrently, and a plain build blocks writes to
/// every partition for as long as it runs: it is recreated as PostgreSQL's own dumps do, the
/// parent's index alone (`ON ONLY`, instant), each partition's index concurrently under its
/// name, then attached.
pub fn create_index_sql(catalog: &plumb_catalog::Catalog, index: &plumb_catalog::Index) -> String {
    if !partitioned(catalog, index) {
        return create_index_sql_with(catalog, index, None);
    }
    let mut sql = create_index_sql_with(catalog, index, None).replacen(
        &format!(" ON {}", table_sql(&index.table)),
        &format!(" ON ONLY {}", table_sql(&index.table)),
        1,
    );
    for child in catalog
        .indexes
        .values()
        .filter(|c| c.parent.as_ref() == Some(&index.name))
    {
        sql.push('\n');
        sql.push_str(&create_index_sql(catalog, child));
        sql.push_str(&format!(
            "\nALTER INDEX {} ATTACH PARTITION {};",
            table_sql(&index.name),
            table_sql(&child.name)
        ));
    }
    sql
}

/// [`create_index_sql`], with `extra` a column of the table that the catalog does not hold yet.
fn create_index_sql_with(
    catalog: &plumb_catalog::Catalog,
    index: &plumb_catalog::Index,
    extra: Option<&str>,
) -> String {
    let table = catalog.table(&index.table);
    let cols: Vec<String> = index
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let key = if table.is_some_and(|t| t.column(c).is_some()) || extra == Some(c.as_str()) {
                ident(c)
            } else {
                format!("({c})")
            };
            match index.key_options.get(k) {
                Some(o) => format!("{key}{}", o.sql_suffix()),
                None => key,
            }
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {}{} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        if partitioned(catalog, index) {
            ""
        } else {
            "CONCURRENTLY "
        },
        ident(&index.name.name),
        table_sql(&index.table)
    );
    if index.method != "btree" {
        sql.push_str(" USING ");
        sql.push_str(&index.method);
    }
    sql.push_str(&format!(" ({})", cols.join(", ")));
    if !index.include.is_empty() {
        let inc: Vec<String> = index.include.iter().map(|c| ident(c)).collect();
        sql.push_str(&format!(" INCLUDE ({})", inc.join(", ")));
    }
    if let Some(p) = &index.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql.push(';');
    sql
}

/// `DROP INDEX CONCURRENTLY` of an index; a partitioned table's index cannot be dropped (or
/// built) concurrently, so plain `DROP INDEX` there (see [`partitioned`]).
pub fn drop_index_sql(catalog: &plumb_catalog::Catalog, index: &plumb_catalog::Index) -> String {
    format!(
        "DROP INDEX {}IF EXISTS {};",
        if partitioned(catalog, index) {
            ""
        } else {
            "CONCURRENTLY "
        },
        table_sql(&index.name)
    )
}

/// What to do with an index to drop: concurrently, or (a partitioned table's) plainly.
pub fn drop_index_help(catalog: &plumb_catalog::Catalog, index: &plumb_catalog::Index) -> String {
    if partitioned(catalog, index) {
        format!(
            "Drop {} at a quiet time: a partitioned table's index cannot be dropped concurrently",
            table_sql(&index.name)
        )
    } else {
        format!("Drop {} concurrently", table_sql(&index.name))
    }
}

/// Whether the index is a partitioned table's: PostgreSQL refuses CONCURRENTLY for it, and
/// dropping it takes ACCESS EXCLUSIVE on the table and every partition for the (short) drop.
pub fn partitioned(catalog: &plumb_catalog::Catalog, index: &plumb_catalog::Index) -> bool {
    catalog
        .table(&index.table)
        .is_some_and(|t| t.kind == plumb_catalog::TableKind::Partitioned)
}

/// The fix that drops an index (duplicate, redundant, unused) and its rollback: safe and
/// concurrent on a table, unsafe on a partitioned table (its drop locks every partition).
pub fn drop_index_fix(
    catalog: &plumb_catalog::Catalog,
    index: &plumb_catalog::Index,
    title: &str,
) -> Box<plumb_diagnostics::Fix> {
    let (title, applicability) = if partitioned(catalog, index) {
        (
            format!("{title} (a partitioned table's index is dropped with a short ACCESS EXCLUSIVE lock on every partition: PostgreSQL cannot drop it concurrently)"),
            plumb_diagnostics::Applicability::Unsafe,
        )
    } else {
        (
            format!("{title} without blocking queries"),
            plumb_diagnostics::Applicability::Safe,
        )
    };
    crate::context::fix(
        &title,
        drop_index_sql(catalog, index),
        Some(create_index_sql(catalog, index)),
        applicability,
    )
}

/// An expand-and-contract replacement for changing a column in place: a new column is added,
/// backfilled in batches, given the old column's NOT NULL (through a NOT VALID check, so no long
/// lock) and DEFAULT, and the sequence the old column owns; then either swapped in under the old
/// name (`swap`, for a type change: the old column stays as `<col>_old` with its NOT NULL and
/// DEFAULT dropped, so writes that no longer set it still work) or left as the new name while
/// the old column is dropped in a later release (a rename). The rollback undoes every step, so
/// the catalog is as before (column order aside). Indexes and UNIQUE, CHECK and FOREIGN KEY
/// constraints on the old column are rebuilt for the new one (a swap then trades their names);
/// what cannot be carried (the primary key, other tables' keys that reference the column) is
/// listed in the returned notes.
pub struct ExpandContract<'a> {
    /// The table.
    pub table: &'a plumb_catalog::QualifiedName,
    /// The column as it is before the change (from the catalog), or just its name.
    pub old: &'a plumb_catalog::Column,
    /// The new column's name (for a swap: the temporary name).
    pub new_name: &'a str,
    /// The new column's type.
    pub new_type: &'a str,
    /// Swap the new column in under the old name (type change) instead of dropping the old one.
    pub swap: bool,
    /// The `USING` expression of the type change, as SQL over the old column, if it has one.
    pub using: Option<String>,
    /// Target PostgreSQL major version (batched backfills commit inside DO from 11 on).
    pub pg_version: u32,
}

impl ExpandContract<'_> {
    /// The fix SQL, its rollback, and notes on what is not carried over.
    pub fn build(&self, catalog: &plumb_catalog::Catalog) -> (String, String, Vec<String>) {
        let t = table_sql(self.table);
        let old = ident(&self.old.name);
        let new = ident(self.new_name);
        let parked = ident(&format!("{}_old", self.old.name));
        let check = ident(&format!("{}_not_null", self.new_name));
        let cast = if let Some(u) = &self.using {
            format!("({u})")
        } else if self.swap {
            format!("{old}::{}", self.new_type)
        } else {
            old.clone()
        };
        // A column in the primary key keeps its NOT NULL when parked (PostgreSQL refuses to
        // drop it); the key itself must move to the new column, which the notes say.
        let in_key = catalog.table(self.table).is_some_and(|tb| {
            tb.constraints.iter().any(|c| {
                c.kind == plumb_catalog::ConstraintKind::PrimaryKey
                    && c.columns.iter().any(|x| *x == self.old.name)
            })
        });
        let sequence = catalog
            .sequences
            .values()
            .find(|s| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|(tb, c)| tb == self.table && *c == self.old.name)
            })
            .map(|s| table_sql(&s.name));
        let (carried, mut notes) = self.carried(catalog);
        let mut sql = step(
            1,
            "add the new column (catalog-only); the application writes both from now on",
        );
        sql.push_str(&format!(
            "ALTER TABLE {t} ADD COLUMN {new} {};\n",
            self.new_type
        ));
        if self.old.not_null {
            sql.push_str(&format!(
                "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({new} IS NOT NULL) NOT VALID;\n"
            ));
        }
        sql.push_str(&step(2, "backfill in batches"));
        sql.push_str(&backfill(
            catalog,
            self.table,
            &format!("{new} = {cast}"),
            &format!("{new} IS NULL AND {old} IS NOT NULL"),
            self.pg_version,
        ));
        sql.push('\n');
        sql.push_str(&step(
            3,
            if self.swap {
                "carry the column's rules over (outside a transaction: indexes are built CONCURRENTLY)"
            } else {
                "carry the column's rules over; then the application reads the new column"
            },
        ));
        for c in &carried {
            sql.push_str(&c.build);
            sql.push('\n');
        }
        if self.old.not_null {
            // PostgreSQL 12+ uses the validated check to skip SET NOT NULL's scan.
            sql.push_str(&format!(
                "ALTER TABLE {t} VALIDATE CONSTRAINT {check};\nALTER TABLE {t} ALTER COLUMN {new} SET NOT NULL;\nALTER TABLE {t} DROP CONSTRAINT {check};\n"
            ));
        }
        if let Some(d) = &self.old.default {
            sql.push_str(&format!(
                "ALTER TABLE {t} ALTER COLUMN {new} SET DEFAULT {d};\n"
            ));
        }
        let mut rollback = String::new();
        let final_name = if self.swap {
            sql.push_str(&step(
                4,
                "once every reader handles the new type: swap the names in one short transaction",
            ));
            sql.push_str(&format!(
                "ALTER TABLE {t} RENAME COLUMN {old} TO {parked};\nALTER TABLE {t} RENAME COLUMN {new} TO {old};\n"
            ));
            for c in &carried {
                sql.push_str(&c.take_name);
                sql.push('\n');
            }
            if self.old.not_null && !in_key {
                sql.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {parked} DROP NOT NULL;\n"
                ));
            }
            if self.old.default.is_some() {
                sql.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {parked} DROP DEFAULT;\n"
                ));
            }
            old.clone()
        } else {
            new.clone()
        };
        if let Some(s) = &sequence {
            sql.push_str(&format!("ALTER SEQUENCE {s} OWNED BY {t}.{final_name};\n"));
        }
        if self.swap {
            sql.push_str(&format!(
                "-- Step 5: in a later release, once nothing writes it: ALTER TABLE {t} DROP COLUMN {parked};"
            ));
            // Undo, last step first: the parked column gets back what the new one was given
            // and any rows written since the swap, then takes its name back.
            if let Some(s) = &sequence {
                rollback.push_str(&format!("ALTER SEQUENCE {s} OWNED BY {t}.{parked};\n"));
            }
            rollback.push_str(&backfill(
                catalog,
                self.table,
                &format!("{parked} = {old}::{}", self.old.type_name),
                &format!("{parked} IS NULL AND {old} IS NOT NULL"),
                self.pg_version,
            ));
            rollback.push('\n');
            if let Some(d) = &self.old.default {
                rollback.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {parked} SET DEFAULT {d};\n"
                ));
            }
            if self.old.not_null && !in_key {
                rollback.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {parked} SET NOT NULL;\n"
                ));
            }
            for c in carried.iter().rev() {
                rollback.push_str(&c.give_back);
                rollback.push('\n');
            }
            rollback.push_str(&format!(
                "ALTER TABLE {t} RENAME COLUMN {old} TO {new};\nALTER TABLE {t} RENAME COLUMN {parked} TO {old};\nALTER TABLE {t} DROP COLUMN {new};"
            ));
        } else {
            sql.push_str(&step(
                4,
                "in a later release, once nothing uses the old column",
            ));
            sql.push_str(&format!("ALTER TABLE {t} DROP COLUMN {old};"));
            rollback.push_str(&format!(
                "ALTER TABLE {t} ADD COLUMN {old} {};\n",
                self.old.type_name
            ));
            rollback.push_str(&backfill(
                catalog,
                self.table,
                &format!("{old} = {new}"),
                &format!("{old} IS NULL AND {new} IS NOT NULL"),
                self.pg_version,
            ));
            rollback.push('\n');
            if let Some(d) = &self.old.default {
                rollback.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {old} SET DEFAULT {d};\n"
                ));
            }
            if self.old.not_null {
                rollback.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {old} SET NOT NULL;\n"
                ));
            }
            if let Some(s) = &sequence {
                rollback.push_str(&format!("ALTER SEQUENCE {s} OWNED BY {t}.{old};\n"));
            }
            for c in &carried {
                rollback.push_str(&c.rebuild_original);
                rollback.push('\n');
            }
            rollback.push_str(&format!("ALTER TABLE {t} DROP COLUMN {new};"));
        }
        if self.old.identity.is_some() {
            notes.push("the old column is an identity column: make the new one identity too (ALTER TABLE ... ALTER COLUMN ... ADD GENERATED ... AS IDENTITY, restarted past the current value)".to_owned());
        }
        (sql, rollback, notes)
    }
}

/// An index or constraint of the old column rebuilt for the new one by [`ExpandContract`].
struct Carried {
    /// SQL that builds it on the new column (outside a transaction: indexes are CONCURRENTLY).
    build: String,
    /// For a swap: SQL that gives the new object the old one's name, the old one `<name>_old`.
    take_name: String,
    /// For a swap's rollback: SQL that gives the names back.
    give_back: String,
    /// For a rename's rollback: SQL that rebuilds the original on the restored old column.
    rebuild_original: String,
}

/// `name` with its first `_`-delimited occurrence of `old` replaced by `new`
/// (`accounts_owner_id_idx` → `accounts_owner_idx` for `owner_id` → `owner`, while
/// `accounts_owner_idx` does not contain `owner_id`).
fn replace_segment(name: &str, old: &str, new: &str) -> Option<String> {
    let bytes = name.as_bytes();
    name.match_indices(old).find_map(|(at, _)| {
        let end = at + old.len();
        let starts = at == 0 || bytes[at - 1] == b'_';
        let ends = end == name.len() || bytes[end] == b'_';
        (starts && ends).then(|| format!("{}{new}{}", &name[..at], &name[end..]))
    })
}

/// `name` with a suffix, within PostgreSQL's 63-byte identifiers (the name is cut, never the
/// suffix, so the two names stay apart).
fn suffixed(name: &str, suffix: &str) -> String {
    let mut base = name.to_owned();
    while base.len() + suffix.len() > 63 {
        base.pop();
    }
    format!("{base}{suffix}")
}

/// The `ADD CONSTRAINT` clause of a CHECK or FOREIGN KEY, NOT VALID (validated apart).
fn check_or_fk_sql(
    c: &plumb_catalog::Constraint,
    name: &str,
    columns: &[String],
    expr: Option<&str>,
) -> Option<String> {
    use plumb_catalog::ConstraintKind;
    let mut s = match &c.kind {
        ConstraintKind::Check { expr: e, .. } => {
            format!(
                "ADD CONSTRAINT {} CHECK ({})",
                ident(name),
                expr.unwrap_or(e)
            )
        }
        ConstraintKind::ForeignKey {
            references,
            ref_columns,
            on_delete,
            on_update,
        } => {
            let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
            let refs: Vec<String> = ref_columns.iter().map(|c| ident(c)).collect();
            let mut s = format!(
                "ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                ident(name),
                cols.join(", "),
                table_sql(references),
                refs.join(", ")
            );
            for (a, what) in [(on_delete, "DELETE"), (on_update, "UPDATE")] {
                if *a != plumb_catalog::FkAction::NoAction {
                    s.push_str(&format!(" ON {what} {}", a.sql()));
                }
            }
            s
        }
        _ => return None,
    };
    if c.deferrable {
        s.push_str(" DEFERRABLE");
        if c.initially_deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
    }
    s.push_str(" NOT VALID");
    Some(s)
}

impl ExpandContract<'_> {
    /// The indexes, UNIQUE, CHECK and FOREIGN KEY constraints that involve the old column,
    /// each rebuilt for the new column; and notes on what cannot be (the primary key, keys of
    /// other tables that reference the column, exclusion constraints).
    fn carried(&self, catalog: &plumb_catalog::Catalog) -> (Vec<Carried>, Vec<String>) {
        use plumb_catalog::ConstraintKind;
        let (old, new_name) = (self.old.name.as_str(), self.new_name);
        let t = table_sql(self.table);
        let renamed = |sql: &str| plumb_sql::canon::rename_column(sql, old, new_name);
        let mentions = |sql: &str| renamed(sql) != sql;
        let key_of = |k: &String| {
            if k == old {
                new_name.to_owned()
            } else {
                renamed(k)
            }
        };
        // The name of the copy: for a swap `<name>_new` (it takes the old name later), for a
        // rename the old name with the column's name replaced.
        let copy_name = |name: &str| {
            if self.swap {
                suffixed(name, "_new")
            } else if let Some(n) = replace_segment(name, old, new_name) {
                suffixed(&n, "")
            } else {
                suffixed(name, &format!("_{new_name}"))
            }
        };
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        let Some(tb) = catalog.table(self.table) else {
            return (out, notes);
        };
        let backs_constraint = |n: &str| tb.constraints.iter().any(|c| c.name == n);
        for i in catalog.indexes.values().filter(|i| {
            i.table == *self.table
                && !backs_constraint(&i.name.name)
                && (i.columns.iter().any(|c| c == old || mentions(c))
                    || i.include.iter().any(|c| c == old)
                    || i.predicate.as_deref().is_some_and(mentions))
        }) {
            let mut copy = plumb_catalog::Index::clone(i);
            copy.name =
                plumb_catalog::QualifiedName::new(Some(&i.name.schema), &copy_name(&i.name.name));
            copy.columns = i.columns.iter().map(key_of).collect();
            copy.include = i.include.iter().map(key_of).collect();
            copy.predicate = i.predicate.as_deref().map(renamed);
            let (n, c) = (ident(&i.name.name), ident(&copy.name.name));
            let parked = ident(&suffixed(&i.name.name, "_old"));
            let schema = if i.name.schema == plumb_catalog::DEFAULT_SCHEMA {
                String::new()
            } else {
                format!("{}.", ident(&i.name.schema))
            };
            out.push(Carried {
                build: create_index_sql_with(catalog, &copy, Some(new_name)),
                take_name: format!("ALTER INDEX {schema}{n} RENAME TO {parked};\nALTER INDEX {schema}{c} RENAME TO {n};"),
                give_back: format!("ALTER INDEX {schema}{n} RENAME TO {c};\nALTER INDEX {schema}{parked} RENAME TO {n};"),
                rebuild_original: create_index_sql(catalog, i),
            });
        }
        for con in tb.constraints.iter().filter(|c| {
            c.columns.iter().any(|c| c == old)
                || matches!(&c.kind, ConstraintKind::Check { expr, .. } if mentions(expr))
        }) {
            let (n, c) = (ident(&con.name), ident(&copy_name(&con.name)));
            let parked = ident(&suffixed(&con.name, "_old"));
            let take_name = format!("ALTER TABLE {t} RENAME CONSTRAINT {n} TO {parked};\nALTER TABLE {t} RENAME CONSTRAINT {c} TO {n};");
            let give_back = format!("ALTER TABLE {t} RENAME CONSTRAINT {n} TO {c};\nALTER TABLE {t} RENAME CONSTRAINT {parked} TO {n};");
            let columns: Vec<String> = con.columns.iter().map(key_of).collect();
            match &con.kind {
                ConstraintKind::Unique => {
                    let Some(index) = catalog.indexes.values().find(|i| i.table == *self.table && i.name.name == con.name) else {
                        notes.push(format!("constraint {n} is on the old column: add it for the new column before the switch"));
                        continue;
                    };
                    let mut copy = plumb_catalog::Index::clone(index);
                    copy.name = plumb_catalog::QualifiedName::new(Some(&index.name.schema), &copy_name(&con.name));
                    copy.columns = index.columns.iter().map(key_of).collect();
                    copy.include = index.include.iter().map(key_of).collect();
                    let deferrable = match (con.deferrable, con.initially_deferred) {
                        (false, _) => "",
                        (true, false) => " DEFERRABLE",
                        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
                    };
                    out.push(Carried {
                        build: format!("{}\nALTER TABLE {t} ADD CONSTRAINT {c} UNIQUE USING INDEX {c}{deferrable};", create_index_sql_with(catalog, &copy, Some(new_name))),
                        take_name,
                        give_back,
                        rebuild_original: format!("{}\nALTER TABLE {t} ADD CONSTRAINT {n} UNIQUE USING INDEX {n}{deferrable};", create_index_sql(catalog, index)),
                    });
                }
                ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } => {
                    // The new column's NOT NULL check is built by the expand step itself.
                    if matches!(&con.kind, ConstraintKind::Check { not_null_column: Some(col), .. } if col == old) {
                        continue;
                    }
                    let expr = match &con.kind {
                        ConstraintKind::Check { expr, .. } => Some(renamed(expr)),
                        _ => None,
                    };
                    let (Some(add), Some(orig)) = (
                        check_or_fk_sql(con, &copy_name(&con.name), &columns, expr.as_deref()),
                        check_or_fk_sql(con, &con.name, &con.columns, None),
                    ) else {
                        continue;
                    };
                    out.push(Carried {
                        build: validated(&t, &add, &c, con.validated),
                        take_name,
                        give_back,
                        rebuild_original: validated(&t, &orig, &n, con.validated),
                    });
                }
                ConstraintKind::PrimaryKey => notes.push(format!(
                    "the primary key {n} includes the old column: move it with ALTER TABLE {t} DROP CONSTRAINT {n}, ADD CONSTRAINT {n} PRIMARY KEY USING INDEX <a unique index on the new column> once nothing references it"
                )),
                ConstraintKind::Exclusion => notes.push(format!(
                    "exclusion constraint {n} is on the old column: add it for the new column before the switch"
                )),
            }
        }
        for other in catalog.tables.values() {
            for fk in other.foreign_keys() {
                if let ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    ..
                } = &fk.kind
                {
                    if references == self.table && ref_columns.iter().any(|c| c == old) {
                        notes.push(format!(
                            "foreign key {} of {} references the old column: recreate it on the new column (NOT VALID, then VALIDATE) before the switch",
                            ident(&fk.name),
                            table_sql(&other.name)
                        ));
                    }
                }
            }
        }
        (out, notes)
    }
}

/// `ALTER TABLE t <add>;` followed, for a validated constraint, by its VALIDATE.
fn validated(t: &str, add: &str, name: &str, valid: bool) -> String {
    if valid {
        format!("ALTER TABLE {t} {add};\nALTER TABLE {t} VALIDATE CONSTRAINT {name};")
    } else {
        format!("ALTER TABLE {t} {add};")
    }
}

/// The views that read `table`, directly or through other views, in the order they can be
/// created (each after the views it reads).
fn views_reading<'a>(
    catalog: &'a plumb_catalog::Catalog,
    table: &plumb_catalog::QualifiedName,
) -> Vec<&'a plumb_catalog::View> {
    let mut found: Vec<&plumb_catalog::View> = Vec::new();
    let mut frontier = vec![table.clone()];
    while let Some(t) = frontier.pop() {
        for v in catalog.views.values().filter(|v| v.depends_on.contains(&t)) {
            if !found.iter().any(|f| f.name == v.name) {
                found.push(v);
                frontier.push(v.name.clone());
            }
        }
    }
    catalog.views_in_creation_order(&found)
}

/// `v1, v2 read t` (views that read a table, directly or through other views).
pub fn views_reading_note(
    catalog: &plumb_catalog::Catalog,
    table: &plumb_catalog::QualifiedName,
) -> String {
    let names: Vec<String> = views_reading(catalog, table)
        .iter()
        .map(|v| table_sql(&v.name))
        .collect();
    format!("views {} read {}", names.join(", "), table_sql(table))
}

/// A change of `table`'s column types as it must run when views read the table: PostgreSQL
/// refuses to change the type of a column a view uses, so in one transaction the views are
/// dropped (readers of views first), the change runs, and the views are created again with
/// what dropping them took (their indexes, comments, grants and owners). `Err` with a note
/// when a view's statement is unknown (the fix cannot recreate it).
pub fn around_views(
    catalog: &plumb_catalog::Catalog,
    table: &plumb_catalog::QualifiedName,
    change: &str,
) -> Result<String, String> {
    let views = views_reading(catalog, table);
    if views.is_empty() {
        return Ok(change.to_owned());
    }
    if views.iter().any(|v| v.definition.is_none()) {
        return Err(format!(
            "{}: PostgreSQL refuses to change the type of a column a view uses; drop them before the change and create them again after",
            views_reading_note(catalog, table)
        ));
    }
    let kind = |v: &plumb_catalog::View| {
        if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        }
    };
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut sql = vec!["BEGIN;".to_owned()];
    for v in views.iter().rev() {
        sql.push(format!("DROP {} {};", kind(v), table_sql(&v.name)));
    }
    sql.push(change.to_owned());
    for v in &views {
        sql.push(v.definition.clone().unwrap_or_default());
        for i in catalog.indexes_of(&v.name) {
            // Inside the transaction, on a view no one reads yet: a plain build.
            sql.push(create_index_sql(catalog, i).replacen("INDEX CONCURRENTLY ", "INDEX ", 1));
        }
        if let Some(c) = &v.comment {
            sql.push(format!(
                "COMMENT ON {} {} IS {};",
                kind(v),
                table_sql(&v.name),
                lit(c)
            ));
        }
        if let Some(o) = &v.owner {
            sql.push(format!(
                "ALTER {} {} OWNER TO {};",
                kind(v),
                table_sql(&v.name),
                ident(o)
            ));
        }
        for g in catalog.grants.iter().filter(|g| g.object == v.name) {
            let grantee = if g.grantee == "public" {
                "PUBLIC".to_owned()
            } else {
                ident(&g.grantee)
            };
            sql.push(format!(
                "GRANT {} ON {} TO {grantee};",
                g.privilege,
                table_sql(&v.name)
            ));
        }
    }
    sql.push("COMMIT;".to_owned());
    Ok(sql.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_names_replace_whole_segments_and_fit_in_63_bytes() {
        assert_eq!(
            replace_segment("accounts_owner_id_idx", "owner_id", "owner").as_deref(),
            Some("accounts_owner_idx")
        );
        assert_eq!(
            replace_segment("accounts_owner_idx", "owner_id", "owner"),
            None
        );
        assert_eq!(
            replace_segment("name_idx", "name", "full_name").as_deref(),
            Some("full_name_idx")
        );
        assert_eq!(replace_segment("rename_idx", "name", "x"), None);
        let long = "a".repeat(63);
        let (new, old) = (suffixed(&long, "_new"), suffixed(&long, "_old"));
        assert_eq!(new.len(), 63);
        assert!(new.ends_with("_new") && old.ends_with("_old") && new != old);
    }
}
