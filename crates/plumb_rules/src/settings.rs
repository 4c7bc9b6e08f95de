//! What the user configured: PostgreSQL version, rule selection, severities, small tables.

use std::collections::{BTreeMap, BTreeSet};

use plumb_diagnostics::Severity;

/// The newest PostgreSQL major version the rules know.
pub const NEWEST_PG: u32 = 18;
/// The oldest PostgreSQL major version the rules know.
pub const OLDEST_PG: u32 = 9;

/// Lint settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Target PostgreSQL major version.
    pub pg_version: u32,
    /// Rules turned off (names).
    pub disabled: BTreeSet<String>,
    /// Severity overrides by rule name.
    pub severity: BTreeMap<String, Severity>,
    /// Tables known to be small (`schema.name` or `name`): locking them is harmless.
    pub small_tables: BTreeSet<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: NEWEST_PG,
            disabled: BTreeSet::new(),
            severity: BTreeMap::new(),
            small_tables: BTreeSet::new(),
        }
    }
}
