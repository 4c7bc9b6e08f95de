use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TYPE ... ADD VALUE` inside a transaction block on PostgreSQL older than 12.
    ///
    /// ## Why is this bad
    /// Before PostgreSQL 12, `ALTER TYPE ... ADD VALUE cannot run inside a transaction block`:
    /// the migration fails. From 12 on it may run in a transaction, but the new value cannot be
    /// used until the transaction commits.
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// ALTER TYPE order_status ADD VALUE 'refunded';
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// Run it in its own migration outside a transaction.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// Before 12.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES>
    pub struct AddEnumValueInTransaction {
        code: "PL405",
        name: "add-enum-value-in-transaction",
        family: Breaking,
        severity: High,
        summary: "ALTER TYPE ADD VALUE inside a transaction fails before PostgreSQL 12",
        min_pg: None,
        max_pg: Some(11),
        inputs: Sql,
    }
}

impl Rule for AddEnumValueInTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterEnumStmt(e) = cx.stmt else {
            return;
        };
        if !e.old_val.is_empty() || !cx.in_transaction {
            return;
        }
        let mut f = cx.finding(&Self::META, format!("ALTER TYPE ... ADD VALUE '{}' cannot run inside a transaction block before PostgreSQL 12", e.new_val));
        f.help = format!(
            "Move it out of the transaction: {}",
            cx.no_transaction_hint()
        );
        out.push(f);
    }
}
