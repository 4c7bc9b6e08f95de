//! Query rules: how the application's queries are written (see [`crate::query`]).

pub mod count_for_existence;
pub mod distinct_over_join;
pub mod function_on_column;
pub mod join_without_condition;
pub mod leading_wildcard_like;
pub mod not_in_subquery;
pub mod offset_pagination;
pub mod or_chain;
pub mod order_by_random;
pub mod select_star;
