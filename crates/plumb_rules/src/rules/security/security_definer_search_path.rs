use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags SECURITY DEFINER functions and procedures that do not pin `search_path`.
    ///
    /// ## Why is this bad
    /// A SECURITY DEFINER function runs with its owner's privileges but resolves unqualified
    /// names through the caller's search_path. A caller who can create objects in any schema on
    /// that path (or in `pg_temp`) can shadow a table, function or operator the function uses
    /// and run their own code as the owner: a privilege escalation the PostgreSQL manual warns
    /// about.
    ///
    /// ## Example
    /// ```sql
    /// CREATE FUNCTION app.total(bigint) RETURNS numeric LANGUAGE sql SECURITY DEFINER
    ///     AS 'SELECT sum(amount) FROM payments WHERE account = $1';
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER FUNCTION app.total(bigint) SET search_path = pg_catalog, app, pg_temp;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: names the function used to find through the caller's path must be in the pinned
    /// schemas (or be schema-qualified in its body).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY>
    pub struct SecurityDefinerSearchPath {
        code: "PL952",
        name: "security-definer-search-path",
        family: Security,
        severity: High,
        summary: "A SECURITY DEFINER function without a fixed search_path can be hijacked",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for SecurityDefinerSearchPath {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for f in cx.catalog.functions.values() {
            if !f.security_definer || f.sets_search_path() {
                continue;
            }
            let kind = if f.returns.is_some() {
                "FUNCTION"
            } else {
                "PROCEDURE"
            };
            let sig = format!("{}({})", table_sql(&f.name), f.arg_types.join(", "));
            let mut finding = cx.finding(
                &Self::META,
                "function",
                &f.name,
                None,
                format!(
                    "SECURITY DEFINER {} {sig} does not set search_path",
                    kind.to_ascii_lowercase()
                ),
            );
            finding.help = "Pin search_path to trusted schemas, with pg_temp last".to_owned();
            finding.fix = Some(fix(
                "Pin the function's search_path",
                format!(
                    "ALTER {kind} {sig} SET search_path = pg_catalog, {}, pg_temp;",
                    ident(&f.name.schema)
                ),
                Some(format!("ALTER {kind} {sig} RESET search_path;")),
                Applicability::Unsafe,
            ));
            out.push(finding);
        }
    }
}
