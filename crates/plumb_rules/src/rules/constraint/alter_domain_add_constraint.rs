use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER DOMAIN ... ADD CONSTRAINT` without `NOT VALID`.
    ///
    /// ## Why is this bad
    /// PostgreSQL checks every column of every table that uses the domain, scanning those
    /// tables while it holds locks that block writes to them.
    ///
    /// ## Example
    /// ```sql
    /// ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;
    /// ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive;
    /// ```
    ///
    /// ## Fix safety
    /// Display only.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-alterdomain.html>
    pub struct AlterDomainAddConstraint {
        code: "PL204",
        name: "alter-domain-add-constraint",
        family: Constraint,
        severity: Medium,
        summary: "ALTER DOMAIN ADD CONSTRAINT scans every table that uses the domain",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for AlterDomainAddConstraint {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterDomainStmt(d) = cx.stmt else {
            return;
        };
        if d.subtype != "C" {
            return;
        }
        let not_valid = matches!(d.def.as_deref().and_then(|n| n.node.as_ref()), Some(NodeEnum::Constraint(c)) if c.skip_validation);
        if not_valid {
            return;
        }
        let mut f = cx.finding(
            &Self::META,
            "ALTER DOMAIN ADD CONSTRAINT checks every row of every table using the domain",
        );
        f.help = "Add the constraint NOT VALID, then ALTER DOMAIN ... VALIDATE CONSTRAINT in a later migration".to_owned();
        out.push(f);
    }
}
