//! The catalog's data types.

use std::fmt;
use std::sync::Arc;

use imbl::OrdMap;

use plumb_sql::protobuf::RangeVar;
use serde::Serialize;

/// The schema unqualified names resolve to (PostgreSQL's default `search_path`).
pub const DEFAULT_SCHEMA: &str = "public";

/// A schema-qualified object name. Unqualified names resolve to [`DEFAULT_SCHEMA`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QualifiedName {
    /// Schema name.
    pub schema: String,
    /// Object name.
    pub name: String,
}

impl QualifiedName {
    /// A name in a schema (`None`: the default schema).
    pub fn new(schema: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            schema: schema
                .filter(|s| !s.is_empty())
                .unwrap_or(DEFAULT_SCHEMA)
                .to_owned(),
            name: name.to_owned(),
        }
    }

    /// The name a `RangeVar` (a table reference in the parse tree) denotes.
    pub fn from_range_var(rv: &RangeVar) -> QualifiedName {
        QualifiedName::new(Some(&rv.schemaname), &rv.relname)
    }

    /// The name a list of name parts (`[schema.]name`) denotes.
    pub fn from_parts(parts: &[&str]) -> Option<QualifiedName> {
        match parts {
            [name] => Some(QualifiedName::new(None, name)),
            [schema, name] | [_, schema, name] => Some(QualifiedName::new(Some(schema), name)),
            _ => None,
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// How a table stores its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// An ordinary table.
    Regular,
    /// A partitioned table (holds no rows itself).
    Partitioned,
}

/// A column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Canonical type name with modifiers, e.g. `varchar(255)`, `int4`, `timestamptz`.
    pub type_name: String,
    /// NOT NULL.
    pub not_null: bool,
    /// Default expression as SQL, when there is one.
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<char>,
    /// Generation expression of a stored generated column.
    pub generated: Option<String>,
}

/// What a constraint enforces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    /// PRIMARY KEY.
    PrimaryKey,
    /// UNIQUE.
    Unique,
    /// FOREIGN KEY.
    ForeignKey {
        /// The referenced table.
        references: QualifiedName,
        /// The referenced columns (empty: its primary key).
        ref_columns: Vec<String>,
        /// ON DELETE action code (`a` no action, `r` restrict, `c` cascade, `n` set null, `d` set default).
        on_delete: char,
    },
    /// CHECK.
    Check {
        /// The expression as SQL.
        expr: String,
        /// The column this check proves NOT NULL, for `CHECK (col IS NOT NULL)`.
        not_null_column: Option<String>,
    },
    /// EXCLUDE.
    Exclusion,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Constraint {
    /// Constraint name (PostgreSQL's generated name when the DDL named none).
    pub name: String,
    /// What it enforces.
    pub kind: ConstraintKind,
    /// Constrained columns.
    pub columns: Vec<String>,
    /// False while the constraint is NOT VALID.
    pub validated: bool,
}

/// A table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Its name.
    pub name: QualifiedName,
    /// Regular or partitioned.
    pub kind: TableKind,
    /// UNLOGGED.
    pub unlogged: bool,
    /// The parent when this table is a partition.
    pub partition_of: Option<QualifiedName>,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Constraints in creation order.
    pub constraints: Vec<Constraint>,
}

impl Table {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A mutable column by name.
    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The primary key constraint.
    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| c.kind == ConstraintKind::PrimaryKey)
    }

    /// Whether a validated `CHECK (column IS NOT NULL)` exists, which lets `SET NOT NULL` skip
    /// its scan on PostgreSQL 12 and later.
    pub fn has_valid_not_null_check(&self, column: &str) -> bool {
        self.constraints.iter().any(|c| {
            c.validated
                && matches!(&c.kind, ConstraintKind::Check { not_null_column: Some(col), .. } if col == column)
        })
    }
}

/// An index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Its name.
    pub name: QualifiedName,
    /// The indexed table.
    pub table: QualifiedName,
    /// Key columns or expressions (as SQL).
    pub columns: Vec<String>,
    /// INCLUDE columns.
    pub include: Vec<String>,
    /// UNIQUE.
    pub unique: bool,
    /// Access method (`btree`, `gin`, ...).
    pub method: String,
    /// Partial index predicate as SQL.
    pub predicate: Option<String>,
}

/// A view or materialized view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    /// Its name.
    pub name: QualifiedName,
    /// Materialized.
    pub materialized: bool,
}

/// A user-defined enum type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumType {
    /// Its name.
    pub name: QualifiedName,
    /// Labels in order.
    pub values: Vec<String>,
}

/// The schema model.
///
/// Maps are persistent (structurally shared) and tables and indexes are shared behind `Arc`:
/// cloning a catalog is O(1) and a change copies only the path to what changed and the one
/// table or index changed. The lint engine clones the catalog for every down migration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Schemas other than the built-in ones.
    pub schemas: Vec<String>,
    /// Tables by name.
    pub tables: OrdMap<QualifiedName, Arc<Table>>,
    /// Indexes by name.
    pub indexes: OrdMap<QualifiedName, Arc<Index>>,
    /// Views and materialized views by name.
    pub views: OrdMap<QualifiedName, View>,
    /// Enum types by name.
    pub enums: OrdMap<QualifiedName, EnumType>,
}

impl Catalog {
    /// A table by name.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name).map(|t| &**t)
    }

    /// A table to change, copied first if a clone of the catalog shares it.
    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        self.tables.get_mut(name).map(Arc::make_mut)
    }

    /// Indexes of a table, in name order.
    pub fn indexes_of<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes
            .values()
            .map(|i| &**i)
            .filter(move |i| &i.table == table)
    }
}
