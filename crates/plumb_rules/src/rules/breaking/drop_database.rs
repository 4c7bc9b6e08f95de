use plumb_diagnostics::Finding;
use plumb_sql::NodeEnum;

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `DROP DATABASE` in a migration.
    ///
    /// ## Why is this bad
    /// It deletes a whole database. It has no place in a migration, which runs against
    /// production.
    ///
    /// ## Example
    /// ```sql
    /// DROP DATABASE analytics;
    /// ```
    ///
    /// ## Use instead
    /// Remove it from the migration; drop databases by hand after a verified backup.
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-dropdatabase.html>
    pub struct DropDatabase {
        code: "PL504",
        name: "drop-database",
        family: DataLoss,
        severity: Critical,
        summary: "DROP DATABASE in a migration deletes a whole database",
        min_pg: None,
        max_pg: None,
        inputs: Sql,
    }
}

impl Rule for DropDatabase {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropdbStmt(d) = cx.stmt else {
            return;
        };
        let mut f = cx.finding(
            &Self::META,
            format!("DROP DATABASE {} deletes the whole database", d.dbname),
        );
        f.help = "Remove it from the migration; drop databases by hand after a verified backup"
            .to_owned();
        f.irreversible = Some(
            "the whole database is deleted: no rollback can restore it, only a backup".to_owned(),
        );
        out.push(f);
    }
}
