//! Failures at run time, changes that break the running application, and data loss.

pub mod add_enum_value_in_transaction;
pub mod add_not_null_column_without_default;
pub mod drop_column;
pub mod drop_database;
pub mod drop_schema;
pub mod drop_table;
pub mod enum_value_used_in_transaction;
pub mod rename_column;
pub mod rename_enum_value;
pub mod rename_table;
pub mod transaction_nesting;
pub mod truncate_table;
