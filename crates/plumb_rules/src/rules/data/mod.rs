//! Unbounded data changes.

pub mod unbatched_data_change;
