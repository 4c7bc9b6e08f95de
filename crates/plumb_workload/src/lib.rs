//! The workload: what a PostgreSQL server ran, read from its logs (and, later, from
//! `pg_stat_statements`), for `plumb workload`, the index advisor and the health checks.
//!
//! This crate does no terminal IO. It reads text it is given and returns values:
//! - [`prefix`]: `log_line_prefix` as PostgreSQL expands it, matched against log lines, and
//!   detected from a log's first lines when the user does not say which one the server used.
//! - [`entry`]: a stderr log as entries: a prefixed line and its continuation lines.
//! - [`record`], [`csvlog`], [`jsonlog`]: one message whatever the format (a stderr entry
//!   with its DETAIL/STATEMENT parts, a csvlog row, a jsonlog object).
//! - [`input`]: which format a log is in, and chunks of it that end between messages.
//! - [`statement`]: what a `LOG` message says about a statement (simple or extended protocol,
//!   with or without its duration).
//! - [`stats`]: statements counted per fingerprint with mergeable duration quantiles, and
//!   everything else a log says (errors, lock waits, temporary files, checkpoints,
//!   autovacuum, connections: [`events`]); N+1 loops ([`nplus1`]).
//! - [`read`]: files, folders, gzip and standard input read on every core.

pub mod csvlog;
pub mod entry;
pub mod events;
pub mod fingerprints;
pub mod input;
pub mod jsonlog;
pub mod nplus1;
pub mod prefix;
pub mod read;
pub mod record;
pub mod statement;
pub mod stats;
pub mod time;

pub use entry::{Entries, Entry};
pub use input::Format;
pub use prefix::{Field, Fields, Prefix, PrefixError};
pub use record::Record;
pub use stats::{QueryStats, Workload};
pub use time::Timestamp;
