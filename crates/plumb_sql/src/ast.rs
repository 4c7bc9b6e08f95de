//! Small helpers over libpg_query's parse tree: names, constants and type names.

use pg_query::protobuf::{self, Node};
use pg_query::NodeEnum;

/// The string value of a `String` node.
pub fn string_of(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// The strings of a list of `String` nodes (e.g. a qualified name), skipping others.
pub fn strings(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().filter_map(string_of).collect()
}

/// An integer constant (`A_Const` integer), e.g. a type modifier.
pub fn int_const(node: &Node) -> Option<i64> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            protobuf::a_const::Val::Ival(i) => Some(i64::from(i.ival)),
            protobuf::a_const::Val::Sval(s) => s.sval.parse().ok(),
            _ => None,
        },
        NodeEnum::Integer(i) => Some(i64::from(i.ival)),
        _ => None,
    }
}

/// The `set_config(setting, value, is_local)` calls of a `SELECT`'s target list for one
/// setting (`SELECT pg_catalog.set_config('search_path', '', false)`): each value and whether
/// it is local to the transaction.
pub fn set_config_calls<'a>(s: &'a protobuf::SelectStmt, setting: &str) -> Vec<(&'a Node, bool)> {
    let mut out = Vec::new();
    for t in &s.target_list {
        let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() else {
            continue;
        };
        let Some(NodeEnum::FuncCall(f)) = rt.val.as_deref().and_then(|v| v.node.as_ref()) else {
            continue;
        };
        if func_name(f) != "set_config" || f.args.len() != 3 {
            continue;
        }
        if str_const(&f.args[0]) != Some(setting) {
            continue;
        }
        let local = matches!(f.args[2].node.as_ref(), Some(NodeEnum::AConst(c))
            if matches!(c.val, Some(protobuf::a_const::Val::Boolval(ref b)) if b.boolval));
        out.push((&f.args[1], local));
    }
    out
}

/// A string constant (`A_Const` string).
pub fn str_const(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            protobuf::a_const::Val::Sval(s) => Some(&s.sval),
            _ => None,
        },
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// Renders a type name canonically: `pg_catalog.` dropped, internal names kept
/// (`int4`, `varchar(255)`, `numeric(10,2)`, `timestamptz`, `text[]`).
pub fn type_name(t: &protobuf::TypeName) -> String {
    let names = strings(&t.names);
    let base = match names.as_slice() {
        // Built-in types and types in the default schema print unqualified, as `format_type`
        // prints them with the default search_path.
        ["pg_catalog" | "public", n] => (*n).to_owned(),
        [] => String::new(),
        parts => parts.join("."),
    };
    let base = canonical_type(&base);
    let interval = is_interval(&base);
    with_modifiers(base, t, !interval)
}

/// `base` followed by the type's modifiers (`(10,2)`, unless `mods` is false: an interval's
/// modifiers are its fields) and array bounds (`[]`).
fn with_modifiers(mut out: String, t: &protobuf::TypeName, mods: bool) -> String {
    // Extension types take words too: `geometry(Polygon, 4326)` (kept as the parser folds them,
    // which is how a live type's text reads once parsed the same way).
    let values: Vec<String> = t
        .typmods
        .iter()
        .map(|m| {
            int_const(m)
                .map(|v| v.to_string())
                .or_else(|| column_ref_name(m))
                .or_else(|| str_const(m).map(|s| format!("'{}'", s.replace('\'', "''"))))
                .unwrap_or_else(|| "?".to_owned())
        })
        .collect();
    if mods && !values.is_empty() {
        out.push('(');
        out.push_str(&values.join(","));
        out.push(')');
    }
    for _ in &t.array_bounds {
        out.push_str("[]");
    }
    out
}

/// A type name as SQL to write into a statement: like [`type_name`] for built-in types, but a
/// user type keeps its case and is quoted where needed (`"WebhookTriggerEvents"`), where
/// [`type_name`]'s canonical spelling is for comparing.
pub fn type_sql(t: &protobuf::TypeName) -> String {
    let names = strings(&t.names);
    match names.as_slice() {
        ["pg_catalog", _] | [] => type_name(t),
        parts => {
            let name = parts
                .iter()
                .map(|p| quote_ident(p))
                .collect::<Vec<_>>()
                .join(".");
            with_modifiers(name, t, true)
        }
    }
}

fn is_interval(name: &str) -> bool {
    name == "interval"
}

/// Maps SQL-standard spellings and aliases to PostgreSQL's internal type names.
pub fn canonical_type(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mapped = match lower.as_str() {
        "integer" | "int" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" | "float" => "float8",
        "boolean" => "bool",
        "character varying" => "varchar",
        // Only quoted names reach this map (the grammar already turns `char(n)` into
        // pg_catalog.bpchar), and quoted "char" is PostgreSQL's internal one-byte type.
        "character" => "bpchar",
        "decimal" => "numeric",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        "time with time zone" => "timetz",
        "time without time zone" => "time",
        "bit varying" => "varbit",
        "serial4" => "serial",
        "serial8" => "bigserial",
        "serial2" => "smallserial",
        other => other,
    };
    mapped.to_owned()
}

/// The name of a function call (`FuncCall`), lowercased, without `pg_catalog.`.
pub fn func_name(call: &protobuf::FuncCall) -> String {
    let names = strings(&call.funcname);
    match names.as_slice() {
        ["pg_catalog", n] => n.to_ascii_lowercase(),
        parts => parts.join(".").to_ascii_lowercase(),
    }
}

/// Every `FuncCall` anywhere under a node (depth-first).
pub fn func_calls(node: &NodeEnum) -> Vec<String> {
    node.nodes()
        .into_iter()
        .filter_map(|(n, _, _, _)| match n {
            pg_query::NodeRef::FuncCall(f) => Some(func_name(f)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {

    /// An extension type's word modifiers survive (`geometry(Polygon,4326)` was `geometry(?,4326)`).
    #[test]
    fn type_modifiers_keep_words() {
        let parsed = crate::parse("CREATE TABLE t (g geometry(Polygon, 4326), n numeric(10,2))");
        let Some(NodeEnum::CreateStmt(c)) = parsed.statements.first().map(|s| &s.node) else {
            panic!("a CREATE TABLE");
        };
        let types: Vec<String> = c
            .table_elts
            .iter()
            .filter_map(|e| match e.node.as_ref() {
                Some(NodeEnum::ColumnDef(d)) => d.type_name.as_ref().map(super::type_name),
                _ => None,
            })
            .collect();
        assert_eq!(types, ["geometry(polygon,4326)", "numeric(10,2)"]);
    }

    /// Exactly the names PostgreSQL's quote_ident quotes: keywords other than unreserved ones
    /// (found on real schemas: `authorization`, `binary`), upper case and odd characters.
    #[test]
    fn quote_ident_quotes_what_postgresql_needs() {
        for name in [
            "authorization",
            "binary",
            "user",
            "order",
            "collation",
            "similar",
            "freeze",
        ] {
            assert_eq!(super::quote_ident(name), format!("\"{name}\""), "{name}");
        }
        for name in [
            "name", "type", "value", "year", "data", "key", "action", "a_b1",
        ] {
            assert_eq!(super::quote_ident(name), name, "{name}");
        }
        assert_eq!(super::quote_ident("Name"), "\"Name\"");
        assert_eq!(super::quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            super::quote_ident("current_timestamp"),
            "\"current_timestamp\""
        );
    }

    use super::*;

    fn first_type(sql: &str) -> String {
        let parsed = crate::parse(sql);
        let NodeEnum::CreateStmt(c) = &parsed.statements[0].node else {
            panic!("not a CREATE TABLE")
        };
        let Some(NodeEnum::ColumnDef(col)) = c.table_elts[0].node.as_ref() else {
            panic!("no column")
        };
        type_name(col.type_name.as_ref().unwrap())
    }

    #[test]
    fn canonical_type_names() {
        assert_eq!(
            first_type("create table t (a varchar(255))"),
            "varchar(255)"
        );
        assert_eq!(first_type("create table t (a integer)"), "int4");
        assert_eq!(
            first_type("create table t (a numeric(10, 2))"),
            "numeric(10,2)"
        );
        assert_eq!(
            first_type("create table t (a timestamp with time zone)"),
            "timestamptz"
        );
        assert_eq!(first_type("create table t (a text[])"), "text[]");
        assert_eq!(first_type("create table t (a public.mood)"), "mood");
        assert_eq!(first_type("create table t (a app.mood)"), "app.mood");
        assert_eq!(first_type("create table t (a serial)"), "serial");
        assert_eq!(first_type("create table t (a char(2))"), "bpchar(2)");
        assert_eq!(first_type("create table t (a interval day)"), "interval");
    }
}

/// Deparses an expression to SQL, exactly as PostgreSQL's deparser prints it.
///
/// Constants and argument-less function calls (most column defaults) are printed directly;
/// everything else goes through libpg_query's deparser, by wrapping it in `SELECT <expr>`.
pub fn expr_sql(expr: &Node) -> Option<String> {
    simple_expr_sql(expr).or_else(|| deparse_expr(expr))
}

pub(crate) fn simple_expr_sql(expr: &Node) -> Option<String> {
    match expr.node.as_ref()? {
        NodeEnum::AConst(c) => {
            if c.isnull {
                return Some("NULL".to_owned());
            }
            match c.val.as_ref()? {
                protobuf::a_const::Val::Ival(i) => Some(i.ival.to_string()),
                protobuf::a_const::Val::Boolval(b) => {
                    Some(if b.boolval { "true" } else { "false" }.to_owned())
                }
                protobuf::a_const::Val::Sval(s) if !s.sval.contains('\\') => {
                    Some(format!("'{}'", s.sval.replace('\'', "''")))
                }
                _ => None,
            }
        }
        NodeEnum::FuncCall(f)
            if f.args.is_empty()
                && !f.agg_star
                && !f.agg_distinct
                && f.over.is_none()
                && f.agg_filter.is_none()
                && f.agg_order.is_empty()
                && f.funcname.len() == 1 =>
        {
            let name = string_of(&f.funcname[0])?;
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
                .then(|| format!("{name}()"))
        }
        _ => None,
    }
}

fn deparse_expr(expr: &Node) -> Option<String> {
    let sql = std::panic::catch_unwind(|| crate::ffi::deparse_select_of(expr))
        .ok()
        .flatten()?;
    sql.strip_prefix("SELECT ").map(str::to_owned)
}

/// The old way to deparse an expression (a `SelectStmt` built around a copy of it), kept to check
/// that the direct encoding gives the same text.
#[cfg(test)]
pub(crate) fn deparse_expr_by_copy(expr: &Node) -> Option<String> {
    let target = protobuf::ResTarget {
        val: Some(Box::new(expr.clone())),
        ..Default::default()
    };
    let select = protobuf::SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(target))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    let sql = NodeEnum::SelectStmt(Box::new(select))
        .deparse(pg_query::DeparseOptions::default())
        .ok()?;
    sql.strip_prefix("SELECT ").map(str::to_owned)
}

/// The column a `col IS NOT NULL` expression tests, if the expression is exactly that.
pub fn is_not_null_test(expr: &Node) -> Option<String> {
    let NodeEnum::NullTest(t) = expr.node.as_ref()? else {
        return None;
    };
    if t.nulltesttype != protobuf::NullTestType::IsNotNull as i32 {
        return None;
    }
    column_ref_name(t.arg.as_deref()?)
}

/// The (last) column name of a `ColumnRef` expression.
pub fn column_ref_name(expr: &Node) -> Option<String> {
    let NodeEnum::ColumnRef(c) = expr.node.as_ref()? else {
        return None;
    };
    c.fields.last().and_then(string_of).map(str::to_owned)
}

#[cfg(test)]
mod expr_tests {
    use super::*;

    #[test]
    fn simple_expressions_print_like_the_deparser() {
        let parsed = crate::parse(
            "select 0, -1, 'it''s', true, false, null, now(), gen_random_uuid(), 1.5, 'a'::text",
        );
        let NodeEnum::SelectStmt(s) = &parsed.statements[0].node else {
            panic!()
        };
        for t in &s.target_list {
            let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() else {
                panic!()
            };
            let e = rt.val.as_deref().unwrap();
            if let Some(fast) = simple_expr_sql(e) {
                assert_eq!(Some(fast), deparse_expr(e));
            }
        }
    }

    /// The direct protobuf encoding used to deparse gives what `pg_query`'s own (copying) path
    /// gives: for every statement of the rule fixtures and the example, and for expressions of
    /// every common shape.
    #[test]
    fn direct_deparse_equals_pg_query_deparse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        let mut dirs = vec![
            root.join("crates/plumb_rules/fixtures"),
            root.join("examples"),
        ];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "sql") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 40, "{} fixture files", files.len());
        let mut statements = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for st in crate::parse(&text).statements {
                let ours = crate::deparse(&st.node);
                let theirs = st.node.deparse(pg_query::DeparseOptions::default()).ok();
                assert_eq!(ours, theirs, "{}: {}", f.display(), &text[st.start..st.end]);
                statements += 1;
            }
        }
        assert!(statements > 500, "{statements} statements");
        let parsed = crate::parse(
            "select a + b * 2, coalesce(x, 'y'::text), (now() AT TIME ZONE 'utc'), \
             CASE WHEN a > 1 THEN 'x' ELSE NULL END, a IN (1, 2, 3), b BETWEEN 1 AND 2, \
             lower(\"Email\") LIKE '%@x', NOT (a IS NULL OR b IS NOT NULL), ARRAY[1, 2]::int[], \
             (SELECT max(id) FROM t WHERE t.x = y), e'\\\\x'::bytea, count(*) FILTER (WHERE a), \
             row_number() OVER (PARTITION BY a ORDER BY b DESC), '{}'::jsonb -> 'k', -1.5e3",
        );
        let NodeEnum::SelectStmt(s) = &parsed.statements[0].node else {
            panic!()
        };
        assert_eq!(s.target_list.len(), 15);
        for t in &s.target_list {
            let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() else {
                panic!()
            };
            let e = rt.val.as_deref().unwrap();
            let ours = deparse_expr(e);
            assert!(ours.is_some());
            assert_eq!(ours, deparse_expr_by_copy(e));
        }
    }

    #[test]
    fn deparses_expressions_and_not_null_checks() {
        let parsed = crate::parse("alter table t add constraint c check (email is not null)");
        let NodeEnum::AlterTableStmt(a) = &parsed.statements[0].node else {
            panic!()
        };
        let Some(NodeEnum::AlterTableCmd(cmd)) = a.cmds[0].node.as_ref() else {
            panic!()
        };
        let Some(NodeEnum::Constraint(c)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
            panic!()
        };
        let expr = c.raw_expr.as_deref().unwrap();
        assert_eq!(expr_sql(expr).as_deref(), Some("email IS NOT NULL"));
        assert_eq!(is_not_null_test(expr).as_deref(), Some("email"));
    }
}

/// Quotes an identifier when PostgreSQL needs it quoted.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_reserved(name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Whether PostgreSQL needs the name quoted because it is a keyword that is not unreserved
/// (`authorization`, `binary`, `user`, `order`), asked of PostgreSQL's own scanner and keyword
/// table, as its `quote_ident` does. No keyword is longer than 17 bytes.
fn is_reserved(name: &str) -> bool {
    use pg_query::protobuf::KeywordKind;
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        // Names repeat (a column per finding, fix and rollback): ask the scanner once each.
        static SEEN: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
    }
    if name.len() > 17 {
        return false;
    }
    if let Some(known) = SEEN.with(|s| s.borrow().get(name).copied()) {
        return known;
    }
    let reserved = match pg_query::scan_tokens(name) {
        Ok(tokens) => {
            tokens.len() == 1
                && !matches!(
                    KeywordKind::try_from(tokens[0].keyword_kind),
                    Ok(KeywordKind::NoKeyword | KeywordKind::UnreservedKeyword)
                )
        }
        Err(_) => true,
    };
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        // Bounded: a schema of a million distinct short names would not keep them all.
        if s.len() > 100_000 {
            s.clear();
        }
        s.insert(name.to_owned(), reserved);
    });
    reserved
}
