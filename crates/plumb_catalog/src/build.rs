//! Building a catalog from SQL text, and comparing two catalogs.

use serde::Serialize;
use serde_json::Value;

use crate::{Applied, Catalog};

/// A statement the interpreter could not represent in the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Byte offset where the statement starts.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// The statement form, e.g. `CREATE OPERATOR`.
    pub form: &'static str,
    /// Set when PostgreSQL refuses the statement because what it creates already exists:
    /// PostgreSQL's reason (`relation "public.t" already exists`).
    pub already_exists: Option<String>,
}

/// What [`Catalog::apply_sql`] could not take in.
#[derive(Clone, Debug, Default)]
pub struct SqlApplied {
    /// Statements parsed but not modelled.
    pub skipped: Vec<Skipped>,
    /// Text that does not parse.
    pub errors: Vec<plumb_sql::SyntaxError>,
    /// Statements read, those that do not parse included.
    pub statements: usize,
    /// Where objects are defined, in statement order: a key (see [`definition_key`]) and the
    /// byte range of the statement, or of the column definition for a column.
    pub defined: Vec<(String, usize, usize)>,
}

/// The key under which [`SqlApplied::defined`] records an object: `table:schema.name`,
/// `column:schema.table.column`, `index:schema.name`, `sequence:schema.name`.
pub fn definition_key(kind: &str, name: &crate::QualifiedName, column: Option<&str>) -> String {
    match column {
        Some(c) => format!("column:{}.{}.{c}", name.schema, name.name),
        None => format!("{kind}:{}.{}", name.schema, name.name),
    }
}

/// The objects a statement defines, for [`SqlApplied::defined`].
fn definitions(s: &plumb_sql::Statement, text: &str, out: &mut Vec<(String, usize, usize)>) {
    use plumb_sql::NodeEnum;
    let column = |out: &mut Vec<(String, usize, usize)>,
                  table: &crate::QualifiedName,
                  col: &plumb_sql::protobuf::ColumnDef| {
        let span = usize::try_from(col.location)
            .ok()
            .map(|l| s.base + l)
            .filter(|&at| at >= s.start && at < s.end)
            .map_or((s.start, s.end), |at| {
                (at, plumb_sql::clause_end(text, at, s.end))
            });
        out.push((
            definition_key("column", table, Some(&col.colname)),
            span.0,
            span.1,
        ));
    };
    match &s.node {
        NodeEnum::CreateStmt(c) => {
            let Some(rv) = &c.relation else { return };
            let table = crate::QualifiedName::from_range_var(rv);
            out.push((definition_key("table", &table, None), s.start, s.end));
            for e in &c.table_elts {
                if let Some(NodeEnum::ColumnDef(col)) = e.node.as_ref() {
                    column(out, &table, col);
                }
            }
        }
        NodeEnum::AlterTableStmt(a) => {
            let Some(rv) = &a.relation else { return };
            let table = crate::QualifiedName::from_range_var(rv);
            for cmd in &a.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() {
                    if let Some(NodeEnum::ColumnDef(col)) =
                        cmd.def.as_deref().and_then(|d| d.node.as_ref())
                    {
                        column(out, &table, col);
                    }
                }
            }
        }
        NodeEnum::IndexStmt(i) if !i.idxname.is_empty() => {
            let schema = i
                .relation
                .as_ref()
                .map(|r| r.schemaname.as_str())
                .filter(|s| !s.is_empty());
            let name = crate::QualifiedName::new(schema, &i.idxname);
            out.push((definition_key("index", &name, None), s.start, s.end));
        }
        NodeEnum::CreateSeqStmt(q) => {
            if let Some(rv) = &q.sequence {
                let name = crate::QualifiedName::from_range_var(rv);
                out.push((definition_key("sequence", &name, None), s.start, s.end));
            }
        }
        _ => {}
    }
}

impl Catalog {
    /// Parses a script and applies its statements in order, resolving names through the
    /// `search_path` the script sets ([`crate::Session`]). A big script (a schema dump) is
    /// parsed a piece of whole statements at a time, so only one piece's parse trees are in
    /// memory at once (a whole 5 MB dump's trees took over 1 GB).
    /// Each script starts with the default path, as each migration of the lint engine does.
    pub fn apply_sql(&mut self, sql: &str) -> SqlApplied {
        const BIG: usize = 1 << 20;
        const PIECE: usize = 64 << 10;
        let mut session = crate::Session::default();
        let mut out = SqlApplied::default();
        let ends = if sql.len() > BIG {
            plumb_sql::chunk_ends(sql, PIECE)
        } else {
            vec![sql.len()]
        };
        let mut from = 0;
        for end in ends {
            let mut parsed = plumb_sql::parse(&sql[from..end]);
            parsed.shift(from, 0);
            from = end;
            out.statements += parsed.statements.len() + parsed.errors.len();
            out.errors.append(&mut parsed.errors);
            for s in &mut parsed.statements {
                session.observe(&s.node);
                if let Some(q) = crate::qualify(&s.node, self, &session) {
                    s.node = q;
                }
                definitions(s, sql, &mut out.defined);
                match self.apply(&s.node) {
                    Applied::Unmodelled(form) => out.skipped.push(Skipped {
                        start: s.start,
                        end: s.end,
                        form,
                        already_exists: None,
                    }),
                    Applied::AlreadyExists(why) => out.skipped.push(Skipped {
                        start: s.start,
                        end: s.end,
                        form: "a statement PostgreSQL refuses",
                        already_exists: Some(why),
                    }),
                    Applied::Changed | Applied::NoSchemaChange => {}
                }
            }
        }
        out
    }

    /// The differences between two catalogs, one line each (`path: this → other`), in a stable
    /// order. Lists of named objects are matched by name, so one missing column reads as one
    /// difference, not a shifted list.
    pub fn diff(&self, other: &Catalog) -> Vec<String> {
        let a = serde_json::to_value(self).unwrap_or(Value::Null);
        let b = serde_json::to_value(other).unwrap_or(Value::Null);
        let mut out = Vec::new();
        diff_value("", &a, &b, &mut out);
        out
    }
}

fn name_key(v: &Value) -> Option<String> {
    let name = v.get("name")?;
    Some(match name {
        Value::String(s) => s.clone(),
        Value::Object(o) => format!(
            "{}.{}",
            o.get("schema").and_then(Value::as_str).unwrap_or_default(),
            o.get("name").and_then(Value::as_str).unwrap_or_default()
        ),
        other => other.to_string(),
    })
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!("{}…", &s[..s.floor_char_boundary_compat(300)])
    } else {
        s
    }
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

fn diff_value(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_value(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y.iter()).all(|v| name_key(v).is_some()) =>
        {
            let mut names: Vec<String> = x.iter().chain(y.iter()).filter_map(name_key).collect();
            names.sort();
            names.dedup();
            for n in names {
                let find = |list: &Vec<Value>| {
                    list.iter()
                        .find(|v| name_key(v).as_deref() == Some(&n))
                        .cloned()
                };
                match (find(x), find(y)) {
                    (Some(u), Some(v)) => diff_value(&format!("{path}[{n}]"), &u, &v, out),
                    (Some(_), None) => out.push(format!("{path}[{n}]: only in the first")),
                    (None, Some(_)) => out.push(format!("{path}[{n}]: only in the second")),
                    (None, None) => {}
                }
            }
        }
        _ => out.push(format!("{path}: {} → {}", short(a), short(b))),
    }
}

/// The name of plumb's catalog snapshot format (`plumb schema dump --format json`).
pub const SNAPSHOT_FORMAT: &str = "plumb-catalog";
/// The version of the snapshot format. It changes only when a field is removed or changes
/// meaning; new optional fields keep the version.
pub const SNAPSHOT_VERSION: u32 = 1;

/// A catalog snapshot as written by `plumb schema dump --format json`: a versioned public
/// contract.
///
/// ```json
/// {"format": "plumb-catalog", "version": 1, "catalog": {"schemas": [], "tables": [...], ...}}
/// ```
///
/// `catalog` is the [`Catalog`] serialized with serde: keyed maps become lists of their values
/// (each value carries its own name), names are `{"schema": ..., "name": ...}` objects, types
/// and expressions are in plumb's canonical spelling (`int4`, `varchar(255)`, casts of
/// constants left out), and live-only facts (`stats`, `owner`, `last_value`, `database`) are
/// present only for snapshots of a live database.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// [`SNAPSHOT_VERSION`] when written.
    pub version: u32,
    /// The schema.
    pub catalog: Catalog,
}

impl Snapshot {
    /// A snapshot of a catalog in the current format.
    pub fn new(catalog: Catalog) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            version: SNAPSHOT_VERSION,
            catalog,
        }
    }

    /// Reads a snapshot, checking its format and version.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let s: Snapshot =
            serde_json::from_str(text).map_err(|e| format!("not a plumb catalog snapshot: {e}"))?;
        if s.format != SNAPSHOT_FORMAT {
            return Err(format!(
                "format is `{}`, expected `{SNAPSHOT_FORMAT}`",
                s.format
            ));
        }
        if s.version > SNAPSHOT_VERSION {
            return Err(format!(
                "snapshot version {} is newer than this plumb understands ({SNAPSHOT_VERSION}); upgrade plumb",
                s.version
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod piece_tests {
    use crate::{Applied, Catalog};

    /// A script over 1 MiB, applied a piece at a time, gives the catalog, statement count,
    /// errors and skipped statements that one whole parse gives.
    #[test]
    fn big_scripts_apply_in_pieces_like_one_parse() {
        let mut sql = String::new();
        let mut i = 0;
        while sql.len() < (1 << 20) + 50_000 {
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id bigint PRIMARY KEY, note text DEFAULT 'a;b');\nCREATE INDEX t{i}_note ON t{i} (note);\nCREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);\n"
            ));
            if i % 997 == 0 {
                sql.push_str("CREATE TABLE broken (;\n");
            }
            i += 1;
        }
        let mut pieces = Catalog::default();
        let applied = pieces.apply_sql(&sql);
        let parsed = plumb_sql::parse(&sql);
        let mut whole = Catalog::default();
        let mut skipped = 0;
        for s in &parsed.statements {
            if let Applied::Unmodelled(_) = whole.apply(&s.node) {
                skipped += 1;
            }
        }
        assert!(pieces.diff(&whole).is_empty());
        assert_eq!(
            applied.statements,
            parsed.statements.len() + parsed.errors.len()
        );
        assert_eq!(applied.skipped.len(), skipped);
        let offsets = |e: &[plumb_sql::SyntaxError]| e.iter().map(|e| e.offset).collect::<Vec<_>>();
        assert_eq!(offsets(&applied.errors), offsets(&parsed.errors));
        assert!(!applied.errors.is_empty());
    }
}
