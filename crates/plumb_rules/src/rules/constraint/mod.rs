//! Constraints validated under lock.

pub mod add_check_validates;
pub mod add_foreign_key_validates;
pub mod alter_domain_add_constraint;
pub mod constraint_not_validated;
pub mod foreign_key_without_on_delete;
pub mod missing_primary_key;
pub mod set_not_null_scans;
