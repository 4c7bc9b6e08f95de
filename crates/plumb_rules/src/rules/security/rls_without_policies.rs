use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags tables with row-level security enabled and no policy.
    ///
    /// ## Why is this bad
    /// With RLS on and no policy, every role other than the owner (and superusers and roles
    /// with BYPASSRLS) sees no rows and can change none: a default-deny that usually means the
    /// policies were forgotten, and that breaks the application the day it stops connecting
    /// as the owner.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    /// CREATE POLICY documents_owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the fix turns RLS off, for when it was not meant to be on; when it was,
    /// write the policies instead.
    ///
    /// ## PostgreSQL versions
    /// 9.5 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-rowsecurity.html>
    pub struct RlsWithoutPolicies {
        code: "PL953",
        name: "rls-without-policies",
        family: Security,
        severity: Medium,
        summary: "Row-level security without policies denies every non-owner all rows",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for RlsWithoutPolicies {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values() {
            if !t.rls_enabled || !t.policies.is_empty() {
                continue;
            }
            let table = table_sql(&t.name);
            let mut f = cx.finding(
                &Self::META,
                "table",
                &t.name,
                None,
                format!(
                    "{table} has row-level security enabled but no policy: non-owners see no rows"
                ),
            );
            f.help = format!("Create the policies {table} needs, or disable row-level security");
            f.fix = Some(fix(
                "Disable row-level security (if it was not meant to be on)",
                format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"),
                Some(format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;")),
                Applicability::DisplayOnly,
            ));
            out.push(f);
        }
    }
}
