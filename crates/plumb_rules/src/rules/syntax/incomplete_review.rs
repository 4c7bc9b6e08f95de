use plumb_diagnostics::{Applicability, Finding, Location};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Reports what a review of a live database could not read because the role plumb
    /// connected as lacks a privilege, what that leaves unchecked, and the grant that lets plumb
    /// see it. Today: the positions of sequences that can run out (`int4` and smaller), which
    /// need `SELECT` on the sequence.
    ///
    /// ## Why is this bad
    /// A review that skips what it cannot see reads as a clean bill of health: a sequence at
    /// 93% of its range goes unreported and the run exits 0. Saying what was not checked keeps
    /// "no findings" meaningful, and `--fail-on medium` fails such a run.
    ///
    /// ## Example
    /// A role with `CONNECT` only reviews a database whose `orders_id_seq` it may not read.
    ///
    /// ## Use instead
    /// ```sql
    /// GRANT SELECT ON SEQUENCE public.orders_id_seq TO plumb;
    /// -- or, on PostgreSQL 14 and later, for every table and sequence:
    /// GRANT pg_read_all_data TO plumb;
    /// ```
    ///
    /// ## Fix safety
    /// The grant is shown for a DBA to run: it gives the role read access it did not have.
    /// Its rollback revokes it.
    ///
    /// ## PostgreSQL versions
    /// All (`pg_read_all_data` from 14).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-grant.html>
    /// - <https://www.postgresql.org/docs/current/predefined-roles.html>
    pub struct IncompleteReview {
        code: "PL905",
        name: "incomplete-review",
        family: Syntax,
        severity: Medium,
        summary: "The role could not read part of the live database, so the review is incomplete",
        min_pg: None,
        max_pg: None,
        inputs: LiveDatabase,
    }
}

impl Rule for IncompleteReview {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        let Some(db) = &cx.catalog.database else {
            return;
        };
        for u in &db.unreadable {
            let names: Vec<String> = u.objects.iter().map(table_sql).collect();
            let shown = if names.len() > 10 {
                format!("{} and {} more", names[..10].join(", "), names.len() - 10)
            } else {
                names.join(", ")
            };
            let mut f = Finding::new(
                &Self::META,
                Location::Object {
                    object_kind: "database".to_owned(),
                    schema: String::new(),
                    name: db.name.clone(),
                    column: None,
                },
                format!(
                    "{} {} unreadable by role {}: not checked: {}",
                    u.what,
                    if u.objects.len() == 1 { "is" } else { "are" },
                    db.current_user,
                    u.unchecked
                ),
            );
            f.help = format!("Grant the role {} and review again", u.needs);
            f.notes
                .push(format!("{} ({}): {shown}", u.what, u.objects.len()));
            if u.what == plumb_catalog::SEQUENCE_POSITIONS {
                let role = ident(&db.current_user);
                let list = names.join(", ");
                f.fix = Some(fix(
                    "Let the role read them (for a DBA to run)",
                    format!("GRANT SELECT ON SEQUENCE {list} TO {role};"),
                    Some(format!("REVOKE SELECT ON SEQUENCE {list} FROM {role};")),
                    Applicability::DisplayOnly,
                ));
            }
            out.push(f);
        }
    }
}
