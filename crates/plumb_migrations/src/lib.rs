//! Finds, classifies and orders migration files.
//!
//! A migration set is a folder in one of the common layouts; this crate recognizes the layout,
//! pairs up and down scripts, orders them by version and says whether the runner wraps each
//! script in a transaction. It reads files; it never connects to a database and never parses SQL.

mod layout;
mod read;
mod root;
mod version;

pub use layout::{blank_outside, discover, from_files, from_stdin, Layout};
pub use read::read_stdin;
pub use read::{read_sql_file, ReadError};
pub use root::{find_migrations, Found};
pub use version::compare_versions;

use serde::Serialize;

/// Up or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The forward migration.
    Up,
    /// The rollback script.
    Down,
}

/// One script to lint: an up or down part of a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The path as the user would name it (relative to what they gave), or `-` for stdin.
    pub path: String,
    /// The SQL text. For single-file layouts with sections (dbmate) the other section is blanked
    /// out with spaces so that line and column numbers stay those of the real file.
    pub text: String,
    /// Up or down.
    pub direction: Direction,
    /// How the runner wraps the script in a transaction.
    pub transaction: TxMode,
}

/// How a migration runner wraps a script in a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxMode {
    /// BEGIN before the script, COMMIT after it.
    Always,
    /// Statements run in autocommit.
    Never,
    /// The script is sent as one simple-protocol query: PostgreSQL runs a multi-statement query
    /// as one implicit transaction (Prisma, golang-migrate), a single statement alone.
    ImplicitMultiStatement,
    /// Flyway: in a transaction, unless every statement is one that cannot run in a transaction
    /// (e.g. CREATE INDEX CONCURRENTLY), which Flyway detects and runs outside one.
    FlywayAutoDetect,
}

impl TxMode {
    /// Whether the script runs in one transaction, given its statement count and whether every
    /// statement is one that cannot run inside a transaction block.
    pub fn resolve(self, statements: usize, all_non_transactional: bool) -> bool {
        match self {
            TxMode::Always => true,
            TxMode::Never => false,
            TxMode::ImplicitMultiStatement => statements > 1,
            TxMode::FlywayAutoDetect => !all_non_transactional,
        }
    }
}

/// One migration: a version with its up script and optional down script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The version as written (`20240101120000`, `3`, `1.2`), or the file name for plain files.
    pub version: String,
    /// Human name (`add_users`), possibly empty.
    pub name: String,
    /// The forward script.
    pub up: Option<Script>,
    /// The rollback script.
    pub down: Option<Script>,
}

impl Migration {
    /// The scripts present, up first.
    pub fn scripts(&self) -> impl Iterator<Item = &Script> {
        self.up.iter().chain(self.down.iter())
    }
}

/// An ordered migration set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationSet {
    /// The layout recognized (or forced).
    pub layout: Layout,
    /// Migrations in version order.
    pub migrations: Vec<Migration>,
}
