//! Input PostgreSQL rejects, and plumb's own meta findings. The engine produces these; the rule
//! types carry their documentation and metadata.

pub mod incomplete_review;
pub mod object_already_exists;
pub mod syntax_error;
pub mod unmodelled_statement;
pub mod unused_suppression;
