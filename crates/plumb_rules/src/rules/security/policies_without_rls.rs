use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::table_sql;
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags tables that have row-level security policies while row-level security is not
    /// enabled on them.
    ///
    /// ## Why is this bad
    /// Policies do nothing until `ENABLE ROW LEVEL SECURITY`: every role with table privileges
    /// sees and changes every row, while the schema suggests rows are protected. A migration
    /// that created the policies and forgot (or a later one that disabled) RLS leaves the data
    /// open.
    ///
    /// ## Example
    /// ```sql
    /// CREATE POLICY tenant_rows ON invoices USING (tenant_id = current_setting('app.tenant')::bigint);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    /// CREATE POLICY tenant_rows ON invoices USING (tenant_id = current_setting('app.tenant')::bigint);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: once enabled, roles the policies do not cover see no rows; check the policies
    /// cover every role the application uses.
    ///
    /// ## PostgreSQL versions
    /// 9.5 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-rowsecurity.html>
    pub struct PoliciesWithoutRls {
        code: "PL954",
        name: "policies-without-rls",
        family: Security,
        severity: High,
        summary: "Policies on a table without row-level security enabled protect nothing",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

impl Rule for PoliciesWithoutRls {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.catalog.tables.values() {
            if t.rls_enabled || t.policies.is_empty() {
                continue;
            }
            let table = table_sql(&t.name);
            let names: Vec<&str> = t.policies.iter().map(|p| p.name.as_str()).collect();
            let mut f = cx.finding(
                &Self::META,
                "table",
                &t.name,
                None,
                format!(
                    "{table} has policies ({}) but row-level security is not enabled: they are not enforced",
                    names.join(", ")
                ),
            );
            f.help = format!("Enable row-level security on {table}");
            f.fix = Some(fix(
                "Enable row-level security",
                format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;"),
                Some(format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;")),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}
