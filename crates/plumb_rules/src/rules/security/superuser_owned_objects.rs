use std::collections::BTreeMap;

use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};

use crate::context::fix;
use crate::fix::ident;
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Reports, per schema of a live database, the tables owned by a superuser role (views,
    /// sequences and functions usually share their tables' owner and move with the same fix).
    ///
    /// ## Why is this bad
    /// The owner of a table can do anything to it, bypasses row-level security, and is who the
    /// migrations run as. Objects owned by a superuser mean migrations — and usually the
    /// application — connect as a superuser, so any SQL injection or bad migration has the
    /// whole server (files, other databases, `COPY ... PROGRAM`) within reach.
    ///
    /// ## Example
    /// ```sql
    /// -- run as postgres:
    /// CREATE TABLE orders (id bigint PRIMARY KEY);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE ROLE app_owner NOLOGIN;
    /// ALTER TABLE orders OWNER TO app_owner;
    /// -- migrations run as a role that is a member of app_owner, the application as a role
    /// -- with only the grants it needs.
    /// ```
    ///
    /// ## Fix safety
    /// Display only: `ALTER ... OWNER` takes ACCESS EXCLUSIVE briefly on each object; the role
    /// `app_owner` must exist, and the application's grants must be in place first.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/ddl-priv.html>
    pub struct SuperuserOwnedObjects {
        code: "PL950",
        name: "superuser-owned-objects",
        family: Security,
        severity: Medium,
        summary: "Application objects owned by a superuser mean the application runs with full server rights",
        min_pg: None,
        max_pg: None,
        inputs: LiveDatabase,
    }
}

impl Rule for SuperuserOwnedObjects {
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
        let is_super = |o: &Option<String>| o.as_ref().is_some_and(|o| db.superusers.contains(o));
        // schema -> (owner -> tables)
        let mut by_schema: BTreeMap<&str, BTreeMap<&str, Vec<&QualifiedName>>> = BTreeMap::new();
        for t in cx.catalog.tables.values().filter(|t| is_super(&t.owner)) {
            by_schema
                .entry(&t.name.schema)
                .or_default()
                .entry(t.owner.as_deref().unwrap_or_default())
                .or_default()
                .push(&t.name);
        }
        for (schema, owners) in by_schema {
            for (owner, tables) in owners {
                let sample: Vec<String> =
                    tables.iter().take(5).map(|t| t.name.to_string()).collect();
                let more = if tables.len() > 5 { ", ..." } else { "" };
                let mut f = cx.finding(
                    &Self::META,
                    "schema",
                    &QualifiedName {
                        schema: plumb_catalog::Name::default(),
                        name: plumb_catalog::Name::from(schema),
                    },
                    None,
                    format!(
                        "{} tables in schema {schema} are owned by superuser {owner} ({}{more})",
                        tables.len(),
                        sample.join(", ")
                    ),
                );
                f.help = "Transfer ownership to a dedicated NOLOGIN owner role; run the application as a role with only the grants it needs".to_owned();
                if db.superusers.contains(&db.current_user) {
                    f.notes.push(format!(
                        "plumb itself connected as superuser {}",
                        db.current_user
                    ));
                }
                let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
                let loop_sql = |from: &str, to: &str| {
                    format!(
                        "DO $$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname = {} AND tableowner = {} LOOP\n    EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', r.schemaname, r.tablename, {});\n  END LOOP;\nEND $$;",
                        lit(schema),
                        lit(from),
                        lit(to)
                    )
                };
                f.fix = Some(fix(
                    "Give the tables to a NOLOGIN owner role",
                    format!(
                        "CREATE ROLE app_owner NOLOGIN;\n{}",
                        loop_sql(owner, "app_owner")
                    ),
                    Some(format!(
                        "{}\nDROP ROLE {};",
                        loop_sql("app_owner", owner),
                        ident("app_owner")
                    )),
                    Applicability::DisplayOnly,
                ));
                out.push(f);
            }
        }
    }
}
