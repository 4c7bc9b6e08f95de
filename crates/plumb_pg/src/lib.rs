//! plumb's connections to PostgreSQL: read-only, time-bounded sessions and the catalog
//! introspection that turns a live database into a [`plumb_catalog::Catalog`].
//!
//! Every session plumb opens for analysis sets `statement_timeout`, `lock_timeout` and
//! `idle_in_transaction_session_timeout`, makes transactions READ ONLY by default, and reads
//! the catalogs in one REPEATABLE READ transaction, so what it reads is one consistent snapshot
//! and it never takes a lock stronger than ACCESS SHARE. Connection strings are never shown in
//! full: errors name the [`Target`] (user, host, port, database), never the password.

mod connect;
mod introspect;
mod stat_statements;
mod tls;

pub use connect::{ConnectOptions, Session, Target};
pub use introspect::{load_catalog, queries};
pub use stat_statements::{difference, read_stat_statements, StatStatement, StatStatementsError};

/// What can go wrong talking to PostgreSQL.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The connection string or environment could not be understood.
    #[error("invalid connection string: {0}")]
    Config(String),
    /// The server could not be reached or refused the connection.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// Where plumb tried to connect (no password).
        target: Box<Target>,
        /// Why, from the server or the network.
        reason: String,
    },
    /// A query failed.
    #[error("{what} failed on {target}: {reason}{}", sqlstate.as_ref().map(|s| format!(" (SQLSTATE {s})")).unwrap_or_default())]
    Query {
        /// What plumb was doing, e.g. `reading columns`.
        what: &'static str,
        /// The database.
        target: Box<Target>,
        /// SQLSTATE, when the server reported one.
        sqlstate: Option<String>,
        /// The server's message.
        reason: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the IO runtime: {0}")]
    Runtime(String),
}

impl PgError {
    /// The SQLSTATE of a server error, e.g. `42501` for insufficient privilege.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Query { sqlstate, .. } => sqlstate.as_deref(),
            _ => None,
        }
    }
}

/// Runs a future to completion on a fresh single-threaded runtime, for callers without one.
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, PgError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PgError::Runtime(e.to_string()))?;
    Ok(rt.block_on(f))
}
