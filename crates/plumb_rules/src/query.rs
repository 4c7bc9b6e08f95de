//! Query rules: how an application's queries are written (`SELECT *`, OFFSET paging, a
//! function on a filtered column, ...), applied to each normalized query of a workload. A
//! finding's severity grows with the share of the workload's time the query takes, up to the
//! rule's own severity: a slow pattern in a query that costs nothing is information, the same
//! pattern in the query that takes a fifth of the server's time is high.

use plumb_diagnostics::{Finding, Location, RuleMeta, Severity};
use plumb_sql::protobuf::{self, Node};
use plumb_sql::NodeEnum;

use crate::registry::RULES;
use crate::settings::Settings;

/// One query of a workload, as the rules see it.
#[derive(Clone, Debug)]
pub struct QueryInput<'a> {
    /// Its fingerprint (names the query in findings).
    pub fingerprint: &'a str,
    /// The normalized text (`$n` for constants).
    pub query: &'a str,
    /// One execution as logged, with its constants (or `$n` and `parameters`).
    pub example: &'a str,
    /// That execution's parameters as logged (`$1 = '7', $2 = 'x'`).
    pub parameters: Option<&'a str>,
    /// Executions.
    pub calls: u64,
    /// Milliseconds in all.
    pub total_ms: f64,
    /// Share of the workload's time (0..=1).
    pub share: f64,
}

/// What a query rule reads.
pub struct QueryContext<'a> {
    /// The query.
    pub input: &'a QueryInput<'a>,
    /// The example's parse tree (the normalized text's when the example does not parse).
    pub stmt: &'a NodeEnum,
    /// The example's parameters by number.
    pub parameters: Vec<(usize, String)>,
}

impl QueryContext<'_> {
    /// The value of a constant or of a parameter of the example: `'%foo%'` gives `%foo%`,
    /// `$2` gives the second parameter's value.
    pub fn value(&self, node: &Node) -> Option<String> {
        match node.node.as_ref()? {
            NodeEnum::AConst(_) => plumb_sql::ast::str_const(node)
                .map(str::to_owned)
                .or_else(|| plumb_sql::ast::int_const(node).map(|i| i.to_string())),
            NodeEnum::ParamRef(p) => {
                let n = usize::try_from(p.number).ok()?;
                self.parameters
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone())
            }
            NodeEnum::TypeCast(c) => self.value(c.arg.as_deref()?),
            _ => None,
        }
    }

    /// A finding of `meta` on this query, its severity scaled by the query's share of time.
    pub fn finding(&self, meta: &RuleMeta, message: String, help: String) -> Finding {
        let mut f = Finding::new(
            meta,
            Location::Object {
                object_kind: "query".to_owned(),
                schema: String::new(),
                name: self.input.fingerprint.to_owned(),
                column: None,
            },
            message,
        );
        f.help = help;
        f.severity = scaled(meta.severity, self.input.share);
        f.notes.push(format!(
            "query {}: {} calls, {:.1} ms in all, {:.1}% of the workload's time: {}",
            self.input.fingerprint,
            self.input.calls,
            self.input.total_ms,
            self.input.share * 100.0,
            one_line(self.input.query, 160)
        ));
        f
    }
}

fn one_line(sql: &str, width: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > width {
        let mut s: String = flat.chars().take(width - 1).collect();
        s.push('…');
        s
    } else {
        flat
    }
}

/// A rule's severity for a query taking `share` of the time: at least a fifth, the rule's
/// own; from 5%, at most medium; from 0.5%, at most low; below, information.
pub fn scaled(max: Severity, share: f64) -> Severity {
    let by_share = if share >= 0.2 {
        Severity::Critical
    } else if share >= 0.05 {
        Severity::Medium
    } else if share >= 0.005 {
        Severity::Low
    } else {
        Severity::Info
    };
    max.min(by_share)
}

/// `$1 = '7', $2 = 'it''s', $3 = NULL` as (number, value) pairs.
pub fn parameters(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while let Some(r) = rest.strip_prefix('$') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(n) = r[..digits].parse::<usize>() else {
            break;
        };
        let Some(r) = r[digits..].strip_prefix(" = ") else {
            break;
        };
        if let Some(r) = r.strip_prefix("NULL") {
            rest = r.trim_start_matches([',', ' ']);
            continue;
        }
        let Some(r) = r.strip_prefix('\'') else {
            break;
        };
        let mut value = String::new();
        let mut chars = r.char_indices();
        let mut end = r.len();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if r[i + 1..].starts_with('\'') {
                    value.push('\'');
                    chars.next();
                    continue;
                }
                end = i + 1;
                break;
            }
            value.push(c);
        }
        out.push((n, value));
        rest = r[end..].trim_start_matches([',', ' ']);
    }
    out
}

/// Runs every query rule on every query.
pub fn check_queries(queries: &[QueryInput<'_>], settings: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for q in queries {
        let parsed = pg_query::parse(q.example, pg_query::ParserOptions::DEFAULT)
            .ok()
            .filter(|p| p.protobuf.stmts.len() == 1)
            .or_else(|| pg_query::parse(q.query, pg_query::ParserOptions::DEFAULT).ok());
        let Some(parsed) = parsed else { continue };
        let Some(stmt) = parsed
            .protobuf
            .stmts
            .first()
            .and_then(|s| s.stmt.as_ref())
            .and_then(|s| s.node.as_ref())
        else {
            continue;
        };
        let cx = QueryContext {
            input: q,
            stmt,
            parameters: q.parameters.map(parameters).unwrap_or_default(),
        };
        for rule in RULES.iter().filter(|r| r.checks_queries()) {
            let meta = rule.meta();
            if settings.disabled.contains(meta.name) {
                continue;
            }
            let before = out.len();
            rule.check_query(&cx, &mut out);
            if let Some(sev) = settings.severity.get(meta.name) {
                for f in &mut out[before..] {
                    f.severity = scaled(*sev, q.share);
                }
            }
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.location.cmp(&b.location))
    });
    out
}

/// Every SELECT of a statement (the statement itself, its subqueries, CTEs and set
/// operations' arms).
pub fn selects(stmt: &NodeEnum) -> Vec<&protobuf::SelectStmt> {
    let mut out = Vec::new();
    if let NodeEnum::SelectStmt(s) = stmt {
        out.push(s.as_ref());
    }
    for (n, _, _, _) in stmt.nodes() {
        if let plumb_sql::NodeRef::SelectStmt(s) = n {
            if !out.iter().any(|o| std::ptr::eq(*o, s)) {
                out.push(s);
            }
        }
    }
    out
}

/// The table a column of a SELECT belongs to: by its qualifier (an alias or a table name), or
/// the only table in FROM.
pub fn table_of(select: &protobuf::SelectStmt, qualifier: Option<&str>) -> Option<String> {
    let mut tables = Vec::new();
    for f in &select.from_clause {
        for n in walk(f) {
            if let plumb_sql::NodeRef::RangeVar(rv) = n {
                let alias = rv.alias.as_ref().map(|a| a.aliasname.as_str());
                let name = if rv.schemaname.is_empty() {
                    plumb_sql::ast::quote_ident(&rv.relname)
                } else {
                    format!(
                        "{}.{}",
                        plumb_sql::ast::quote_ident(&rv.schemaname),
                        plumb_sql::ast::quote_ident(&rv.relname)
                    )
                };
                tables.push((rv.relname.clone(), alias.map(str::to_owned), name));
            }
        }
    }
    match qualifier {
        Some(q) => tables
            .into_iter()
            .find(|(rel, alias, _)| alias.as_deref() == Some(q) || (alias.is_none() && rel == q))
            .map(|(_, _, n)| n),
        None if tables.len() == 1 => tables.pop().map(|(_, _, n)| n),
        None => None,
    }
}

/// Every operator expression (`a = b`, `a LIKE b`, ...) in the WHERE clauses of a statement's
/// SELECTs, with its SELECT (to resolve its columns' tables).
pub fn where_operators(stmt: &NodeEnum) -> Vec<(&protobuf::SelectStmt, &protobuf::AExpr)> {
    let mut out = Vec::new();
    for s in selects(stmt) {
        let Some(w) = s.where_clause.as_deref() else {
            continue;
        };
        for n in walk(w) {
            if let plumb_sql::NodeRef::AExpr(e) = n {
                out.push((s, e));
            }
        }
    }
    out
}

/// Every node of an expression or clause, itself first.
pub fn walk(node: &Node) -> Vec<plumb_sql::NodeRef<'_>> {
    node.node
        .as_ref()
        .map(|n| n.nodes().into_iter().map(|(r, _, _, _)| r).collect())
        .unwrap_or_default()
}

/// A column reference's (qualifier, column), when it is one.
pub fn column(node: &Node) -> Option<(Option<String>, String)> {
    let NodeEnum::ColumnRef(c) = node.node.as_ref()? else {
        return None;
    };
    let parts = plumb_sql::ast::strings(&c.fields);
    if parts.len() != c.fields.len() {
        return None;
    }
    match parts.as_slice() {
        [col] => Some((None, (*col).to_owned())),
        [.., q, col] => Some((Some((*q).to_owned()), (*col).to_owned())),
        [] => None,
    }
}

/// An index name for a fix: `<table>_<what>_idx`, lower case, at most 63 bytes.
pub fn index_name(table: &str, what: &str) -> String {
    let base = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
    let mut name: String = format!("{base}_{what}_idx")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    name.truncate(63);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_parameters() {
        assert_eq!(
            parameters("$1 = '7', $2 = 'it''s, ok', $3 = NULL, $4 = 'x'"),
            vec![
                (1, "7".to_owned()),
                (2, "it's, ok".to_owned()),
                (4, "x".to_owned())
            ]
        );
        assert!(parameters("").is_empty());
    }

    #[test]
    fn severity_follows_the_time_share() {
        assert_eq!(scaled(Severity::High, 0.3), Severity::High);
        assert_eq!(scaled(Severity::High, 0.1), Severity::Medium);
        assert_eq!(scaled(Severity::High, 0.01), Severity::Low);
        assert_eq!(scaled(Severity::High, 0.0001), Severity::Info);
        assert_eq!(scaled(Severity::Low, 0.9), Severity::Low);
    }
}
