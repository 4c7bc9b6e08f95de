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
            // A standalone unique index on NOT NULL plain columns can become the key in place.
            let candidate = cx.indexes_of(&t.name).iter().find(|i| {
                i.unique
                    && i.valid
                    && i.method == "btree"
                    && i.predicate.is_none()
                    && i.include.is_empty()
                    && !cx.backs_constraint(i)
                    && i.columns
                        .iter()
                        .all(|c| t.column(c).is_some_and(|col| col.not_null))
            });
            let pkey = format!("{}_pkey", t.name.name);
            f.fix = Some(if let Some(i) = candidate {
                f.notes.push(format!(
                    "unique index {} on NOT NULL columns ({}) can become the primary key",
                    table_sql(&i.name),
                    i.columns.join(", ")
                ));
                fix(
                    "Promote the unique index to the primary key",
                    format!(
                        "ALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {};",
                        ident(&pkey),
                        ident(&i.name.name)
                    ),
                    Some(format!(
                        "ALTER TABLE {table} DROP CONSTRAINT {};\n{}",
                        ident(&pkey),
                        crate::fix::create_index_sql(cx.catalog, i)
                    )),
                    Applicability::Safe,
                )
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
