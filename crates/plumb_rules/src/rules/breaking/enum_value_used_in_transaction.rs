use plumb_catalog::QualifiedName;
use plumb_diagnostics::Finding;
use plumb_sql::protobuf::a_const::Val;
use plumb_sql::protobuf::Node;
use plumb_sql::{NodeEnum, NodeRef};

use crate::context::StatementContext;
use crate::registry::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement that uses an enum value added by `ALTER TYPE ... ADD VALUE` earlier in
    /// the same transaction block.
    ///
    /// ## Why is this bad
    /// From PostgreSQL 12 on, `ADD VALUE` may run inside a transaction, but the new value
    /// cannot be used until that transaction commits: the statement fails with `unsafe use of
    /// new value "..." of enum type ...` and the whole migration rolls back. (A type created in
    /// the same transaction is exempt.)
    ///
    /// ## Example
    /// ```sql
    /// BEGIN;
    /// ALTER TYPE order_status ADD VALUE 'refunded';
    /// UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    /// COMMIT;
    /// ```
    ///
    /// ## Use instead
    /// Commit the `ADD VALUE` first: put it in its own migration (or its own transaction)
    /// before the one that uses the value.
    ///
    /// ## Fix safety
    /// No automatic fix: where the statement belongs depends on the migration tool.
    ///
    /// ## PostgreSQL versions
    /// 12 and later (before 12, `ADD VALUE` cannot run in a transaction at all: see
    /// add-enum-value-in-transaction).
    ///
    /// ## References
    /// - <https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES>
    pub struct EnumValueUsedInTransaction {
        code: "PL407",
        name: "enum-value-used-in-transaction",
        family: Breaking,
        severity: High,
        summary: "A new enum value is used before the transaction that added it commits",
        min_pg: Some(12),
        max_pg: None,
        inputs: Sql,
    }
}

/// How the catalog spells a type in a column's type name (`mood`, `app.mood`).
fn spelled(t: &QualifiedName) -> String {
    if t.schema == plumb_catalog::DEFAULT_SCHEMA {
        t.name.to_string()
    } else {
        t.to_string()
    }
}

/// A string literal: its text and location.
fn literal(n: Option<&Node>) -> Option<(&str, i32)> {
    match n?.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Sval(s) => Some((s.sval.as_str(), c.location)),
            _ => None,
        },
        _ => None,
    }
}

/// Literals of a list (`IN ('a', 'b')`, a VALUES row) or a single literal.
fn literals(n: Option<&Node>) -> Vec<(&str, i32)> {
    match n.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::List(l)) => l.items.iter().filter_map(|i| literal(Some(i))).collect(),
        _ => literal(n).into_iter().collect(),
    }
}

/// The literals of a column definition's default and CHECK constraints.
fn column_def_literals(cd: &plumb_sql::protobuf::ColumnDef) -> Vec<(&str, i32)> {
    let mut lits = literals(cd.raw_default.as_deref());
    for c in &cd.constraints {
        if let Some(NodeEnum::Constraint(k)) = c.node.as_ref() {
            lits.extend(literals(k.raw_expr.as_deref()));
        }
    }
    lits
}

impl EnumValueUsedInTransaction {
    /// The string literals of the statement that PostgreSQL reads as a value of an enum type,
    /// each with that type (spelled as the catalog spells column types): casts, defaults and
    /// comparisons, assignments and inserted values of columns of that type.
    fn enum_literals<'s>(cx: &StatementContext<'s>) -> Vec<(&'s str, i32, String)> {
        let type_of = |t: &plumb_sql::protobuf::TypeName| {
            QualifiedName::from_parts(&plumb_sql::ast::strings(&t.names)).map(|q| spelled(&q))
        };
        // Columns of the tables the statement names: name → type.
        let mut columns: Vec<(&'s str, &'s str)> = Vec::new();
        let nodes = cx.stmt.nodes();
        for (n, _, _, _) in &nodes {
            if let NodeRef::RangeVar(rv) = n {
                if let Some(t) = cx.catalog.table(&QualifiedName::from_range_var(rv)) {
                    columns.extend(
                        t.columns
                            .iter()
                            .map(|c| (c.name.as_str(), c.type_name.trim_end_matches("[]"))),
                    );
                }
            }
        }
        let column_type = |name: &str| {
            columns
                .iter()
                .find(|(c, _)| *c == name)
                .map(|(_, t)| (*t).to_owned())
        };
        let mut out = Vec::new();
        let mut push = |lits: Vec<(&'s str, i32)>, ty: Option<String>| {
            if let Some(ty) = ty {
                out.extend(lits.into_iter().map(|(v, l)| (v, l, ty.clone())));
            }
        };
        for (n, _, _, _) in nodes {
            match n {
                NodeRef::TypeCast(tc) => {
                    push(
                        literals(tc.arg.as_deref()),
                        tc.type_name.as_ref().and_then(type_of),
                    );
                }
                NodeRef::ColumnDef(cd) => push(
                    column_def_literals(cd),
                    cd.type_name.as_ref().and_then(type_of),
                ),
                NodeRef::ResTarget(rt) if !rt.name.is_empty() => {
                    push(literals(rt.val.as_deref()), column_type(&rt.name));
                }
                NodeRef::AExpr(e) => {
                    for (col, other) in [(&e.lexpr, &e.rexpr), (&e.rexpr, &e.lexpr)] {
                        if let Some(name) = col.as_deref().and_then(plumb_sql::ast::column_ref_name)
                        {
                            push(literals(other.as_deref()), column_type(&name));
                        }
                    }
                }
                NodeRef::InsertStmt(i) => {
                    let Some(table) = i
                        .relation
                        .as_ref()
                        .and_then(|rv| cx.catalog.table(&QualifiedName::from_range_var(rv)))
                    else {
                        continue;
                    };
                    let cols: Vec<&str> = if i.cols.is_empty() {
                        table.columns.iter().map(|c| c.name.as_str()).collect()
                    } else {
                        i.cols
                            .iter()
                            .filter_map(|c| match c.node.as_ref() {
                                Some(NodeEnum::ResTarget(rt)) => Some(rt.name.as_str()),
                                _ => None,
                            })
                            .collect()
                    };
                    let Some(NodeEnum::SelectStmt(sel)) =
                        i.select_stmt.as_deref().and_then(|s| s.node.as_ref())
                    else {
                        continue;
                    };
                    for row in &sel.values_lists {
                        let Some(NodeEnum::List(items)) = row.node.as_ref() else {
                            continue;
                        };
                        for (item, col) in items.items.iter().zip(&cols) {
                            let ty = table
                                .column(col)
                                .map(|c| c.type_name.trim_end_matches("[]").to_owned());
                            push(literal(Some(item)).into_iter().collect(), ty);
                        }
                    }
                }
                _ => {}
            }
        }
        // The parse-tree walk does not enter ALTER TABLE subcommands.
        for (_, cmd) in cx.alter_cmds {
            match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::ColumnDef(cd)) => {
                    push(
                        column_def_literals(cd),
                        cd.type_name.as_ref().and_then(type_of),
                    );
                }
                Some(NodeEnum::AConst(_)) if !cmd.name.is_empty() => {
                    push(literals(cmd.def.as_deref()), column_type(&cmd.name));
                }
                _ => {}
            }
        }
        out
    }
}

impl Rule for EnumValueUsedInTransaction {
    fn check_statement(&self, cx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if cx.enum_values_added.is_empty() || !cx.in_transaction {
            return;
        }
        for (lit, location, ty) in Self::enum_literals(cx) {
            let Some((added, value)) = cx
                .enum_values_added
                .iter()
                .find(|(t, v)| v == lit && spelled(t) == ty)
            else {
                continue;
            };
            let (at, end) = cx.token_at(location);
            let mut f = cx.source.finding(
                &Self::META,
                at,
                end,
                format!(
                    "'{value}' was added to enum {} earlier in this transaction: PostgreSQL refuses to use it before the transaction commits (unsafe use of new value)",
                    spelled(added)
                ),
            );
            f.help = format!(
                "Commit ALTER TYPE {} ADD VALUE '{value}' before this statement: put it in an earlier migration, or end the transaction between the two ({})",
                spelled(added),
                cx.no_transaction_hint()
            );
            out.push(f);
            return;
        }
    }
}
