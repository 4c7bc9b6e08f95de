use std::collections::BTreeMap;

use plumb_catalog::{Grant, GrantObject};
use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Flags privileges granted to `PUBLIC` (every role, including ones created later) on
    /// tables, views, sequences and schemas, and EXECUTE left to `PUBLIC` on SECURITY DEFINER
    /// functions.
    ///
    /// ## Why is this bad
    /// A grant to PUBLIC reaches every login on the server: reporting users, other
    /// applications, roles created years later. Write privileges or `CREATE` on a schema let
    /// any of them change data or plant objects (a function shadowing a built-in on the
    /// search_path). A SECURITY DEFINER function executable by PUBLIC runs its owner's rights
    /// for anyone.
    ///
    /// ## Example
    /// ```sql
    /// GRANT ALL ON orders TO PUBLIC;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// REVOKE ALL ON orders FROM PUBLIC;
    /// GRANT SELECT, INSERT, UPDATE ON orders TO app;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: a role that relied on the PUBLIC grant loses access; grant it to the roles that
    /// need it first.
    ///
    /// ## PostgreSQL versions
    /// All. Before 15, `CREATE` on schema `public` is granted to PUBLIC by default.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-priv.html>
    /// - <https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATTERNS>
    pub struct PublicPrivileges {
        code: "PL951",
        name: "public-privileges",
        family: Security,
        severity: Medium,
        summary: "Privileges granted to PUBLIC reach every role on the server",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

const WRITES: &[&str] = &["INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE"];

impl Rule for PublicPrivileges {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        let mut by_object: BTreeMap<(GrantObject, &plumb_catalog::QualifiedName), Vec<&Grant>> =
            BTreeMap::new();
        for g in cx.catalog.grants.iter().filter(|g| g.grantee == "public") {
            if g.object_kind == GrantObject::Function {
                let definer = cx
                    .catalog
                    .functions
                    .get(&g.object)
                    .is_some_and(|f| f.security_definer);
                if !definer {
                    continue;
                }
            }
            by_object
                .entry((g.object_kind, &g.object))
                .or_default()
                .push(g);
        }
        for ((kind, object), grants) in by_object {
            let privs: Vec<&str> = grants.iter().map(|g| g.privilege.as_str()).collect();
            let (kind_sql, name_sql, kind_word) = match kind {
                GrantObject::Table => ("TABLE", table_sql(object), "table"),
                GrantObject::Sequence => ("SEQUENCE", table_sql(object), "sequence"),
                GrantObject::Schema => ("SCHEMA", ident(&object.name), "schema"),
                GrantObject::Function => {
                    let f = &cx.catalog.functions[object];
                    (
                        "FUNCTION",
                        format!("{}({})", table_sql(&f.name), f.arg_types.join(", ")),
                        "function",
                    )
                }
            };
            let mut f = cx.finding(
                &Self::META,
                kind_word,
                object,
                None,
                format!(
                    "PUBLIC (every role) has {} on {kind_word} {name_sql}",
                    privs.join(", ")
                ),
            );
            if privs.iter().any(|p| WRITES.contains(p)) || kind == GrantObject::Function {
                f.severity = Severity::High;
            }
            if kind == GrantObject::Function {
                f.message
                    .push_str(", a SECURITY DEFINER function that runs with its owner's rights");
            }
            f.help = "Revoke from PUBLIC and grant to the roles that need it".to_owned();
            let list = privs.join(", ");
            f.fix = Some(fix(
                "Revoke the privileges from PUBLIC",
                format!("REVOKE {list} ON {kind_sql} {name_sql} FROM PUBLIC;"),
                Some(format!("GRANT {list} ON {kind_sql} {name_sql} TO PUBLIC;")),
                Applicability::Unsafe,
            ));
            out.push(f);
        }
    }
}
