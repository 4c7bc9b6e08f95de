use plumb_catalog::{int_type_max, Sequence};
use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;

declare_rule! {
    /// ## What it does
    /// Reports sequences of a live database (serial and identity keys included) that have used
    /// half or more of their range, the range being the smaller of the sequence's own maximum
    /// and the maximum of the integer column it feeds, with a projection of the date they run
    /// out at the insert rate seen since the statistics reset.
    ///
    /// ## Why is this bad
    /// When the sequence or its `integer` column reaches its maximum, every INSERT fails: an
    /// outage that only a type change, rewriting the table under ACCESS EXCLUSIVE, ends.
    /// Widening an `integer` key takes planning on a large table, so it must start long before.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE events (id serial PRIMARY KEY); -- at 1.9 billion rows
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER SEQUENCE events_id_seq AS bigint;
    /// ALTER TABLE events ALTER COLUMN id TYPE bigint;
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the column type change rewrites the table and its indexes under ACCESS
    /// EXCLUSIVE. On a large table add a `bigint` column, backfill it in batches, and swap it
    /// in; the sequence change alone is instant.
    ///
    /// ## PostgreSQL versions
    /// 10 and later (sequence data types).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altersequence.html>
    pub struct SequenceExhaustion {
        code: "PL809",
        name: "sequence-exhaustion",
        family: Types,
        severity: Medium,
        summary: "A sequence or integer key that has used most of its range will stop all inserts",
        min_pg: Some(10),
        max_pg: None,
        inputs: LiveDatabase,
    }
}

impl Rule for SequenceExhaustion {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    // Counters far below 2^52: the float conversions lose nothing that matters to a projection.
    #[allow(clippy::cast_precision_loss)]
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        let age_days = cx
            .catalog
            .database
            .as_ref()
            .and_then(|d| d.stats_age_seconds)
            .filter(|s| *s > 0)
            .map(|s| s as f64 / 86_400.0);
        for s in cx.catalog.sequences.values() {
            let Some(last) = s.last_value else { continue };
            let column = s.owned_by.as_ref().and_then(|(t, c)| {
                let table = cx.catalog.table(t)?;
                Some((table, table.column(c)?))
            });
            let column_max = column
                .map(|(_, c)| c.type_name.as_str())
                .filter(|t| matches!(*t, "int2" | "int4" | "int8"))
                .map_or(i64::MAX, int_type_max);
            let (max, min) = if s.increment > 0 {
                (s.max_value.min(column_max), s.min_value)
            } else {
                continue; // descending sequences are rare; their range runs the other way
            };
            if max <= min {
                continue;
            }
            let used = (last.saturating_sub(min)) as f64 / (max.saturating_sub(min)) as f64;
            if used < 0.5 {
                continue;
            }
            let remaining = max.saturating_sub(last);
            let rate = match (column, age_days) {
                (Some((t, _)), Some(days)) => t
                    .stats
                    .as_ref()
                    .and_then(|st| st.n_tup_ins)
                    .filter(|n| *n > 0)
                    .map(|n| n as f64 / days),
                _ => None,
            };
            let days_left = rate.map(|r| remaining as f64 / r);
            let mut severity = if used >= 0.9 {
                Severity::Critical
            } else if used >= 0.75 {
                Severity::High
            } else {
                Severity::Medium
            };
            if let Some(d) = days_left {
                if d <= 30.0 {
                    severity = Severity::Critical;
                } else if d <= 180.0 {
                    severity = severity.max(Severity::High);
                }
            }
            let what = match column {
                Some((t, c)) => format!(
                    "{} (feeding {}.{} {})",
                    table_sql(&s.name),
                    table_sql(&t.name),
                    ident(&c.name),
                    c.type_name
                ),
                None => table_sql(&s.name),
            };
            let projection = days_left.map_or_else(
                || "no insert rate to project from".to_owned(),
                |d| format!("about {d:.0} days left at the current insert rate"),
            );
            let mut f = cx.finding(
                &Self::META,
                "sequence",
                &s.name,
                None,
                format!(
                    "{what} has used {:.1}% of its range ({last} of {max}): {projection}",
                    used * 100.0
                ),
            );
            f.severity = severity;
            f.help =
                "Widen the sequence and its column to bigint before the range runs out".to_owned();
            let mut fix = widen_fix(s, column);
            if let Some((t, _)) = column.filter(|(_, c)| c.type_name != "int8") {
                let (sql, rollback) = super::views_around(
                    cx,
                    &t.name,
                    fix.sql.clone(),
                    fix.rollback.clone().unwrap_or_default(),
                    &mut f,
                );
                fix.sql = sql;
                fix.rollback = Some(rollback);
            }
            f.fix = Some(fix);
            out.push(f);
        }
    }
}

// Findings hold their fix boxed.
#[allow(clippy::unnecessary_box_returns)]
fn widen_fix(
    s: &Sequence,
    column: Option<(&plumb_catalog::Table, &plumb_catalog::Column)>,
) -> Box<plumb_diagnostics::Fix> {
    let mut sql = Vec::new();
    let mut rollback = Vec::new();
    if s.data_type != "int8" {
        sql.push(format!("ALTER SEQUENCE {} AS bigint;", table_sql(&s.name)));
        rollback.push(format!(
            "ALTER SEQUENCE {} AS {};",
            table_sql(&s.name),
            s.data_type
        ));
    }
    if let Some((t, c)) = column {
        if c.type_name != "int8" {
            sql.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} TYPE bigint;",
                table_sql(&t.name),
                ident(&c.name)
            ));
            rollback.insert(
                0,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} TYPE {};",
                    table_sql(&t.name),
                    ident(&c.name),
                    c.type_name
                ),
            );
        }
    }
    if sql.is_empty() {
        sql.push(format!(
            "ALTER SEQUENCE {} MAXVALUE 9223372036854775807;",
            table_sql(&s.name)
        ));
        rollback.push(format!(
            "ALTER SEQUENCE {} MAXVALUE {};",
            table_sql(&s.name),
            s.max_value
        ));
    }
    fix(
        "Widen the sequence and its column to bigint",
        sql.join("\n"),
        Some(rollback.join("\n")),
        Applicability::DisplayOnly,
    )
}
