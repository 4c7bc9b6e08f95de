//! The rule registry: the one table that lists every rule.

use plumb_diagnostics::{Finding, RuleMeta};

use crate::context::{MigrationContext, StatementContext};
use crate::query::QueryContext;
use crate::review::SchemaContext;
use crate::rules::{
    breaking, constraint, data, index, locking, naming, query, rewrite, security, syntax, types,
};

/// A rule's metadata accessor, implemented by `declare_rule!`.
pub trait RuleInfo {
    /// Its metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule. Rules do no IO and never panic.
pub trait Rule: RuleInfo + Sync + Send {
    /// Checks one statement.
    fn check_statement(&self, _cx: &StatementContext<'_>, _out: &mut Vec<Finding>) {}
    /// Checks a whole script after its statements.
    fn check_migration(&self, _cx: &MigrationContext<'_>, _out: &mut Vec<Finding>) {}
    /// Checks a whole schema (`plumb schema review`).
    fn check_schema(&self, _cx: &SchemaContext<'_>, _out: &mut Vec<Finding>) {}
    /// Whether `plumb lint` runs the rule on migrations.
    fn lints_migrations(&self) -> bool {
        true
    }
    /// Whether `plumb schema review` runs the rule on a schema.
    fn reviews_schema(&self) -> bool {
        false
    }
    /// Checks one query of a workload (`plumb workload`).
    fn check_query(&self, _cx: &QueryContext<'_>, _out: &mut Vec<Finding>) {}
    /// Whether `plumb workload` runs the rule on each query.
    fn checks_queries(&self) -> bool {
        false
    }
}

macro_rules! impl_meta {
    ($($path:path),+ $(,)?) => {
        /// Every rule, in code order.
        pub static RULES: &[&dyn Rule] = &[$(&$path),+];
    };
}

impl_meta![
    index::create_index_non_concurrently::CreateIndexNonConcurrently,
    index::add_constraint_builds_index::AddConstraintBuildsIndex,
    index::add_exclusion_constraint::AddExclusionConstraint,
    index::drop_index_non_concurrently::DropIndexNonConcurrently,
    index::reindex_non_concurrently::ReindexNonConcurrently,
    index::concurrently_in_transaction::ConcurrentlyInTransaction,
    index::concurrent_index_on_partitioned_table::ConcurrentIndexOnPartitionedTable,
    index::attach_partition_scans::AttachPartitionScans,
    constraint::add_foreign_key_validates::AddForeignKeyValidates,
    constraint::add_check_validates::AddCheckValidates,
    constraint::set_not_null_scans::SetNotNullScans,
    constraint::alter_domain_add_constraint::AlterDomainAddConstraint,
    rewrite::alter_column_type_rewrite::AlterColumnTypeRewrite,
    rewrite::add_column_rewrite::AddColumnRewrite,
    rewrite::set_logged_unlogged::SetLoggedUnlogged,
    rewrite::set_tablespace::SetTablespace,
    rewrite::vacuum_full::VacuumFull,
    rewrite::cluster::Cluster,
    breaking::add_not_null_column_without_default::AddNotNullColumnWithoutDefault,
    breaking::rename_column::RenameColumn,
    breaking::rename_table::RenameTable,
    breaking::rename_enum_value::RenameEnumValue,
    breaking::add_enum_value_in_transaction::AddEnumValueInTransaction,
    breaking::enum_value_used_in_transaction::EnumValueUsedInTransaction,
    breaking::transaction_nesting::TransactionNesting,
    breaking::drop_table::DropTable,
    breaking::drop_column::DropColumn,
    breaking::drop_schema::DropSchema,
    breaking::drop_database::DropDatabase,
    breaking::truncate_table::TruncateTable,
    data::unbatched_data_change::UnbatchedDataChange,
    locking::lock_table::LockTable,
    locking::refresh_matview_non_concurrently::RefreshMatviewNonConcurrently,
    locking::missing_lock_timeout::MissingLockTimeout,
    locking::locks_held_across_statements::LocksHeldAcrossStatements,
    types::prefer_bigint_keys::PreferBigintKeys,
    types::prefer_timestamptz::PreferTimestamptz,
    types::prefer_text_over_varchar::PreferTextOverVarchar,
    types::prefer_identity::PreferIdentity,
    types::prefer_jsonb::PreferJsonb,
    types::avoid_money::AvoidMoney,
    types::avoid_char::AvoidChar,
    syntax::syntax_error::SyntaxError,
    syntax::object_already_exists::ObjectAlreadyExists,
    syntax::unused_suppression::UnusedSuppression,
    index::foreign_key_without_index::ForeignKeyWithoutIndex,
    index::duplicate_index::DuplicateIndex,
    index::redundant_index::RedundantIndex,
    index::invalid_index::InvalidIndex,
    index::unused_index::UnusedIndex,
    constraint::constraint_not_validated::ConstraintNotValidated,
    constraint::missing_primary_key::MissingPrimaryKey,
    constraint::foreign_key_without_on_delete::ForeignKeyWithoutOnDelete,
    types::float_for_money::FloatForMoney,
    types::sequence_exhaustion::SequenceExhaustion,
    naming::naming_convention::NamingConvention,
    security::superuser_owned_objects::SuperuserOwnedObjects,
    security::public_privileges::PublicPrivileges,
    security::security_definer_search_path::SecurityDefinerSearchPath,
    security::rls_without_policies::RlsWithoutPolicies,
    security::policies_without_rls::PoliciesWithoutRls,
    security::unlogged_durable_table::UnloggedDurableTable,
    security::plaintext_secret_column::PlaintextSecretColumn,
    syntax::unmodelled_statement::UnmodelledStatement,
    syntax::incomplete_review::IncompleteReview,
    query::select_star::SelectStar,
    query::order_by_random::OrderByRandom,
    query::not_in_subquery::NotInSubquery,
    query::offset_pagination::OffsetPagination,
    query::leading_wildcard_like::LeadingWildcardLike,
    query::function_on_column::FunctionOnColumn,
    query::or_chain::OrChain,
    query::join_without_condition::JoinWithoutCondition,
    query::distinct_over_join::DistinctOverJoin,
    query::count_for_existence::CountForExistence,
];

/// A rule by name or code.
pub fn find_rule(name: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().name == name || r.meta().code.eq_ignore_ascii_case(name))
}

/// The metadata of every rule.
pub fn meta() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta())
}

/// A rule's documentation page in Markdown (`plumb explain-rule`, `docs/rules/<name>.md`).
pub fn rule_markdown(m: &RuleMeta) -> String {
    let versions = match (m.min_pg, m.max_pg) {
        (None, None) => "all".to_owned(),
        (Some(a), None) => format!("{a} and later"),
        (None, Some(b)) => format!("up to {b}"),
        (Some(a), Some(b)) => format!("{a} to {b}"),
    };
    let body: Vec<&str> = m
        .docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    format!(
        "# {} ({})\n\nSeverity: {} · Family: {} · PostgreSQL: {}\n\n{}\n\n{}\n",
        m.name,
        m.code,
        m.severity.as_str(),
        m.family.as_str(),
        versions,
        m.summary,
        body.join("\n").trim_end()
    )
}
