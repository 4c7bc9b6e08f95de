//! The schema review engine: runs every rule's schema check over one [`Catalog`].
//!
//! The catalog may come from migrations, a `pg_dump --schema-only` file, a JSON snapshot or a
//! live database; rules that need live facts (usage statistics, sequence positions, owners) see
//! [`SchemaContext::live`] and stay quiet without them. Findings point at database objects.

use std::collections::HashMap;

use plumb_catalog::{Catalog, ConstraintKind, Index, QualifiedName, Table};
use plumb_diagnostics::{Finding, Location, RuleMeta};

use crate::registry::RULES;
use crate::settings::Settings;

/// A statement of the schema's source that the catalog could not represent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedStatement {
    /// Where it is.
    pub location: Location,
    /// The statement form, e.g. `CREATE OPERATOR`.
    pub form: String,
    /// PostgreSQL's message when the statement does not parse at all (then `location` is where
    /// the parser stopped, and `syntax-error` reports it rather than `unmodelled-statement`).
    pub syntax_error: Option<String>,
    /// PostgreSQL's reason when it refuses the statement because what it creates already
    /// exists (`object-already-exists` reports it rather than `unmodelled-statement`).
    pub already_exists: Option<String>,
}

/// What a schema rule sees.
pub struct SchemaContext<'a> {
    /// The schema.
    pub catalog: &'a Catalog,
    /// User settings.
    pub settings: &'a Settings,
    /// Whether the catalog came from a live database (statistics, owners and sequence
    /// positions are known).
    pub live: bool,
    /// Statements of the source the catalog does not model.
    pub skipped: &'a [SkippedStatement],
    indexes_by_table: HashMap<&'a QualifiedName, Vec<&'a Index>>,
}

impl<'a> SchemaContext<'a> {
    /// A context over a catalog.
    pub fn new(
        catalog: &'a Catalog,
        settings: &'a Settings,
        skipped: &'a [SkippedStatement],
    ) -> SchemaContext<'a> {
        let mut indexes_by_table: HashMap<&QualifiedName, Vec<&Index>> = HashMap::new();
        for i in catalog.indexes.values() {
            indexes_by_table.entry(&i.table).or_default().push(i);
        }
        SchemaContext {
            catalog,
            settings,
            live: catalog.database.is_some(),
            skipped,
            indexes_by_table,
        }
    }

    /// The indexes of a table, in name order.
    pub fn indexes_of(&self, table: &QualifiedName) -> &[&'a Index] {
        self.indexes_by_table.get(table).map_or(&[], Vec::as_slice)
    }

    /// Whether an index backs a PRIMARY KEY, UNIQUE or EXCLUDE constraint of its table.
    pub fn backs_constraint(&self, index: &Index) -> bool {
        self.catalog.table(&index.table).is_some_and(|t| {
            t.constraints.iter().any(|c| {
                c.name == index.name.name
                    && matches!(
                        c.kind,
                        ConstraintKind::PrimaryKey
                            | ConstraintKind::Unique
                            | ConstraintKind::Exclusion
                    )
            })
        })
    }

    /// Tables that hold rows: regular and partitioned tables, not partitions (whose keys and
    /// indexes are declared on the parent).
    pub fn tables(&self) -> impl Iterator<Item = &'a Table> {
        self.catalog
            .tables
            .values()
            .map(|t| &**t)
            .filter(|t| t.partition_of.is_none())
    }

    /// A finding about a database object, with the rule's default severity.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        kind: &str,
        name: &QualifiedName,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(
            meta,
            Location::Object {
                object_kind: kind.to_owned(),
                schema: name.schema.to_string(),
                name: name.name.to_string(),
                column: column.map(str::to_owned),
            },
            message,
        )
    }
}

/// Reviews a schema: every enabled rule's schema check, with severity overrides applied,
/// sorted by object and rule.
pub fn review(
    catalog: &Catalog,
    settings: &Settings,
    skipped: &[SkippedStatement],
) -> Vec<Finding> {
    let cx = SchemaContext::new(catalog, settings, skipped);
    let mut out = Vec::new();
    for rule in RULES {
        let m = rule.meta();
        if !rule.reviews_schema()
            || !m.applies_to(settings.pg_version)
            || settings.disabled.contains(m.name)
        {
            continue;
        }
        let start = out.len();
        rule.check_schema(&cx, &mut out);
        if let Some(&sev) = settings.severity.get(m.name) {
            for f in &mut out[start..] {
                f.severity = sev;
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.location, b.severity, a.rule, &a.message).cmp(&(
            &b.location,
            a.severity,
            b.rule,
            &b.message,
        ))
    });
    out
}

pub(crate) use plumb_diagnostics::human_bytes;
