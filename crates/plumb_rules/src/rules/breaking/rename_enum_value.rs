use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER TYPE ... RENAME VALUE` on an enum.
    ///
    /// ## Why is this bad
    /// The running application still writes and compares the old label; its inserts fail with
    /// `invalid input value for enum` and its filters silently match nothing.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';
    /// ```
    ///
    /// ## Use instead
    /// Add the new value (`ALTER TYPE ... ADD VALUE`), move the application and the data to it,
    /// and stop using the old value; enum values cannot be dropped without recreating the type.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// 10 and later.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertype.html>
    pub struct RenameEnumValue {
        code: "PL404",
        name: "rename-enum-value",
        family: Breaking,
        severity: High,
        summary: "RENAME VALUE on an enum breaks the running application that uses the old label",
        min_pg: Some(10),
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for RenameEnumValue {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterEnumStmt(e) = cx.stmt else {
            return;
        };
        if e.old_val.is_empty() {
            return;
        }
        let mut f = cx.finding(
            &Self::META,
            format!(
                "renaming enum value '{}' to '{}' breaks running code that still uses '{}'",
                e.old_val, e.new_val, e.old_val
            ),
        );
        f.help = "Add the new value, migrate the data and the application to it, then stop using the old one".to_owned();
        out.push(f);
    }
}
