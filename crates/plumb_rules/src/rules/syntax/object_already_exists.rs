use plumb_diagnostics::Finding;

use crate::context::StatementContext;
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Reports a statement that creates a table, index, sequence, view, type, function, schema,
    /// column, constraint, trigger or policy that already exists at that point of the
    /// migrations or the schema file, without `IF NOT EXISTS` or `OR REPLACE`. Names are
    /// resolved as PostgreSQL resolves them, through the `search_path` the script set, so
    /// `SET search_path = b; CREATE TABLE t` next to an `a.t` is not a conflict.
    ///
    /// ## Why is this bad
    /// PostgreSQL refuses the statement (SQLSTATE 42P07 `duplicate_table`, 42710
    /// `duplicate_object`, 42723 `duplicate_function`, 42701 `duplicate_column`): the migration
    /// fails when it runs, and with a runner that does not wrap the script in a transaction the
    /// statements before it stay applied. The model keeps the first object, as PostgreSQL
    /// does, so what the later statement meant to create is not reviewed.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE accounts (id bigint PRIMARY KEY);
    /// CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE accounts (id bigint PRIMARY KEY);
    /// ALTER TABLE accounts ADD COLUMN email text;
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: whether the second statement should change the first object, replace
    /// it, or create another object under another name or schema is the author's decision.
    /// `IF NOT EXISTS` only hides the difference when the two definitions differ.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH>
    /// - <https://www.postgresql.org/docs/current/errcodes-appendix.html>
    pub struct ObjectAlreadyExists {
        code: "PL904",
        name: "object-already-exists",
        family: Syntax,
        severity: High,
        summary: "A statement creates something that already exists, and PostgreSQL refuses it",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

const HELP: &str = "Change the earlier object with ALTER, drop it first, or create this one \
                    under another name or schema";

impl Rule for ObjectAlreadyExists {
    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(why) = cx.catalog.already_exists(cx.stmt) else {
            return;
        };
        let mut f = cx.finding(
            &Self::META,
            format!("PostgreSQL refuses this statement: {why}"),
        );
        f.help = HELP.to_owned();
        out.push(f);
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for s in cx.skipped {
            let Some(why) = &s.already_exists else {
                continue;
            };
            let mut f = Finding::new(
                &Self::META,
                s.location.clone(),
                format!("PostgreSQL refuses this statement: {why}"),
            );
            f.help = format!("{HELP}; the review keeps the first definition");
            out.push(f);
        }
    }
}
