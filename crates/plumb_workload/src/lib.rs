//! The workload: what a PostgreSQL server ran, read from its logs (and, later, from
//! `pg_stat_statements`), for `plumb workload`, the index advisor and the health checks.
//!
//! This crate does no terminal IO. It reads text it is given and returns values:
//! - [`prefix`]: `log_line_prefix` as PostgreSQL expands it, matched against log lines, and
//!   detected from a log's first lines when the user does not say which one the server used.
//! - [`entry`]: a stderr log as entries: a prefixed line and its continuation lines.
//! - [`statement`]: what a `LOG` message says about a statement (simple or extended protocol,
//!   with or without its duration).
//! - [`stats`]: statements counted per fingerprint, with mergeable duration quantiles.

pub mod entry;
pub mod prefix;
pub mod statement;
pub mod stats;

pub use entry::{Entries, Entry};
pub use prefix::{Field, Fields, Prefix, PrefixError};
pub use stats::{QueryStats, Workload};
