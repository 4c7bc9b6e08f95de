//! plumb's one schema model: the [`Catalog`] of schemas, tables, columns, constraints, indexes,
//! sequences, types, functions, policies and grants.
//!
//! The same value describes a schema whether it came from DDL (interpreted here, statement by
//! statement, with [`Catalog::apply`]) or from a live database (built by `plumb_pg` from catalog
//! queries, with expressions and types put in the same canonical form by `plumb_sql::canon`).
//! No IO happens here.

mod apply;
mod build;
mod conflict;
mod model;
mod objects;
mod partition;
mod resolve;

pub use apply::{index_key_options, Applied};
pub use build::{definition_key, Skipped, Snapshot, SqlApplied, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};
pub use model::*;
pub use plumb_sql::ast::quote_ident;
pub use resolve::{qualify, split_identifiers, Session};
