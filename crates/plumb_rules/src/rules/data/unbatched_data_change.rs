use plumb_catalog::QualifiedName;
use plumb_diagnostics::{Applicability, Finding};
use plumb_sql::protobuf::{self, Node};
use plumb_sql::{NodeEnum, NodeRef};

use crate::context::{fix, StatementContext};
use crate::fix::{ident, table_sql};
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `UPDATE` and `DELETE` on an existing table that touch the whole table: no `WHERE`,
    /// a constant-true `WHERE`, a `WHERE` that only tests a column added in this migration
    /// (every existing row matches), or an `UPDATE ... FROM` / `DELETE ... USING` whose `WHERE`
    /// only joins; and `INSERT ... SELECT` that copies whole existing tables. Each rises one
    /// level (to critical for UPDATE and DELETE, high for INSERT ... SELECT) when it runs in a
    /// transaction that already holds ACCESS EXCLUSIVE on an existing table.
    ///
    /// ## Why is this bad
    /// One statement locks every row it changes until the migration commits: concurrent updates
    /// of those rows wait, a DDL transaction holding ACCESS EXCLUSIVE keeps everything waiting,
    /// and the table bloats by a full copy of itself, with one huge burst of WAL for replicas.
    /// A whole-table `INSERT ... SELECT` locks no rows others use, but it runs as long as the
    /// copy: every lock its transaction holds is held that long.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE users SET active = true;
    /// ```
    ///
    /// ## Use instead
    /// Backfill in batches of a few thousand rows, each in its own short transaction, outside
    /// the DDL migration. On PostgreSQL 11+ the fix is a `DO` block that commits each batch:
    /// by ranges of an integer primary key, or, without one, by a predicate that the batch
    /// itself makes false (so the loop ends):
    /// ```sql
    /// DO $plumb$
    /// DECLARE
    ///   plumb_lo bigint;
    ///   plumb_hi bigint;
    /// BEGIN
    ///   SELECT min(id), max(id) INTO plumb_lo, plumb_hi FROM users;
    ///   WHILE plumb_lo <= plumb_hi LOOP
    ///     UPDATE users SET active = true WHERE users.id >= plumb_lo AND users.id < plumb_lo + 10000;
    ///     COMMIT;
    ///     plumb_lo := plumb_lo + 10000;
    ///   END LOOP;
    /// END
    /// $plumb$;
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the batch loop runs outside the migration and outside any transaction block, and
    /// what it changes is not undone by a rollback (the old values are overwritten, deleted rows
    /// are gone).
    ///
    /// ## PostgreSQL versions
    /// All.
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/routine-vacuuming.html>
    pub struct UnbatchedDataChange {
        code: "PL601",
        name: "unbatched-data-change",
        family: Data,
        severity: High,
        summary: "UPDATE, DELETE or INSERT ... SELECT over a whole existing table in one statement",
        min_pg: None,
        max_pg: None,
        inputs: SqlAndCatalog,
    }
}

/// Whether a WHERE clause matches every existing row.
fn matches_everything(cx: &StatementContext<'_>, table: &QualifiedName, w: Option<&Node>) -> bool {
    let Some(w) = w else { return true };
    match w.node.as_ref() {
        Some(NodeEnum::AConst(c)) => {
            matches!(c.val, Some(protobuf::a_const::Val::Boolval(ref b)) if b.boolval)
        }
        // `new_col IS NULL`: every row that existed before the column was added.
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype == protobuf::NullTestType::IsNull as i32
                && t.arg
                    .as_deref()
                    .and_then(plumb_sql::ast::column_ref_name)
                    .is_some_and(|c| cx.is_new_column(table, &c))
        }
        _ => false,
    }
}

/// Whether a WHERE clause only joins (`a.x = b.y AND ...`, every side a column): with `FROM` or
/// `USING`, every row of the target that has a partner matches, which for a backfill from
/// another table is the whole table.
fn only_joins(w: Option<&Node>) -> bool {
    let Some(w) = w.and_then(|w| w.node.as_ref()) else {
        return false;
    };
    match w {
        NodeEnum::BoolExpr(b) if b.boolop == protobuf::BoolExprType::AndExpr as i32 => {
            b.args.iter().all(|a| only_joins(Some(a)))
        }
        NodeEnum::AExpr(e) if e.kind == protobuf::AExprKind::AexprOp as i32 => {
            plumb_sql::ast::strings(&e.name) == ["="]
                && [&e.lexpr, &e.rexpr].iter().all(|side| {
                    side.as_deref()
                        .is_some_and(|n| matches!(n.node, Some(NodeEnum::ColumnRef(_))))
                })
        }
        _ => false,
    }
}

/// The existing tables a query reads, anywhere in it (subqueries, unions and joins included).
fn existing_sources(cx: &StatementContext<'_>, query: &NodeEnum) -> Vec<QualifiedName> {
    let mut out: Vec<QualifiedName> = Vec::new();
    for (n, _, _, _) in query.nodes() {
        if let NodeRef::RangeVar(rv) = n {
            let t = QualifiedName::from_range_var(rv);
            if cx.is_existing(&t) && cx.catalog.table(&t).is_some() && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// What the statement changes in one go.
enum Whole {
    Update(QualifiedName),
    Delete(QualifiedName),
    /// Rows copied by INSERT ... SELECT from these existing tables.
    Copy(Vec<QualifiedName>),
}

fn whole_table_change(cx: &StatementContext<'_>) -> Option<Whole> {
    match cx.stmt {
        NodeEnum::UpdateStmt(u) => {
            let table = QualifiedName::from_range_var(u.relation.as_ref()?);
            let w = u.where_clause.as_deref();
            let whole =
                matches_everything(cx, &table, w) || (!u.from_clause.is_empty() && only_joins(w));
            (cx.is_existing(&table) && whole).then_some(Whole::Update(table))
        }
        NodeEnum::DeleteStmt(d) => {
            let table = QualifiedName::from_range_var(d.relation.as_ref()?);
            let w = d.where_clause.as_deref();
            let whole =
                matches_everything(cx, &table, w) || (!d.using_clause.is_empty() && only_joins(w));
            (cx.is_existing(&table) && whole).then_some(Whole::Delete(table))
        }
        NodeEnum::InsertStmt(i) => {
            let query = i.select_stmt.as_deref()?.node.as_ref()?;
            let NodeEnum::SelectStmt(sel) = query else {
                return None;
            };
            // A filtered or limited copy is not the whole table.
            if sel.limit_count.is_some() || !only_joins_or_none(sel) {
                return None;
            }
            let sources = existing_sources(cx, query);
            (!sources.is_empty()).then_some(Whole::Copy(sources))
        }
        _ => None,
    }
}

/// A SELECT (or each arm of a UNION) without a WHERE, or with one that only joins.
fn only_joins_or_none(sel: &protobuf::SelectStmt) -> bool {
    let arm = |n: &Option<Box<protobuf::SelectStmt>>| n.as_deref().is_none_or(only_joins_or_none);
    (sel.where_clause.is_none() || only_joins(sel.where_clause.as_deref()))
        && arm(&sel.larg)
        && arm(&sel.rarg)
}

/// Whether an expression is a constant (a literal, possibly cast): setting a column to it again
/// changes nothing, so `col IS DISTINCT FROM <it>` is false once a row is done.
fn is_constant(n: &Node) -> bool {
    match n.node.as_ref() {
        Some(NodeEnum::AConst(_)) => true,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_constant),
        _ => false,
    }
}

/// `stmt` with `extra` ANDed to its WHERE clause, as SQL.
fn with_predicate(stmt: &NodeEnum, extra: &str) -> Option<String> {
    let combine = |w: &Option<Box<Node>>| -> Option<Box<Node>> {
        let text = match w.as_deref() {
            Some(w) => format!("({}) AND {extra}", plumb_sql::ast::expr_sql(w)?),
            None => extra.to_owned(),
        };
        plumb_sql::canon::parse_expr(&text).map(Box::new)
    };
    let mut s = stmt.clone();
    match &mut s {
        NodeEnum::UpdateStmt(u) => u.where_clause = Some(combine(&u.where_clause)?),
        NodeEnum::DeleteStmt(d) => d.where_clause = Some(combine(&d.where_clause)?),
        _ => return None,
    }
    crate::fix::sql_of(&s)
}

/// The name a statement's target table goes by in its own text (its alias, or its name).
fn target_ref(rv: &protobuf::RangeVar) -> String {
    match &rv.alias {
        Some(a) => ident(&a.aliasname),
        None if rv.schemaname.is_empty() => ident(&rv.relname),
        None => format!("{}.{}", ident(&rv.schemaname), ident(&rv.relname)),
    }
}

/// The batched form of a whole-table UPDATE or DELETE, when one is sure to end.
fn batched(cx: &StatementContext<'_>, table: &QualifiedName) -> Option<String> {
    // COMMIT inside DO needs PostgreSQL 11.
    if cx.pg_version() < 11 {
        return None;
    }
    let t = table_sql(table);
    let (rv, plain) = match cx.stmt {
        NodeEnum::UpdateStmt(u) => (u.relation.as_ref()?, u.from_clause.is_empty()),
        NodeEnum::DeleteStmt(d) => (d.relation.as_ref()?, d.using_clause.is_empty()),
        _ => return None,
    };
    if let Some(key) = crate::fix::integer_key(cx.catalog, table) {
        let range = crate::fix::key_range(&format!("{}.{}", target_ref(rv), ident(&key)));
        let batch = with_predicate(cx.stmt, &range)?;
        return Some(crate::fix::loop_by_key(&t, &key, &batch));
    }
    if !plain {
        return None;
    }
    // Without a key: a batch of rows still to do, by ctid. For DELETE every batch removes its
    // rows; for UPDATE the rows still to do are those whose new values are not set yet, which
    // can be told only when every new value is a constant.
    let w = match cx.stmt {
        NodeEnum::UpdateStmt(u) => u.where_clause.as_deref(),
        NodeEnum::DeleteStmt(d) => d.where_clause.as_deref(),
        _ => None,
    };
    let mut pending: Vec<String> = w
        .and_then(plumb_sql::ast::expr_sql)
        .into_iter()
        .map(|w| format!("({w})"))
        .collect();
    if let NodeEnum::UpdateStmt(u) = cx.stmt {
        let mut differs = Vec::new();
        for target in &u.target_list {
            let Some(NodeEnum::ResTarget(rt)) = target.node.as_ref() else {
                return None;
            };
            let val = rt.val.as_deref()?;
            if !is_constant(val) || !rt.indirection.is_empty() {
                return None;
            }
            differs.push(format!(
                "{} IS DISTINCT FROM {}",
                ident(&rt.name),
                plumb_sql::ast::expr_sql(val)?
            ));
        }
        pending.push(format!("({})", differs.join(" OR ")));
    }
    let filter = if pending.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", pending.join(" AND "))
    };
    let mut s = cx.stmt.clone();
    let subquery = format!("ctid IN (SELECT ctid FROM {t}{filter} LIMIT 10000)");
    let by_ctid = plumb_sql::canon::parse_expr(&subquery).map(Box::new)?;
    match &mut s {
        NodeEnum::UpdateStmt(u) => u.where_clause = Some(by_ctid),
        NodeEnum::DeleteStmt(d) => d.where_clause = Some(by_ctid),
        _ => return None,
    }
    Some(crate::fix::loop_until_done(&crate::fix::sql_of(&s)?))
}

impl Rule for UnbatchedDataChange {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(whole) = whole_table_change(cx) else {
            return;
        };
        let held = cx.held_exclusive.map(|(t, at)| {
            let line = cx.source.lines.line_col(cx.source.text, *at).line;
            (t, line)
        });
        let mut f = match &whole {
            Whole::Update(table) | Whole::Delete(table) => {
                let verb = if matches!(whole, Whole::Update(_)) {
                    "UPDATE"
                } else {
                    "DELETE"
                };
                let mut f = cx.finding(
                    &Self::META,
                    format!(
                        "{verb} touches every row of existing table {} in one statement",
                        table_sql(table)
                    ),
                );
                f.lock = Some(format!(
                    "ROW EXCLUSIVE on {table}, and a row lock on every row until commit"
                ));
                f.help = "Run the change in batches of a few thousand rows, each in its own transaction, outside the DDL migration".to_owned();
                if let Some(b) = batched(cx, table) {
                    f.fix = Some(fix(
                        "batches of 10000 rows, each committed",
                        format!("{}{b}", crate::fix::OUTSIDE_TRANSACTION),
                        None,
                        Applicability::Unsafe,
                    ));
                } else {
                    f.notes.push("no automatic batching: the table has no integer primary key to batch by and the change has no test for rows still to do".to_owned());
                }
                // Filling columns this migration added overwrites nothing.
                let fills_new_columns = match cx.stmt {
                    NodeEnum::UpdateStmt(u) => u.target_list.iter().all(|t| {
                        matches!(t.node.as_ref(), Some(NodeEnum::ResTarget(rt)) if cx.is_new_column(table, &rt.name))
                    }),
                    _ => false,
                };
                f.irreversible = match verb {
                    "DELETE" => Some("the deleted rows are gone once it commits: no rollback can restore them, only a backup".to_owned()),
                    _ if fills_new_columns => None,
                    _ => Some("the values it overwrites are gone once it commits: keep a copy of the column first if they may be needed".to_owned()),
                };
                if held.is_some() {
                    f.severity = plumb_diagnostics::Severity::Critical;
                }
                f
            }
            Whole::Copy(sources) => {
                let names: Vec<String> = sources.iter().map(table_sql).collect();
                let mut f = cx.finding(
                    &Self::META,
                    format!("INSERT ... SELECT copies the whole of existing table{} {} in one statement", if names.len() > 1 { "s" } else { "" }, names.join(", ")),
                );
                f.severity = if held.is_some() {
                    plumb_diagnostics::Severity::High
                } else {
                    plumb_diagnostics::Severity::Medium
                };
                f.help = "Copy outside the DDL migration, in its own transaction (in ranges of the source's primary key for a big table), so no lock is held while it runs".to_owned();
                f
            }
        };
        if let Some((t, line)) = held {
            f.notes.insert(0, format!(
                "this transaction has held ACCESS EXCLUSIVE on {} since line {line}: every query on it waits until this statement ends and the transaction commits",
                table_sql(t)
            ));
        } else if cx.in_transaction && !matches!(whole, Whole::Copy(_)) {
            f.notes.push(
                "inside the migration's transaction the row locks are held until it commits"
                    .to_owned(),
            );
        }
        out.push(f);
    }
}
