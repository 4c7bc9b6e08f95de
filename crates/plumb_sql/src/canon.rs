//! Canonical SQL for expressions and types, so that the same schema reads the same whether it was
//! written as DDL or displayed by PostgreSQL's catalog functions.
//!
//! PostgreSQL stores expressions (defaults, CHECK constraints, index keys and predicates) in
//! analyzed form and prints them back with `pg_get_expr`, which differs from what the user wrote:
//! constants carry casts (`'x'::text`, `(0)::numeric`), columns compared with text are cast
//! (`(email)::text`), `IN (...)` becomes `= ANY (ARRAY[...])`, `LIKE` becomes `~~` and `BETWEEN`
//! becomes two comparisons. Both sides are parsed, rewritten to one form here, and deparsed by the
//! same deparser, so equal meaning gives equal text in the cases schemas use.

use crate::ast::{self, quote_ident, string_of};
use crate::protobuf::{self, a_const::Val, AExprKind, BoolExprType, CoercionForm, Node};
use crate::NodeEnum;

/// The type (canonical, as in the catalog: `varchar(255)`, `int8`, `text[]`) of a column an
/// expression names, where the caller knows it.
pub type Types<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The canonical SQL of an expression node, not knowing the types of the columns it names:
/// every cast of a column is taken for one PostgreSQL adds.
pub fn canonical_expr(expr: &Node) -> Option<String> {
    canonical_expr_in(expr, &|_| None)
}

/// The canonical SQL of an expression node over columns whose types `types` gives. A cast of a
/// column is dropped only where PostgreSQL would have added it (`lower((email)::text)` for a
/// `varchar` column); a cast that changes the value's kind (`(flags)::bit(31)` of a `bigint`,
/// `(tags)::text` of an array) is part of the expression and stays.
pub fn canonical_expr_in(expr: &Node, types: &Types<'_>) -> Option<String> {
    if let Some(simple) = ast::simple_expr_sql(expr) {
        return Some(simple);
    }
    let mut expr = expr.clone();
    normalize(&mut expr, types);
    ast::expr_sql(&expr)
}

/// The canonical SQL of an expression given as text (e.g. `pg_get_expr` output), or `None` when
/// it does not parse as an expression.
pub fn canonical_expr_text(sql: &str) -> Option<String> {
    canonical_expr_text_in(sql, &|_| None)
}

/// [`canonical_expr_text`] over columns of known types (see [`canonical_expr_in`]).
pub fn canonical_expr_text_in(sql: &str, types: &Types<'_>) -> Option<String> {
    if is_plain(sql) {
        return Some(sql.to_owned());
    }
    canonical_expr_in(&parse_expr(sql)?, types)
}

/// Whether a cast of a column of type `from` to `to` is one PostgreSQL adds by itself (an
/// implicit cast), or the types are not both built-in types this knows (a domain, an enum, an
/// extension's type: taken for the implicit case, as before types were known).
fn implicit_cast(from: &str, to: &str) -> bool {
    fn base(t: &str) -> (&str, bool) {
        let t = t.trim();
        let (t, array) = match t.strip_suffix("[]") {
            Some(e) => (e.trim(), true),
            None => (t, false),
        };
        (t.split('(').next().unwrap_or(t).trim(), array)
    }
    const STRINGS: &[&str] = &["text", "varchar", "bpchar", "name", "citext"];
    const NUMBERS: &[&str] = &["int2", "int4", "int8", "numeric", "float4", "float8"];
    const TIMES: &[&str] = &["date", "timestamp", "timestamptz"];
    const OTHERS: &[&str] = &[
        "bool", "bit", "varbit", "json", "jsonb", "uuid", "bytea", "time", "timetz", "interval",
        "inet", "cidr", "macaddr", "money", "xml", "tsvector", "tsquery", "oid",
    ];
    let known = |t: &str| {
        STRINGS.contains(&t) || NUMBERS.contains(&t) || TIMES.contains(&t) || OTHERS.contains(&t)
    };
    let ((from, from_array), (to, to_array)) = (base(from), base(to));
    if from == to && from_array == to_array {
        return true;
    }
    if !known(from) || !known(to) {
        return true;
    }
    if from_array != to_array {
        return false;
    }
    let rank = |list: &[&str], t: &str| list.iter().position(|x| *x == t);
    if STRINGS.contains(&from) && STRINGS.contains(&to) {
        return true;
    }
    match (rank(NUMBERS, from), rank(NUMBERS, to)) {
        (Some(a), Some(b)) => return a < b,
        (Some(_), None) | (None, Some(_)) => return false,
        _ => {}
    }
    match (rank(TIMES, from), rank(TIMES, to)) {
        (Some(a), Some(b)) => return a < b,
        (Some(_), None) | (None, Some(_)) => return false,
        _ => {}
    }
    matches!(
        (from, to),
        ("bit", "varbit") | ("varbit", "bit") | ("cidr", "inet")
    )
}

/// Parses one expression (e.g. `pg_get_expr` output) into its parse tree.
pub fn parse_expr(sql: &str) -> Option<Node> {
    let parsed = crate::parse(&format!("SELECT {sql}"));
    if !parsed.errors.is_empty() || parsed.statements.len() != 1 {
        return None;
    }
    let NodeEnum::SelectStmt(s) = &parsed.statements[0].node else {
        return None;
    };
    let [target] = s.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(rt)) = target.node.as_ref() else {
        return None;
    };
    rt.val.as_deref().cloned()
}

/// The columns an expression refers to (the last name of each column reference), in order of
/// appearance, without repeats.
pub fn column_refs(expr: &Node) -> Vec<String> {
    let Some(inner) = expr.node.as_ref() else {
        return Vec::new();
    };
    // pg_query's walk does not follow the text: order the references by where they stand, as
    // PostgreSQL's own walk of the expression does (a CHECK constraint's `conkey`).
    let mut found: Vec<(i32, String)> = Vec::new();
    let mut visit = |c: &protobuf::ColumnRef| {
        if let Some(name) = c.fields.last().and_then(string_of) {
            found.push((c.location, name.to_owned()));
        }
    };
    if let NodeEnum::ColumnRef(c) = inner {
        visit(c);
    }
    for (n, _, _, _) in inner.nodes() {
        if let pg_query::NodeRef::ColumnRef(c) = n {
            visit(c);
        }
    }
    found.sort_by_key(|(at, _)| *at);
    let mut out: Vec<String> = Vec::new();
    for (_, name) in found {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A canonical expression with references to column `old` renamed to `new` (what PostgreSQL
/// shows after `ALTER TABLE ... RENAME COLUMN`); the input unchanged if it does not parse.
pub fn rename_column(sql: &str, old: &str, new: &str) -> String {
    // A reference to `old` spells its name, quoted or not: without it there is nothing to do.
    if !sql.contains(old) {
        return sql.to_owned();
    }
    let text = format!("SELECT {sql}");
    let parsed = crate::parse(&text);
    let Some(stmt) = parsed.statements.first() else {
        return sql.to_owned();
    };
    let quoted_old = quote_ident(old);
    let mut spans: Vec<usize> = Vec::new();
    for (n, _, _, _) in stmt.node.nodes() {
        if let pg_query::NodeRef::ColumnRef(c) = n {
            if c.fields.len() == 1 && c.fields.first().and_then(string_of) == Some(old) {
                if let Ok(loc) = usize::try_from(c.location) {
                    if text[loc..].starts_with(&quoted_old) {
                        spans.push(loc);
                    }
                }
            }
        }
    }
    if spans.is_empty() {
        return sql.to_owned();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for loc in spans {
        out.push_str(&text[at..loc]);
        out.push_str(&quote_ident(new));
        at = loc + quoted_old.len();
    }
    out.push_str(&text[at..]);
    canonical_expr_text(&out["SELECT ".len()..]).unwrap_or_else(|| sql.to_owned())
}

/// The canonical name of a type given as text (e.g. `format_type` output such as
/// `character varying(255)[]`), or `None` when it does not parse as a type.
pub fn canonical_type_text(display: &str) -> Option<String> {
    if display
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Some(ast::canonical_type(display));
    }
    let parsed = crate::parse(&format!("SELECT NULL::{display}"));
    if !parsed.errors.is_empty() {
        return None;
    }
    let NodeEnum::SelectStmt(s) = &parsed.statements.first()?.node else {
        return None;
    };
    let Some(NodeEnum::ResTarget(rt)) = s.target_list.first()?.node.as_ref() else {
        return None;
    };
    let Some(NodeEnum::TypeCast(tc)) = rt.val.as_deref()?.node.as_ref() else {
        return None;
    };
    Some(ast::type_name(tc.type_name.as_ref()?))
}

/// Text that is already canonical: a number, a boolean, or a call without arguments.
fn is_plain(sql: &str) -> bool {
    let b = sql.as_bytes();
    if b.is_empty() {
        return false;
    }
    if sql == "true" || sql == "false" {
        return true;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return b.len() < 10;
    }
    if let Some(name) = sql.strip_suffix("()") {
        return !name.is_empty()
            && name
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'_' || c.is_ascii_digit());
    }
    false
}

fn is_numeric_type(t: &protobuf::TypeName) -> bool {
    matches!(
        ast::type_name(t).split('(').next().unwrap_or_default(),
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "oid"
    )
}

/// A numeric constant for a numeric literal string (`'-1'` shown for an int4 `-1`).
fn number_const(text: &str) -> Option<Val> {
    if let Ok(i) = text.parse::<i32>() {
        return Some(Val::Ival(protobuf::Integer { ival: i }));
    }
    if text.parse::<f64>().is_ok() && !text.contains(['e', 'E', 'n', 'N', 'i', 'I']) {
        return Some(Val::Fval(protobuf::Float {
            fval: text.to_owned(),
        }));
    }
    None
}

fn normalize_all(nodes: &mut [Node], cx: &Types<'_>) {
    for n in nodes {
        normalize(n, cx);
    }
}

fn normalize_opt(node: Option<&mut Node>, cx: &Types<'_>) {
    if let Some(n) = node {
        normalize(n, cx);
    }
}

/// Rewrites an expression tree into the canonical form, bottom up.
fn normalize(node: &mut Node, cx: &Types<'_>) {
    let Some(inner) = node.node.as_mut() else {
        return;
    };
    match inner {
        NodeEnum::TypeCast(tc) => {
            normalize_opt(tc.arg.as_deref_mut(), cx);
            let Some(arg) = tc.arg.as_deref() else {
                return;
            };
            let strip = match &arg.node {
                Some(NodeEnum::AConst(_) | NodeEnum::AArrayExpr(_) | NodeEnum::ParamRef(_)) => true,
                Some(NodeEnum::ColumnRef(c)) => {
                    let column = c.fields.last().and_then(string_of);
                    match (column.and_then(cx), tc.type_name.as_ref()) {
                        (Some(from), Some(to)) => implicit_cast(&from, &ast::type_name(to)),
                        _ => true,
                    }
                }
                _ => false,
            };
            if !strip {
                return;
            }
            let numeric = tc.type_name.as_ref().is_some_and(is_numeric_type);
            let mut arg = arg.clone();
            if numeric {
                if let Some(NodeEnum::AConst(c)) = arg.node.as_mut() {
                    if let Some(Val::Sval(s)) = &c.val {
                        if let Some(v) = number_const(&s.sval) {
                            c.val = Some(v);
                        }
                    }
                }
            }
            *node = arg;
        }
        NodeEnum::AConst(c) => {
            // The parser folds large integers into Float nodes; keep one spelling for both.
            if let Some(Val::Fval(f)) = &c.val {
                if let Some(v) = number_const(&f.fval) {
                    c.val = Some(v);
                }
            }
        }
        NodeEnum::AExpr(e) => {
            normalize_all(&mut e.name, cx);
            normalize_opt(e.lexpr.as_deref_mut(), cx);
            normalize_opt(e.rexpr.as_deref_mut(), cx);
            let kind = AExprKind::try_from(e.kind).unwrap_or(AExprKind::Undefined);
            match kind {
                AExprKind::AexprOpAny | AExprKind::AexprOpAll => {
                    // x = ANY (ARRAY[a, b]) is how PostgreSQL prints x IN (a, b).
                    let op = e.name.first().and_then(string_of).unwrap_or_default();
                    let is_in = (kind == AExprKind::AexprOpAny && op == "=")
                        || (kind == AExprKind::AexprOpAll && op == "<>");
                    if is_in {
                        if let Some(Some(NodeEnum::AArrayExpr(arr))) =
                            e.rexpr.as_deref().map(|r| &r.node)
                        {
                            let items = arr.elements.clone();
                            e.kind = AExprKind::AexprIn as i32;
                            e.rexpr = Some(Box::new(Node {
                                node: Some(NodeEnum::List(protobuf::List { items })),
                            }));
                        }
                    }
                }
                AExprKind::AexprLike | AExprKind::AexprIlike => {
                    e.kind = AExprKind::AexprOp as i32;
                }
                AExprKind::AexprBetween | AExprKind::AexprNotBetween => {
                    let Some(Some(NodeEnum::List(bounds))) = e.rexpr.as_deref().map(|r| &r.node)
                    else {
                        return;
                    };
                    let [lo, hi] = bounds.items.as_slice() else {
                        return;
                    };
                    let (lo, hi) = (lo.clone(), hi.clone());
                    let Some(x) = e.lexpr.clone() else { return };
                    let between = kind == AExprKind::AexprBetween;
                    let cmp = |op: &str, bound: Node| Node {
                        node: Some(NodeEnum::AExpr(Box::new(protobuf::AExpr {
                            kind: AExprKind::AexprOp as i32,
                            name: vec![Node {
                                node: Some(NodeEnum::String(protobuf::String {
                                    sval: op.to_owned(),
                                })),
                            }],
                            lexpr: Some(x.clone()),
                            rexpr: Some(Box::new(bound)),
                            ..Default::default()
                        }))),
                    };
                    let (op1, op2, bool_op) = if between {
                        (">=", "<=", BoolExprType::AndExpr)
                    } else {
                        ("<", ">", BoolExprType::OrExpr)
                    };
                    *node = Node {
                        node: Some(NodeEnum::BoolExpr(Box::new(protobuf::BoolExpr {
                            boolop: bool_op as i32,
                            args: vec![cmp(op1, lo), cmp(op2, hi)],
                            ..Default::default()
                        }))),
                    };
                }
                _ => {}
            }
        }
        NodeEnum::BoolExpr(b) => {
            normalize_all(&mut b.args, cx);
            // Flatten nested ANDs and ORs, as PostgreSQL stores them.
            let op = b.boolop;
            if op != BoolExprType::NotExpr as i32 {
                let mut flat = Vec::with_capacity(b.args.len());
                for a in b.args.drain(..) {
                    match a.node {
                        Some(NodeEnum::BoolExpr(inner)) if inner.boolop == op => {
                            flat.extend(inner.args);
                        }
                        other => flat.push(Node { node: other }),
                    }
                }
                b.args = flat;
            }
        }
        NodeEnum::FuncCall(f) => {
            normalize_all(&mut f.args, cx);
            normalize_all(&mut f.agg_order, cx);
            normalize_opt(f.agg_filter.as_deref_mut(), cx);
            // Built-in and default-schema functions print unqualified with the default
            // search_path.
            if f.funcname.len() == 2
                && matches!(
                    f.funcname.first().and_then(string_of),
                    Some("pg_catalog" | "public")
                )
            {
                f.funcname.remove(0);
            }
            f.funcformat = CoercionForm::CoerceExplicitCall as i32;
            // nextval('public.seq') and nextval('seq') name the same sequence: regclass output
            // leaves out schemas on the search_path.
            if f.funcname.len() == 1 && f.funcname.first().and_then(string_of) == Some("nextval") {
                if let Some(NodeEnum::AConst(c)) = f.args.first_mut().and_then(|a| a.node.as_mut())
                {
                    if let Some(Val::Sval(s)) = c.val.as_mut() {
                        if let Some(rest) = s.sval.strip_prefix("public.") {
                            s.sval = rest.to_owned();
                        }
                    }
                }
            }
        }
        NodeEnum::NullTest(t) => normalize_opt(t.arg.as_deref_mut(), cx),
        NodeEnum::BooleanTest(t) => normalize_opt(t.arg.as_deref_mut(), cx),
        NodeEnum::AArrayExpr(a) => {
            // A cast of a column inside ARRAY[...] sets the array's element type (ARRAY[(name)::text]
            // is text[] where ARRAY[name] of a varchar column is varchar[]): it stays.
            for e in &mut a.elements {
                let column_cast = matches!(&e.node, Some(NodeEnum::TypeCast(tc))
                    if matches!(tc.arg.as_deref().and_then(|a| a.node.as_ref()), Some(NodeEnum::ColumnRef(_))));
                if !column_cast {
                    normalize(e, cx);
                }
            }
        }
        NodeEnum::List(l) => normalize_all(&mut l.items, cx),
        NodeEnum::RowExpr(r) => normalize_all(&mut r.args, cx),
        NodeEnum::CoalesceExpr(c) => normalize_all(&mut c.args, cx),
        NodeEnum::MinMaxExpr(m) => normalize_all(&mut m.args, cx),
        NodeEnum::CaseExpr(c) => {
            normalize_opt(c.arg.as_deref_mut(), cx);
            normalize_all(&mut c.args, cx);
            normalize_opt(c.defresult.as_deref_mut(), cx);
        }
        NodeEnum::CaseWhen(w) => {
            normalize_opt(w.expr.as_deref_mut(), cx);
            normalize_opt(w.result.as_deref_mut(), cx);
        }
        NodeEnum::CollateClause(c) => normalize_opt(c.arg.as_deref_mut(), cx),
        NodeEnum::AIndirection(i) => normalize_opt(i.arg.as_deref_mut(), cx),
        NodeEnum::SortBy(s) => normalize_opt(s.node.as_deref_mut(), cx),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(ddl: &str, shown: &str) {
        let a = canonical_expr_text(ddl);
        let b = canonical_expr_text(shown);
        assert!(a.is_some(), "{ddl} does not parse");
        assert_eq!(a, b, "{ddl} vs {shown}");
    }

    fn typed(sql: &str, columns: &[(&str, &str)]) -> String {
        let types = |c: &str| {
            columns
                .iter()
                .find(|(n, _)| *n == c)
                .map(|(_, t)| (*t).to_owned())
        };
        canonical_expr_text_in(sql, &types).expect("parses")
    }

    #[test]
    fn casts_that_change_the_value_stay() {
        let cols = [
            ("bit_prefs", "int8"),
            ("email", "varchar(255)"),
            ("permissions", "varchar[]"),
            ("id", "int4"),
            ("amount", "numeric(10,2)"),
        ];
        // PostgreSQL's display and the DDL agree, and the explicit cast survives.
        let shown = typed("(get_bit((bit_prefs)::bit(31), 24) = 1)", &cols);
        assert_eq!(shown, typed("get_bit(bit_prefs::bit(31), 24) = 1", &cols));
        assert!(shown.contains("bit(31)"), "{shown}");
        let shown = typed("((permissions)::text ~ '^x'::text)", &cols);
        assert!(shown.contains("permissions::text"), "{shown}");
        assert!(typed("lower((id)::text)", &cols).contains("::text"));
        // Implicit casts PostgreSQL adds are dropped, as without types.
        assert_eq!(typed("lower((email)::text)", &cols), "lower(email)");
        assert_eq!(typed("round((id)::numeric, 2)", &cols), "round(id, 2)");
        // A narrowing cast is the user's.
        assert!(typed("((amount)::integer > 0)", &cols).contains("::int"));
        // Unknown columns and types (domains, enums, extension types) behave as before.
        assert_eq!(typed("lower((code)::text)", &cols), "lower(code)");
        assert!(implicit_cast("mood", "text"));
        assert!(implicit_cast("int4[]", "int8[]"));
        assert!(!implicit_cast("varchar[]", "text"));
        assert!(!implicit_cast("timestamptz", "date"));
        // Inside ARRAY[...] a column's cast decides the element type.
        assert_eq!(
            typed(
                "lower((ARRAY[(email)::text, (email)::text] || '{}'::text[]))",
                &cols
            ),
            typed("lower(ARRAY[email::text, email::text] || '{}')", &cols)
        );
        assert!(typed("ARRAY[(email)::text]", &cols).contains("::text"));
    }

    #[test]
    fn ddl_and_catalog_display_agree() {
        same("'x'", "'x'::text");
        same("0", "(0)::numeric");
        same("-1", "'-1'::integer");
        same("1.5", "'1.5'::double precision");
        same("10000000000", "'10000000000'::bigint");
        same("total >= 0", "(total >= (0)::numeric)");
        same(
            "status IN ('a', 'b')",
            "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
        );
        same("name LIKE 'a%'", "((name)::text ~~ 'a%'::text)");
        same("n BETWEEN 1 AND 5", "((n >= 1) AND (n <= 5))");
        same(
            "a > 0 AND b > 0 AND c > 0",
            "((a > 0) AND (b > 0) AND (c > 0))",
        );
        same("lower(email)", "lower((email)::text)");
        same(
            "nextval('public.users_id_seq'::regclass)",
            "nextval('users_id_seq'::regclass)",
        );
        same("now() AT TIME ZONE 'utc'", "timezone('utc'::text, now())");
        same("'{}'", "'{}'::jsonb");
        same("char_length(code) = 3", "(char_length((code)::text) = 3)");
        same("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP");
        same("public.sort_key(published)", "sort_key(published)");
    }

    /// A CHECK constraint's `conkey` lists columns as they first appear in the expression.
    #[test]
    fn column_references_follow_the_text() {
        let e = parse_expr("(newdata IS NULL) = (op = 'd') AND lower(op) <> x.newdata AND z > 0")
            .expect("parses");
        assert_eq!(column_refs(&e), ["newdata", "op", "z"]);
    }

    #[test]
    fn renames_and_column_references() {
        assert_eq!(
            rename_column("note <> ''", "note", "remark"),
            "remark <> ''"
        );
        assert_eq!(
            rename_column("lower(\"Name\") = t.\"Name\"", "Name", "full name"),
            "lower(\"full name\") = t.\"Name\""
        );
        let e = parse_expr("a > b AND lower(a) <> c").unwrap();
        assert_eq!(column_refs(&e), ["a", "b", "c"]);
    }

    #[test]
    fn types_from_format_type() {
        assert_eq!(
            canonical_type_text("character varying(255)").as_deref(),
            Some("varchar(255)")
        );
        assert_eq!(canonical_type_text("integer[]").as_deref(), Some("int4[]"));
        assert_eq!(
            canonical_type_text("timestamp(3) with time zone").as_deref(),
            Some("timestamptz(3)")
        );
        assert_eq!(canonical_type_text("\"char\"").as_deref(), Some("char"));
        assert_eq!(
            canonical_type_text("numeric(10,2)").as_deref(),
            Some("numeric(10,2)")
        );
        assert_eq!(canonical_type_text("app.mood").as_deref(), Some("app.mood"));
        assert_eq!(canonical_type_text("bigint").as_deref(), Some("int8"));
        assert_eq!(canonical_type_text("not a type ("), None);
    }
}
