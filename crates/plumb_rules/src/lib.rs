//! plumb's migration-safety rules and the lint engine.
//!
//! The engine ([`lint`]) walks a migration set in version order, keeping a [`Catalog`] built from
//! the earlier migrations, the tables created in the current migration, the transaction state and
//! the `lock_timeout` in effect. For every statement it asks each rule of the registry
//! ([`registry::RULES`]) for findings. Rules do no IO and never panic on odd SQL.
//!
//! [`Catalog`]: plumb_catalog::Catalog

#[macro_use]
mod macros;
mod context;
mod engine;
pub mod fix;
pub mod locks;
pub mod query;
pub mod registry;
mod review;
mod rules;
mod settings;

pub use context::{MigrationContext, StatementContext, StatementSummary};
pub use engine::{lint, lint_with_progress, since_matches, LintOutput};
pub use query::{check_queries, QueryContext, QueryInput};
pub use registry::{find_rule, Rule, RuleInfo, RULES};
pub use review::{review, SchemaContext, SkippedStatement};
pub use settings::{Settings, NEWEST_PG, OLDEST_PG};
