use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags tables (and partitioned tables) without a primary key.
    ///
    /// ## Why is this bad
    /// Rows cannot be addressed reliably: duplicates creep in, ORMs and admin tools cannot
    /// update a single row, and logical replication (and tools built on it, such as online
    /// upgrades) cannot replicate UPDATE and DELETE on the table — they fail unless a replica
    /// identity is set.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE audit_log (at timestamptz, message text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz, message text);
    /// ```
    ///
    /// ## Fix safety
    /// When a unique index on NOT NULL columns exists, the fix promotes it
    /// (`ADD PRIMARY KEY USING INDEX`, a brief ACCESS EXCLUSIVE lock, no scan). Otherwise it
    /// adds an identity column, which rewrites the table under ACCESS EXCLUSIVE: unsafe on a
    /// large table in use, where a new column filled in batches is the way.
    ///
    /// ## PostgreSQL versions
    /// All (identity columns: 10 and later).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-PRIMARY-KEYS>
    /// - <https://www.postgresql.org/docs/current/logical-replication-publication.html>
    pub struct MissingPrimaryKey {
        code: "PL211",
        name: "missing-primary-key",
        family: Constraint,
        severity: Medium,
        summary: "A table without a primary key cannot be replicated logically or updated row by row",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for MissingPrimaryKey {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.tables() {
            if t.primary_key().is_some() || t.columns.is_empty() {
                continue;
            }
            let table = table_sql(&t.name);
            let mut f = cx.finding(
                &Self::META,
                "table",
                &t.name,
                None,
                format!("{table} has no primary key"),
            );
            f.help = "Add a primary key".to_owned();
            // A unique index on NOT NULL plain columns can become the key in place: a
            // standalone one directly, a UNIQUE constraint's through a copy built concurrently
            // (ADD PRIMARY KEY USING INDEX takes no index a constraint owns). Columns proven
            // NOT NULL by a validated CHECK count too: the key sets NOT NULL without a scan.
            let not_null = |c: &str| {
                t.column(c).is_some_and(|col| col.not_null) || t.has_valid_not_null_check(c)
            };
            let usable = |i: &&&plumb_catalog::Index| {
                i.unique
                    && i.valid
                    && i.method == "btree"
                    && i.predicate.is_none()
                    && i.include.is_empty()
                    && i.key_options.is_empty()
                    && i.parent.is_none()
                    && i.columns
                        .iter()
                        .all(|c| t.column(c).is_some() && not_null(c))
            };
            let indexes = cx.indexes_of(&t.name);
            let standalone = indexes
                .iter()
                .filter(usable)
                .find(|i| !cx.backs_constraint(i));
            let of_constraint = indexes
                .iter()
                .filter(usable)
                .find(|i| cx.backs_constraint(i));
            // A table that can hold one row at most (a settings row, with a unique index on a
            // constant) or that holds one now (live statistics) gains little from a key.
            let constant = |c: &String| {
                t.column(c).is_none()
                    && plumb_sql::canon::parse_expr(c)
                        .is_some_and(|e| plumb_sql::canon::column_refs(&e).is_empty())
            };
            let single_row = indexes
                .iter()
                .any(|i| i.unique && !i.columns.is_empty() && i.columns.iter().all(constant))
                || t.stats
                    .as_ref()
                    .and_then(|s| s.estimated_rows)
                    .is_some_and(|n| n <= 1);
            if single_row {
                f.severity = plumb_diagnostics::Severity::Low;
                f.notes.push(
                    "the table holds at most one row: replication and row updates need a key all the same, but little is at stake".to_owned(),
                );
            }
            let pkey = format!("{}_pkey", t.name.name);
            // ADD PRIMARY KEY USING INDEX is refused on a partitioned table.
            let candidate = standalone
                .or(of_constraint)
                .filter(|_| t.kind != plumb_catalog::TableKind::Partitioned);
            if candidate.is_some() {
                // A unique index on NOT NULL columns already keys the rows: what is missing is
                // the declaration (logical replication needs it, or REPLICA IDENTITY USING INDEX).
                f.severity = plumb_diagnostics::Severity::Low;
            }
            f.fix = Some(if let Some(i) = candidate {
                f.notes.push(format!(
                    "unique index {} on NOT NULL columns ({}) can become the primary key",
                    table_sql(&i.name),
                    i.columns.join(", ")
                ));
                let backs = cx.backs_constraint(i);
                let copy = cx
                    .catalog
                    .choose_relation_name(&t.name.schema, &pkey, "", "idx");
                let cols: Vec<String> = i.columns.iter().map(|c| ident(c)).collect();
                let (sql, rollback) = if backs {
                    (
                        format!(
                            "CREATE UNIQUE INDEX CONCURRENTLY {} ON {table} ({});\nALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {};",
                            ident(&copy.name),
                            cols.join(", "),
                            ident(&pkey),
                            ident(&copy.name)
                        ),
                        format!("ALTER TABLE {table} DROP CONSTRAINT {};", ident(&pkey)),
                    )
                } else {
                    (
                        format!(
                            "ALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {};",
                            ident(&pkey),
                            ident(&i.name.name)
                        ),
                        format!(
                            "ALTER TABLE {table} DROP CONSTRAINT {};\n{}",
                            ident(&pkey),
                            crate::fix::create_index_sql(cx.catalog, i)
                        ),
                    )
                };
                // The key makes its columns NOT NULL: those only a CHECK proved get it back.
                let mut rollback = rollback;
                for c in i
                    .columns
                    .iter()
                    .filter(|c| t.column(c).is_some_and(|col| !col.not_null))
                {
                    rollback.push_str(&format!(
                        "\nALTER TABLE {table} ALTER COLUMN {} DROP NOT NULL;",
                        ident(c)
                    ));
                }
                let title = if backs {
                    "Build a copy of the UNIQUE constraint's index concurrently and promote it to the primary key"
                } else {
                    "Promote the unique index to the primary key"
                };
                fix(title, sql, Some(rollback), Applicability::Safe)
            } else if t.kind == plumb_catalog::TableKind::Partitioned {
                // Identity columns cannot be added to a partitioned table, and its primary key
                // must contain the partition key: a sequence default and a composite key.
                let col = ["id", "row_id", "plumb_id"]
                    .into_iter()
                    .find(|c| t.column(c).is_none())
                    .unwrap_or("plumb_row_id");
                let seq = cx
                    .catalog
                    .choose_relation_name(&t.name.schema, &t.name.name, col, "seq");
                let mut key: Vec<String> = vec![ident(col)];
                key.extend(
                    t.partition_key
                        .iter()
                        .filter(|k| t.column(k).is_some())
                        .map(|k| ident(k)),
                );
                let seq_sql = table_sql(&seq);
                fix(
                    "Add a key column from a sequence and a primary key with the partition key",
                    format!(
                        "CREATE SEQUENCE {seq_sql};\n\
                         ALTER TABLE {table} ADD COLUMN {} bigint NOT NULL DEFAULT nextval('{}');\n\
                         ALTER SEQUENCE {seq_sql} OWNED BY {table}.{};\n\
                         ALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY ({});",
                        ident(col),
                        seq_sql.replace('\'', "''"),
                        ident(col),
                        ident(&pkey),
                        key.join(", ")
                    ),
                    Some(format!(
                        "ALTER TABLE {table} DROP CONSTRAINT {};\nALTER TABLE {table} DROP COLUMN {};",
                        ident(&pkey),
                        ident(col)
                    )),
                    Applicability::Unsafe,
                )
            } else {
                let col = ["id", "row_id", "plumb_id"]
                    .into_iter()
                    .find(|c| t.column(c).is_none())
                    .unwrap_or("plumb_row_id");
                fix(
                    "Add an identity primary key (rewrites the table)",
                    format!(
                        "ALTER TABLE {table} ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY;\n\
                         ALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY ({});",
                        ident(col),
                        ident(&pkey),
                        ident(col)
                    ),
                    Some(format!(
                        "ALTER TABLE {table} DROP CONSTRAINT {};\nALTER TABLE {table} DROP COLUMN {};",
                        ident(&pkey),
                        ident(col)
                    )),
                    Applicability::Unsafe,
                )
            });
            out.push(f);
        }
    }
}
