//! Table rewrites.

pub mod add_column_rewrite;
pub mod alter_column_type_rewrite;
pub mod cluster;
pub mod set_logged_unlogged;
pub mod set_tablespace;
pub mod vacuum_full;
