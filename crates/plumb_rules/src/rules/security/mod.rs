//! Privileges, ownership, row-level security and secrets, checked on a schema.

pub mod plaintext_secret_column;
pub mod policies_without_rls;
pub mod public_privileges;
pub mod rls_without_policies;
pub mod security_definer_search_path;
pub mod superuser_owned_objects;
pub mod unlogged_durable_table;
