//! Index builds and drops.

pub mod add_constraint_builds_index;
pub mod add_exclusion_constraint;
pub mod attach_partition_scans;
pub mod concurrent_index_on_partitioned_table;
pub mod concurrently_in_transaction;
pub mod create_index_non_concurrently;
pub mod drop_index_non_concurrently;
pub mod duplicate_index;
pub mod foreign_key_without_index;
pub mod invalid_index;
pub mod redundant_index;
pub mod reindex_non_concurrently;
pub mod unused_index;
