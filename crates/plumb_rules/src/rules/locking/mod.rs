//! Lock discipline: explicit locks, timeouts and transaction shape.

pub mod lock_table;
pub mod locks_held_across_statements;
pub mod missing_lock_timeout;
pub mod refresh_matview_non_concurrently;
