//! plumb's one schema model: the [`Catalog`] of schemas, tables, columns, constraints, indexes,
//! enum types and views.
//!
//! The same value describes a schema whether it came from DDL (interpreted here, statement by
//! statement, with [`Catalog::apply`]) or, later, from a live database. No IO happens here.

mod apply;
mod model;

pub use model::*;
