//! `declare_rule!`: one rule's doc comment and metadata in one place.

/// Declares a rule type and its [`RuleMeta`](plumb_diagnostics::RuleMeta).
///
/// The doc comment becomes the rule's documentation (`plumb explain-rule`, docs/rules, SARIF);
/// its first line (after the `## What it does` heading) is the summary.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])+
        pub struct $ty:ident {
            code: $code:literal,
            name: $name:literal,
            family: $family:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            min_pg: $min:expr,
            max_pg: $max:expr,
            inputs: $inputs:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy)]
        pub struct $ty;

        impl $ty {
            /// The rule's metadata.
            pub const META: plumb_diagnostics::RuleMeta = plumb_diagnostics::RuleMeta {
                code: $code,
                name: $name,
                family: plumb_diagnostics::Family::$family,
                severity: plumb_diagnostics::Severity::$sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),+),
                min_pg: $min,
                max_pg: $max,
                inputs: plumb_diagnostics::Inputs::$inputs,
            };
        }

        impl $crate::registry::RuleInfo for $ty {
            fn meta(&self) -> &'static plumb_diagnostics::RuleMeta {
                &Self::META
            }
        }
    };
}
