use plumb_catalog::{Catalog, QualifiedName};
use plumb_diagnostics::{Applicability, Finding, Severity};
use plumb_sql::protobuf::{self, AlterTableType};
use plumb_sql::NodeEnum;

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::rules::subtype;

declare_rule! {
    /// ## What it does
    /// Flags `ALTER COLUMN ... TYPE` on an existing table when the change is not binary-coercible,
    /// using the column's current type from earlier migrations.
    ///
    /// ## Why is this bad
    /// A type change that is not binary-coercible rewrites the whole table and rebuilds all its
    /// indexes while holding ACCESS EXCLUSIVE: no reads or writes for the duration. Changes that
    /// are binary-coercible (`varchar(n)` to `text` or to a longer `varchar`, raising a
    /// `numeric` precision with the same scale, `cidr` to `inet`) only touch the catalog.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    /// ```
    ///
    /// ## Use instead
    /// Expand and contract: add a new column of the new type, keep it in sync with a trigger,
    /// backfill it in batches, switch reads and writes, then drop the old column.
    ///
    /// ## Fix safety
    /// Display only: the switch-over needs application changes.
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>
    pub struct AlterColumnTypeRewrite {
        code: "PL301",
        name: "alter-column-type-rewrite",
        family: Rewrite,
        severity: High,
        summary: "ALTER COLUMN TYPE that is not binary-coercible rewrites the table under ACCESS EXCLUSIVE",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

/// Splits `varchar(255)` into (`varchar`, [255]).
fn split_type(t: &str) -> (&str, Vec<i64>) {
    match t.split_once('(') {
        Some((base, rest)) => (
            base,
            rest.trim_end_matches(')')
                .split(',')
                .filter_map(|m| m.trim().parse().ok())
                .collect(),
        ),
        None => (t, Vec::new()),
    }
}

/// Whether changing a column from `old` to `new` keeps the stored bytes valid (no rewrite).
pub fn binary_coercible(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    let (ob, om) = split_type(old);
    let (nb, nm) = split_type(new);
    match (ob, nb) {
        ("varchar", "varchar") | ("varbit", "varbit") => {
            nm.is_empty() || om.first().zip(nm.first()).is_some_and(|(o, n)| n >= o)
        }
        ("varchar" | "text" | "xml", "text") | ("cidr", "inet") => true,
        ("text", "varchar") => nm.is_empty(),
        ("numeric", "numeric") => {
            // Raising the precision with the same scale keeps every value representable.
            nm.is_empty()
                || (om.len() == nm.len()
                    && !om.is_empty()
                    && nm[0] >= om[0]
                    && om.get(1) == nm.get(1))
        }
        _ => false,
    }
}

/// Whether the type change in `cmd` rewrites `table`: `Some(true)` yes, `Some(false)` no,
/// `None` when the current type is unknown.
pub fn type_change_rewrites(
    catalog: &Catalog,
    table: &QualifiedName,
    cmd: &protobuf::AlterTableCmd,
    pg_version: u32,
    session: crate::locks::Session,
) -> Option<bool> {
    let (old, new, using) = type_change(catalog, table, cmd)?;
    // A USING clause computes new values: always a rewrite unless it is the identity.
    if using && !binary_coercible(&old, &new) {
        return Some(true);
    }
    // PostgreSQL 12+: timestamp ↔ timestamptz keeps the stored values when the session's
    // TimeZone is UTC (ATColumnChangeRequiresRewrite).
    let tz_pair = matches!(
        (old.as_str(), new.as_str()),
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp")
    );
    if tz_pair && pg_version >= 12 && session.timezone_utc && !using {
        return Some(false);
    }
    Some(!binary_coercible(&old, &new))
}

/// The current and the new type of a type change, and whether it has a USING clause.
fn type_change(
    catalog: &Catalog,
    table: &QualifiedName,
    cmd: &protobuf::AlterTableCmd,
) -> Option<(String, String, bool)> {
    let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return None;
    };
    let new = plumb_sql::ast::type_name(def.type_name.as_ref()?);
    let old = catalog.table(table)?.column(&cmd.name)?.type_name.clone();
    Some((old.to_string(), new, def.raw_default.is_some()))
}

/// Whether a type change that keeps the stored values still changes the operator class of
/// indexes on the column (timestamp ↔ timestamptz), so they are rebuilt.
pub fn changes_opclass(
    catalog: &Catalog,
    table: &QualifiedName,
    cmd: &protobuf::AlterTableCmd,
) -> bool {
    type_change(catalog, table, cmd).is_some_and(|(old, new, _)| {
        let base = |t: &str| split_type(t).0.to_owned();
        base(&old) != base(&new)
            && !matches!(
                (base(&old).as_str(), base(&new).as_str()),
                ("varchar", "text") | ("text", "varchar")
            )
    })
}

impl Rule for AlterColumnTypeRewrite {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        for (table, cmd) in cx.alter_cmds {
            if subtype(cmd) != AlterTableType::AtAlterColumnType || !cx.is_existing(table) {
                continue;
            }
            let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            let Some(tn) = def.type_name.as_ref() else {
                continue;
            };
            let new = plumb_sql::ast::type_name(tn);
            let old = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(&cmd.name))
                .map(|c| c.type_name.clone());
            let rewrites =
                type_change_rewrites(cx.catalog, table, cmd, cx.pg_version(), cx.session);
            if rewrites == Some(false) {
                // No rewrite, but an index whose operator class changes is rebuilt, under the
                // statement's ACCESS EXCLUSIVE lock.
                let indexes: Vec<String> = cx
                    .catalog
                    .indexes
                    .values()
                    .filter(|i| i.table == *table && i.columns.contains(&cmd.name))
                    .map(|i| table_sql(&i.name))
                    .collect();
                if !indexes.is_empty() && changes_opclass(cx.catalog, table, cmd) {
                    let mut f = cx.cmd_finding(
                        &Self::META,
                        cmd,
                        format!(
                            "changing {}.{} to {new} keeps the table's rows but rebuilds {} while blocking all reads and writes",
                            table_sql(table),
                            ident(&cmd.name),
                            indexes.join(", ")
                        ),
                    );
                    f.severity = Severity::Medium;
                    f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
                    f.help = "Run it when the index rebuild fits in the lock window, or build the new indexes first: drop and recreate each index CONCURRENTLY around the change".to_owned();
                    f.notes.push(
                        "TimeZone is UTC here, so PostgreSQL 12+ does not rewrite the table"
                            .to_owned(),
                    );
                    out.push(f);
                }
                continue;
            }
            let t = table_sql(table);
            let c = ident(&cmd.name);
            let mut f = if let Some(old) = &old {
                cx.cmd_finding(&Self::META, cmd, format!("changing {t}.{c} from {old} to {new} rewrites the table and its indexes while blocking all reads and writes"))
            } else {
                let mut f = cx.cmd_finding(&Self::META, cmd, format!("changing {t}.{c} to {new} may rewrite the table under ACCESS EXCLUSIVE (its current type is not known from earlier migrations)"));
                f.severity = Severity::Medium;
                f
            };
            f.lock = Some(format!("ACCESS EXCLUSIVE on {table}"));
            f.help = "Expand and contract: add a column of the new type, backfill in batches, switch the application, drop the old column".to_owned();
            if old.as_deref().is_some_and(|o| o == "timestamp") && new == "timestamptz" {
                f.notes.push("timestamp to timestamptz skips the rewrite only when the session TimeZone is UTC (PostgreSQL 12+)".to_owned());
            }
            let tmp = format!("{}_new", cmd.name);
            let current = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(&cmd.name))
                .cloned()
                .unwrap_or_else(|| plumb_catalog::Column::new(&cmd.name, &new));
            let (sql, rollback, notes) = crate::fix::ExpandContract {
                table,
                old: &current,
                new_name: &tmp,
                new_type: &new,
                swap: true,
                // ALTER ... TYPE ... USING expr: the backfill computes the same expression.
                using: def
                    .raw_default
                    .as_deref()
                    .and_then(plumb_sql::ast::expr_sql),
                pg_version: cx.pg_version(),
            }
            .build(cx.catalog);
            f.notes.extend(notes);
            f.fix = Some(fix(
                "expand and contract instead of rewriting",
                sql,
                Some(rollback),
                Applicability::DisplayOnly,
            ));
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::binary_coercible;

    #[test]
    fn coercible_changes() {
        assert!(binary_coercible("varchar(10)", "varchar(20)"));
        assert!(binary_coercible("varchar(10)", "text"));
        assert!(binary_coercible("varchar(10)", "varchar"));
        assert!(binary_coercible("text", "varchar"));
        assert!(binary_coercible("numeric(10,2)", "numeric(12,2)"));
        assert!(binary_coercible("numeric(10,2)", "numeric"));
        assert!(binary_coercible("cidr", "inet"));
        assert!(!binary_coercible("varchar(20)", "varchar(10)"));
        assert!(!binary_coercible("text", "varchar(10)"));
        assert!(!binary_coercible("numeric(10,2)", "numeric(12,3)"));
        assert!(!binary_coercible("int4", "int8"));
        assert!(!binary_coercible("bpchar(2)", "bpchar(3)"));
        assert!(!binary_coercible("json", "jsonb"));
        assert!(!binary_coercible("timestamp", "timestamptz"));
    }
}
