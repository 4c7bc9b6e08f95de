//! Schema documentation from a [`Catalog`]: DBML, a Mermaid erDiagram, and a Markdown data
//! dictionary (`plumb schema docs`).
//!
//! Output is deterministic: objects in name order, columns in table order.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt::Write;

use plumb_catalog::{Catalog, Column, ConstraintKind, FkAction, Identity, QualifiedName, Table};
use plumb_diagnostics::human_bytes;

/// `schema.name`, or `name` in the default schema.
fn display(name: &QualifiedName) -> String {
    if name.schema == plumb_catalog::DEFAULT_SCHEMA {
        name.name.to_string()
    } else {
        format!("{}.{}", name.schema, name.name)
    }
}

fn plain_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A DBML name: bare when plain, double-quoted otherwise.
fn dbml_ident(s: &str) -> String {
    if plain_ident(s) {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn dbml_name(name: &QualifiedName) -> String {
    if name.schema == plumb_catalog::DEFAULT_SCHEMA {
        dbml_ident(&name.name)
    } else {
        format!("{}.{}", dbml_ident(&name.schema), dbml_ident(&name.name))
    }
}

fn dbml_string(s: &str) -> String {
    // Every backslash and quote escaped, so SQL (regular expressions, quoted literals) comes
    // back as written.
    let escaped = s.replace('\\', "\\\\").replace('\'', "\\'");
    if s.contains('\n') {
        format!("'''{escaped}'''")
    } else {
        format!("'{escaped}'")
    }
}

/// A DBML column type: PostgreSQL's spelling, quoted when DBML's grammar needs it.
fn dbml_type(t: &str) -> String {
    let spelled = match t {
        // PostgreSQL's one-byte internal type, which unquoted `char` is not.
        "char" => "\"char\"",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        "float4" => "real",
        "float8" => "double precision",
        other => other,
    };
    if spelled
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_()[],.".contains(c))
    {
        spelled.to_owned()
    } else {
        format!("\"{}\"", spelled.replace('"', "\\\""))
    }
}

/// A DBML default: numbers and booleans bare, string literals quoted, other expressions in
/// backticks.
fn dbml_default(expr: &str) -> String {
    let e = expr.trim();
    if e.parse::<f64>().is_ok() || matches!(e, "true" | "false" | "NULL" | "null") {
        return e.to_ascii_lowercase();
    }
    if let Some(inner) = e.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        if !inner.contains('\'') || inner.replace("''", "").find('\'').is_none() {
            return dbml_string(&inner.replace("''", "'"));
        }
    }
    format!("`{}`", e.replace('`', "\\`"))
}

/// The prose line naming the objects a DBML file does not carry (views, triggers, policies,
/// functions whose statement is unknown, grants), or `None` when there are none.
fn not_carried(catalog: &Catalog) -> Option<String> {
    fn names(what: &str, mut list: Vec<String>) -> Option<String> {
        const SHOWN: usize = 12;
        if list.is_empty() {
            return None;
        }
        let n = list.len();
        list.truncate(SHOWN);
        let more = if n > SHOWN {
            format!(" and {} more", n - SHOWN)
        } else {
            String::new()
        };
        Some(format!("{n} {what} ({}{more})", list.join(", ")))
    }
    let (views, matviews): (Vec<_>, Vec<_>) = catalog
        .views
        .values()
        .filter(|v| v.definition.is_none())
        .partition(|v| !v.materialized);
    let parts: Vec<String> = [
        names(
            "views without their statement",
            views.iter().map(|v| display(&v.name)).collect(),
        ),
        names(
            "materialized views without their statement",
            matviews.iter().map(|v| display(&v.name)).collect(),
        ),
        names(
            "triggers",
            catalog
                .tables
                .values()
                .flat_map(|t| {
                    t.triggers
                        .iter()
                        .map(move |g| format!("{} on {}", g.name, display(&t.name)))
                })
                .collect(),
        ),
        names(
            "row-level security policies",
            catalog
                .tables
                .values()
                .flat_map(|t| {
                    t.policies
                        .iter()
                        .map(move |p| format!("{} on {}", p.name, display(&t.name)))
                })
                .collect(),
        ),
        names(
            "functions without their statement",
            catalog
                .functions
                .keys()
                .filter(|k| catalog.functions[*k].definition.is_none())
                .map(display)
                .collect(),
        ),
        (!catalog.grants.is_empty()).then(|| format!("{} grants", catalog.grants.len())),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| format!("Not in this DBML: {}.", parts.join(". ")))
}

/// `CREATE INDEX` for an index of a materialized view (whose columns the catalog does not
/// list: a key that reads as a column name is one).
fn view_index_sql(catalog: &Catalog, i: &plumb_catalog::Index) -> String {
    let keys: Vec<String> = i
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let column = plumb_sql::canon::parse_expr(c)
                .and_then(|e| plumb_sql::ast::column_ref_name(&e))
                .filter(|n| n == c || plumb_catalog::quote_ident(n) == *c);
            let key = match column {
                Some(n) => plumb_catalog::quote_ident(&n),
                None => format!("({c})"),
            };
            let suffix = i
                .key_options
                .get(k)
                .map(|o| key_suffix(catalog, o))
                .unwrap_or_default();
            format!("{key}{suffix}")
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        plumb_catalog::quote_ident(&i.name.name),
        i.table.sql(),
        i.method,
        keys.join(", ")
    );
    for clause in include_and_where(i) {
        let _ = write!(sql, " {clause}");
    }
    sql.push(';');
    sql
}

/// An index's `INCLUDE (...)` and `WHERE ...` clauses, those it has.
fn include_and_where(i: &plumb_catalog::Index) -> Vec<String> {
    let mut out = Vec::new();
    if !i.include.is_empty() {
        let inc: Vec<String> = i
            .include
            .iter()
            .map(|c| plumb_catalog::quote_ident(c))
            .collect();
        out.push(format!("INCLUDE ({})", inc.join(", ")));
    }
    if let Some(p) = &i.predicate {
        out.push(format!("WHERE {p}"));
    }
    out
}

/// `DEFERRABLE INITIALLY DEFERRED` or `... IMMEDIATE` for a deferrable constraint.
fn deferrable_sql(k: &plumb_catalog::Constraint) -> String {
    let when = if k.initially_deferred {
        "DEFERRED"
    } else {
        "IMMEDIATE"
    };
    format!("DEFERRABLE INITIALLY {when}")
}

/// A collation as SQL: qualified when the schema created it outside `public`, since the
/// imported DDL runs with the default `search_path`.
fn collation_sql(catalog: &Catalog, name: &str) -> String {
    match catalog
        .collations
        .values()
        .find(|c| c.name.name == name && c.name.schema != plumb_catalog::DEFAULT_SCHEMA)
    {
        Some(c) => c.name.sql(),
        None => plumb_catalog::quote_ident(name),
    }
}

/// An index key's collation, operator class and order as SQL, its collation qualified.
fn key_suffix(catalog: &Catalog, o: &plumb_catalog::IndexKeyOptions) -> String {
    let Some(c) = &o.collation else {
        return o.sql_suffix();
    };
    let rest = plumb_catalog::IndexKeyOptions {
        collation: None,
        ..o.clone()
    }
    .sql_suffix();
    format!(" COLLATE {}{rest}", collation_sql(catalog, c))
}

/// A constraint's name and expression.
type NamedExpr<'a> = (&'a str, &'a str);

/// A qualified type name as SQL (`public` left out).
fn type_sql(name: &QualifiedName) -> String {
    if name.schema == plumb_catalog::DEFAULT_SCHEMA {
        plumb_catalog::quote_ident(&name.name)
    } else {
        format!(
            "{}.{}",
            plumb_catalog::quote_ident(&name.schema),
            plumb_catalog::quote_ident(&name.name)
        )
    }
}

/// `smallserial` / `serial` / `bigserial` for a column whose default takes the next value of a
/// sequence the column owns and named as PostgreSQL names a serial's sequence.
fn serial_type(
    catalog: &Catalog,
    uses: &HashMap<&str, usize>,
    t: &Table,
    c: &plumb_catalog::Column,
) -> Option<&'static str> {
    let d = c.default.as_deref()?;
    // Partitions and other tables that share the sequence need it made on its own.
    if uses.get(d).copied().unwrap_or(0) > 1 {
        return None;
    }
    let seq = catalog.sequences.values().find(|s| {
        s.owned_by
            .as_ref()
            .is_some_and(|(tb, col)| *tb == t.name && *col == c.name)
    })?;
    let spelled = if seq.name.schema == plumb_catalog::DEFAULT_SCHEMA {
        plumb_catalog::quote_ident(&seq.name.name)
    } else {
        format!(
            "{}.{}",
            plumb_catalog::quote_ident(&seq.name.schema),
            plumb_catalog::quote_ident(&seq.name.name)
        )
    };
    let named_so = seq.name.name == format!("{}_{}_seq", t.name.name, c.name);
    if d != format!("nextval('{spelled}')") || !named_so || c.identity.is_some() {
        return None;
    }
    match c.type_name.as_str() {
        "int2" => Some("smallserial"),
        "int4" => Some("serial"),
        "int8" => Some("bigserial"),
        _ => None,
    }
}

/// Whether an expression calls a function the schema defines (not a built-in).
fn calls_schema_function(catalog: &Catalog, expr: &str) -> bool {
    let Some(e) = plumb_sql::canon::parse_expr(expr) else {
        return false;
    };
    let Some(node) = e.node.as_ref() else {
        return false;
    };
    let mut called = plumb_sql::ast::func_calls(node);
    if let plumb_sql::NodeEnum::FuncCall(f) = node {
        called.push(plumb_sql::ast::func_name(f));
    }
    // A function the DBML carries (its definition is in the Project note) is created first.
    called.iter().any(|c| {
        let name = c.rsplit('.').next().unwrap_or(c);
        catalog
            .functions
            .values()
            .any(|f| f.name.name == name && f.definition.is_none())
    })
}

/// ` [a, b]` for DBML settings, or nothing when there are none.
fn settings_suffix(settings: &[String]) -> String {
    if settings.is_empty() {
        String::new()
    } else {
        format!(" [{}]", settings.join(", "))
    }
}

fn fk_action_dbml(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "no action",
        FkAction::Restrict => "restrict",
        FkAction::Cascade => "cascade",
        FkAction::SetNull => "set null",
        FkAction::SetDefault => "set default",
    }
}

fn single_column_unique(t: &Table, col: &str) -> bool {
    t.constraints.iter().any(|c| {
        c.kind == ConstraintKind::Unique
            && c.columns.len() == 1
            && c.columns[0] == col
            && !c.deferrable
    })
}

fn single_column_pk(t: &Table) -> Option<&str> {
    t.primary_key()
        .filter(|k| k.columns.len() == 1)
        .map(|k| k.columns[0].as_str())
}

/// DBML following the DBML language specification: enums, tables with column settings and
/// indexes, notes, and refs with their actions.
pub fn render_dbml(catalog: &Catalog) -> String {
    let mut out = String::new();
    // DBML has no extensions: the Project note lists them (`plumb schema import` creates them),
    // so operator classes and types they provide load again.
    let extensions: Vec<&str> = catalog
        .extensions
        .keys()
        .map(String::as_str)
        .filter(|e| *e != "plpgsql")
        .collect();
    // Domains and composite types, which DBML has no syntax for, go in the note as the SQL
    // that creates them, for the same reason.
    let mut project = Vec::new();
    if !extensions.is_empty() {
        project.push(format!("extensions: {}", extensions.join(", ")));
    }
    for c in catalog.collations.values() {
        project.push(c.create_sql());
    }
    for c in catalog.text_search_configs.values() {
        project.push(c.create_sql());
    }
    for d in catalog.domains.values() {
        let mut sql = format!("CREATE DOMAIN {} AS {}", type_sql(&d.name), d.base_type);
        if let Some(def) = &d.default {
            let _ = write!(sql, " DEFAULT {def}");
        }
        if d.not_null {
            sql.push_str(" NOT NULL");
        }
        for c in &d.checks {
            let _ = write!(
                sql,
                " CONSTRAINT {} CHECK ({})",
                plumb_catalog::quote_ident(&c.name),
                c.expr
            );
        }
        sql.push(';');
        project.push(sql);
    }
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for t in catalog.tables.values() {
        for c in &t.columns {
            if let Some(d) = c.default.as_deref().filter(|d| d.starts_with("nextval(")) {
                *uses.entry(d).or_default() += 1;
            }
        }
    }
    // Sequences a column default names that no serial column stands for.
    let serial_seqs: Vec<&QualifiedName> = catalog
        .tables
        .values()
        .flat_map(|t| {
            let uses = &uses;
            t.columns
                .iter()
                .filter_map(move |c| serial_type(catalog, uses, t, c).map(|_| (t, c)))
        })
        .filter_map(|(t, c)| {
            catalog
                .sequences
                .values()
                .find(|s| {
                    s.owned_by
                        .as_ref()
                        .is_some_and(|(tb, col)| *tb == t.name && *col == c.name)
                })
                .map(|s| &s.name)
        })
        .collect();
    for q in catalog.sequences.values() {
        let identity = q.owned_by.as_ref().is_some_and(|(t, c)| {
            catalog
                .table(t)
                .and_then(|t| t.column(c))
                .is_some_and(|c| c.identity.is_some())
        });
        if identity || serial_seqs.contains(&&q.name) {
            continue;
        }
        project.push(format!(
            "CREATE SEQUENCE {} AS {} INCREMENT {} MINVALUE {} MAXVALUE {} START {}{};",
            type_sql(&q.name),
            q.data_type,
            q.increment,
            q.min_value,
            q.max_value,
            q.start,
            if q.cycle { " CYCLE" } else { "" }
        ));
    }
    for c in catalog.composite_types.values() {
        let attrs: Vec<String> = c
            .attributes
            .iter()
            .map(|(n, t)| format!("{} {t}", plumb_catalog::quote_ident(n)))
            .collect();
        project.push(format!(
            "CREATE TYPE {} AS ({});",
            type_sql(&c.name),
            attrs.join(", ")
        ));
    }
    // Functions (which indexes, checks and defaults may call), then what DBML's table and ref
    // syntax cannot say: unlogged tables, identity ALWAYS and deferrable foreign keys.
    for f in catalog.functions.values() {
        if let Some(d) = &f.definition {
            project.push(d.clone());
        }
    }
    for a in catalog.aggregates.values() {
        project.push(a.create_sql());
    }
    // Views (and a materialized view's indexes) as their statements, readers after what they
    // read: the import creates them after the tables.
    let views: Vec<&plumb_catalog::View> = catalog.views.values().collect();
    for v in catalog.views_in_creation_order(&views) {
        let Some(d) = &v.definition else { continue };
        project.push(d.clone());
        for i in catalog.indexes_of(&v.name) {
            project.push(view_index_sql(catalog, i));
        }
    }
    for t in catalog.tables.values() {
        if t.unlogged {
            project.push(format!("ALTER TABLE {} SET UNLOGGED;", type_sql(&t.name)));
        }
        for c in &t.columns {
            if c.identity == Some(Identity::Always) {
                project.push(format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET GENERATED ALWAYS;",
                    type_sql(&t.name),
                    plumb_catalog::quote_ident(&c.name)
                ));
            }
        }
        for fk in t.foreign_keys().filter(|k| k.deferrable) {
            project.push(format!(
                "ALTER TABLE {} ALTER CONSTRAINT {} {};",
                type_sql(&t.name),
                plumb_catalog::quote_ident(&fk.name),
                deferrable_sql(fk)
            ));
        }
    }
    // What neither DBML nor this note carries is named, so nothing is lost without a word.
    if let Some(line) = not_carried(catalog) {
        project.insert(usize::from(!extensions.is_empty()), line);
    }
    if !project.is_empty() {
        let _ = writeln!(
            out,
            "Project schema {{\n  database_type: 'PostgreSQL'\n  Note: {}\n}}\n",
            dbml_string(&project.join("\n"))
        );
    }
    for e in catalog.enums.values() {
        let _ = writeln!(out, "Enum {} {{", dbml_name(&e.name));
        for v in &e.values {
            let _ = writeln!(
                out,
                "  {}",
                if plain_ident(v) {
                    v.clone()
                } else {
                    format!("\"{}\"", v.replace('"', "\\\""))
                }
            );
        }
        if let Some(c) = &e.comment {
            let _ = writeln!(out, "  Note: {}", dbml_string(c));
        }
        out.push_str("}\n\n");
    }
    for t in catalog.tables.values() {
        let _ = writeln!(out, "Table {} {{", dbml_name(&t.name));
        let pk = single_column_pk(t);
        for c in &t.columns {
            let mut settings = Vec::new();
            if pk == Some(c.name.as_str()) {
                settings.push("pk".to_owned());
            }
            // A column fed by a sequence it owns is written as the serial type that makes one
            // (an identity column as `increment`, which the import makes an identity).
            let serial = serial_type(catalog, &uses, t, c);
            if c.identity.is_some() {
                settings.push("increment".to_owned());
            }
            if c.not_null && pk != Some(c.name.as_str()) {
                settings.push("not null".to_owned());
            }
            if single_column_unique(t, &c.name) {
                settings.push("unique".to_owned());
            }
            if let Some(d) = c
                .default
                .as_deref()
                .filter(|d| serial.is_none() || !d.starts_with("nextval("))
            {
                settings.push(format!("default: {}", dbml_default(d)));
            }
            if let Some(n) = &c.comment {
                settings.push(format!("note: {}", dbml_string(n)));
            }
            let settings = settings_suffix(&settings);
            let _ = writeln!(
                out,
                "  {} {}{settings}",
                dbml_ident(&c.name),
                serial.map_or_else(
                    // DBML has no collation setting: the type carries it, as in SQL.
                    || match &c.collation {
                        Some(coll) => dbml_type(&format!(
                            "{} COLLATE {}",
                            c.type_name,
                            collation_sql(catalog, coll)
                        )),
                        None => dbml_type(&c.type_name),
                    },
                    str::to_owned
                )
            );
        }
        let mut index_lines = Vec::new();
        let mut table_notes: Vec<String> = Vec::new();
        if let Some(k) = t.primary_key().filter(|k| k.columns.len() > 1) {
            let cols: Vec<String> = k.columns.iter().map(|c| dbml_ident(c)).collect();
            index_lines.push(format!("({}) [pk]", cols.join(", ")));
        }
        for i in catalog.indexes_of(&t.name) {
            if t.primary_key().is_some_and(|k| k.name == i.name.name) {
                continue;
            }
            if i.unique && i.columns.len() == 1 && single_column_unique(t, &i.columns[0]) {
                continue;
            }
            // A key with a collation, operator class or order is written as the index element
            // PostgreSQL takes (`name gin_trgm_ops`), in backticks.
            let cols: Vec<String> = i
                .columns
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let suffix = i
                        .key_options
                        .get(k)
                        .map(|o| key_suffix(catalog, o))
                        .unwrap_or_default();
                    if t.column(c).is_some() && suffix.is_empty() {
                        dbml_ident(c)
                    } else if t.column(c).is_some() {
                        format!("`{}{suffix}`", plumb_catalog::quote_ident(c))
                    } else if suffix.is_empty() {
                        format!("`{}`", c.replace('`', "\\`"))
                    } else {
                        format!("`({}){suffix}`", c.replace('`', "\\`"))
                    }
                })
                .collect();
            if i.columns.iter().any(|c| calls_schema_function(catalog, c)) {
                table_notes.push(format!(
                    "Index {} calls the schema's functions (not in DBML): {}",
                    i.name.name,
                    i.columns.join(", ")
                ));
                continue;
            }
            let key = if cols.len() == 1 {
                cols[0].clone()
            } else {
                format!("({})", cols.join(", "))
            };
            let mut settings = vec![format!("name: {}", dbml_string(&i.name.name))];
            if i.unique {
                settings.push("unique".to_owned());
            }
            if i.method != "btree" {
                settings.push(format!("type: {}", i.method));
            }
            // What DBML has no syntax for goes in the note as the SQL clause it is, which
            // `plumb schema import` appends to the index.
            let mut clauses = Vec::new();
            // An index that is a UNIQUE constraint's says so (`CONSTRAINT`), so the import adds
            // the constraint (foreign keys and ON CONFLICT may name it), deferrable as it was.
            let constraint = t
                .constraints
                .iter()
                .find(|k| k.kind == ConstraintKind::Unique && k.name == i.name.name);
            if constraint.is_some() {
                clauses.push("CONSTRAINT".to_owned());
            }
            clauses.extend(include_and_where(i));
            if let Some(k) = constraint.filter(|k| k.deferrable) {
                clauses.push(deferrable_sql(k));
            }
            if !clauses.is_empty() {
                settings.push(format!("note: {}", dbml_string(&clauses.join(" "))));
            }
            index_lines.push(format!("{key} [{}]", settings.join(", ")));
        }
        if !index_lines.is_empty() {
            out.push_str("\n  Indexes {\n");
            for l in index_lines {
                let _ = writeln!(out, "    {l}");
            }
            out.push_str("  }\n");
        }
        // A check that calls a function of the schema cannot load without it, and DBML has no
        // functions: it goes in the table's note instead.
        let (checks, noted): (Vec<NamedExpr<'_>>, Vec<NamedExpr<'_>>) = t
            .constraints
            .iter()
            .filter_map(|c| match &c.kind {
                ConstraintKind::Check { expr, .. } => Some((c.name.as_str(), expr.as_str())),
                _ => None,
            })
            .partition(|(_, e)| !calls_schema_function(catalog, e));
        if !noted.is_empty() {
            let lines: Vec<String> = noted
                .iter()
                .map(|(n, e)| format!("CONSTRAINT {} CHECK ({e})", plumb_catalog::quote_ident(n)))
                .collect();
            table_notes.push(format!(
                "Checks that call the schema's functions (not in DBML): {}",
                lines.join("; ")
            ));
        }
        if !checks.is_empty() {
            out.push_str("\n  checks {\n");
            for (name, expr) in checks {
                let _ = writeln!(
                    out,
                    "    `{}` [name: {}]",
                    expr.replace('`', "\\`"),
                    dbml_string(name)
                );
            }
            out.push_str("  }\n");
        }
        if let Some(c) = &t.comment {
            let _ = writeln!(out, "\n  Note: {}", dbml_string(c));
        }
        for n in table_notes {
            let _ = writeln!(out, "  // {}", n.replace('\n', " "));
        }
        out.push_str("}\n\n");
    }
    for t in catalog.tables.values() {
        for fk in t.foreign_keys() {
            let ConstraintKind::ForeignKey {
                references,
                ref_columns,
                on_delete,
                on_update,
            } = &fk.kind
            else {
                continue;
            };
            let side = |table: &QualifiedName, cols: &[String]| {
                let cols: Vec<String> = cols.iter().map(|c| dbml_ident(c)).collect();
                if cols.len() == 1 {
                    format!("{}.{}", dbml_name(table), cols[0])
                } else {
                    format!("{}.({})", dbml_name(table), cols.join(", "))
                }
            };
            let mut settings = Vec::new();
            if *on_delete != FkAction::NoAction {
                settings.push(format!("delete: {}", fk_action_dbml(*on_delete)));
            }
            if *on_update != FkAction::NoAction {
                settings.push(format!("update: {}", fk_action_dbml(*on_update)));
            }
            let settings = settings_suffix(&settings);
            let _ = writeln!(
                out,
                "Ref {}: {} > {}{settings}",
                dbml_ident(&fk.name),
                side(&t.name, &fk.columns),
                side(references, ref_columns)
            );
        }
    }
    out
}

fn mermaid_entity(name: &QualifiedName) -> String {
    display(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn mermaid_type(t: &str) -> String {
    t.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-[]()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Mermaid `erDiagram`: tables with their columns (PK, FK, UK markers and comments) and one
/// relationship per foreign key, optional or mandatory by the nullability of its columns.
pub fn render_mermaid(catalog: &Catalog) -> String {
    let mut out = String::from("erDiagram\n");
    for t in catalog.tables.values() {
        let entity = mermaid_entity(&t.name);
        let label = display(&t.name);
        if entity == label {
            let _ = writeln!(out, "  {entity} {{");
        } else {
            let _ = writeln!(out, "  {entity}[\"{label}\"] {{");
        }
        let pk: Vec<&String> = t
            .primary_key()
            .map(|k| k.columns.iter().collect())
            .unwrap_or_default();
        for c in &t.columns {
            let mut keys = Vec::new();
            if pk.iter().any(|p| **p == c.name) {
                keys.push("PK");
            }
            if t.foreign_keys()
                .any(|f| f.columns.iter().any(|x| *x == c.name))
            {
                keys.push("FK");
            }
            if single_column_unique(t, &c.name) {
                keys.push("UK");
            }
            let comment = c
                .comment
                .as_deref()
                .map(|n| format!(" \"{}\"", n.replace('"', "'")))
                .unwrap_or_default();
            let name: String = c
                .name
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '_' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "    {} {name}{}{comment}",
                mermaid_type(&c.type_name),
                if keys.is_empty() {
                    String::new()
                } else {
                    format!(" {}", keys.join(", "))
                }
            );
        }
        out.push_str("  }\n");
    }
    for t in catalog.tables.values() {
        for fk in t.foreign_keys() {
            let ConstraintKind::ForeignKey { references, .. } = &fk.kind else {
                continue;
            };
            let mandatory = fk
                .columns
                .iter()
                .all(|c| t.column(c).is_some_and(|c| c.not_null));
            let unique = t.constraints.iter().any(|k| {
                matches!(k.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique)
                    && k.columns == fk.columns
            });
            let parent = if mandatory { "||" } else { "|o" };
            let child = if unique { "o|" } else { "o{" };
            let _ = writeln!(
                out,
                "  {} {parent}--{child} {} : \"{}\"",
                mermaid_entity(references),
                mermaid_entity(&t.name),
                fk.name.replace('"', "'")
            );
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn column_type_md(c: &Column) -> String {
    let mut t = c.type_name.clone();
    match c.identity {
        Some(Identity::Always) => t.push_str(" (identity always)"),
        Some(Identity::ByDefault) => t.push_str(" (identity)"),
        None => {}
    }
    if c.generated.is_some() {
        t.push_str(" (generated)");
    }
    t.to_string()
}

/// A reference into a table: the referencing table, the constraint, its columns.
type Incoming<'a> = (&'a QualifiedName, &'a str, &'a [String]);

/// A Markdown data dictionary: one section per table with its columns, keys, constraints,
/// indexes, references out and in, comments, and size and rows when read from a live database.
pub fn render_markdown_dictionary(catalog: &Catalog) -> String {
    let mut out = String::from("# Data dictionary\n\n");
    if let Some(db) = &catalog.database {
        let _ = writeln!(
            out,
            "Database `{}` (server {}).\n",
            db.name, db.server_version_num
        );
    }
    let _ = writeln!(
        out,
        "{} tables, {} views, {} indexes, {} enum types.\n",
        catalog.tables.len(),
        catalog.views.len(),
        catalog.indexes.len(),
        catalog.enums.len()
    );
    // Incoming references, by referenced table.
    let mut incoming: BTreeMap<&QualifiedName, Vec<Incoming<'_>>> = BTreeMap::new();
    for t in catalog.tables.values() {
        for fk in t.foreign_keys() {
            if let ConstraintKind::ForeignKey { references, .. } = &fk.kind {
                incoming
                    .entry(references)
                    .or_default()
                    .push((&t.name, &fk.name, &fk.columns));
            }
        }
    }
    out.push_str("## Tables\n\n");
    for t in catalog.tables.values() {
        let _ = writeln!(
            out,
            "- [{}](#{})",
            display(&t.name),
            anchor(&display(&t.name))
        );
    }
    out.push('\n');
    for t in catalog.tables.values() {
        let _ = writeln!(out, "## {}\n", display(&t.name));
        if let Some(c) = &t.comment {
            let _ = writeln!(out, "{}\n", c.trim());
        }
        let mut facts = Vec::new();
        if t.kind == plumb_catalog::TableKind::Partitioned {
            facts.push(format!("partitioned by ({})", t.partition_key.join(", ")));
        }
        if let Some(p) = &t.partition_of {
            facts.push(format!("partition of {}", display(p)));
        }
        if t.unlogged {
            facts.push("unlogged".to_owned());
        }
        if t.rls_enabled {
            facts.push(format!(
                "row-level security ({} policies)",
                t.policies.len()
            ));
        }
        if let Some(s) = &t.stats {
            if let Some(rows) = s.estimated_rows {
                facts.push(format!("~{rows} rows"));
            }
            facts.push(format!(
                "{} table, {} indexes, {} TOAST",
                human_bytes(s.table_bytes),
                human_bytes(s.index_bytes),
                human_bytes(s.toast_bytes)
            ));
        }
        if let Some(o) = &t.owner {
            facts.push(format!("owner {o}"));
        }
        if !facts.is_empty() {
            let _ = writeln!(out, "_{}_\n", facts.join(" · "));
        }
        out.push_str(
            "| Column | Type | Null | Default | Key | Comment |\n|---|---|---|---|---|---|\n",
        );
        let pk: Vec<&String> = t
            .primary_key()
            .map(|k| k.columns.iter().collect())
            .unwrap_or_default();
        for c in &t.columns {
            let mut keys = Vec::new();
            if pk.iter().any(|p| **p == c.name) {
                keys.push("PK".to_owned());
            }
            for fk in t
                .foreign_keys()
                .filter(|f| f.columns.iter().any(|x| *x == c.name))
            {
                if let ConstraintKind::ForeignKey { references, .. } = &fk.kind {
                    keys.push(format!("FK → {}", display(references)));
                }
            }
            if single_column_unique(t, &c.name) {
                keys.push("UNIQUE".to_owned());
            }
            let default = c
                .default
                .as_deref()
                .or(c.generated.as_deref())
                .map(|d| format!("`{}`", md_escape(d)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {default} | {} | {} |",
                md_escape(&c.name),
                md_escape(&column_type_md(c)),
                if c.not_null { "no" } else { "yes" },
                keys.join(", "),
                md_escape(c.comment.as_deref().unwrap_or_default())
            );
        }
        out.push('\n');
        let checks: Vec<_> = t
            .constraints
            .iter()
            .filter_map(|c| match &c.kind {
                ConstraintKind::Check { expr, .. } => Some((c, expr)),
                _ => None,
            })
            .collect();
        if !checks.is_empty() {
            out.push_str("**Checks**\n\n");
            for (c, expr) in checks {
                let valid = if c.validated { "" } else { " (NOT VALID)" };
                let _ = writeln!(out, "- `{}`: `{}`{valid}", c.name, md_escape(expr));
            }
            out.push('\n');
        }
        let indexes: Vec<_> = catalog.indexes_of(&t.name).collect();
        if !indexes.is_empty() {
            out.push_str("**Indexes**\n\n");
            for i in indexes {
                let mut extra = Vec::new();
                if i.unique {
                    extra.push("unique".to_owned());
                }
                if i.method != "btree" {
                    extra.push(i.method.clone());
                }
                if let Some(p) = &i.predicate {
                    extra.push(format!("where `{}`", md_escape(p)));
                }
                if !i.include.is_empty() {
                    extra.push(format!("include ({})", i.include.join(", ")));
                }
                if let Some(s) = &i.stats {
                    extra.push(human_bytes(s.bytes));
                    if let Some(n) = s.idx_scan {
                        extra.push(format!("{n} scans"));
                    }
                }
                if !i.valid {
                    extra.push("INVALID".to_owned());
                }
                let _ = writeln!(
                    out,
                    "- `{}` ({}){}",
                    i.name.name,
                    md_escape(&i.columns.join(", ")),
                    if extra.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", extra.join(", "))
                    }
                );
            }
            out.push('\n');
        }
        let outgoing: Vec<_> = t.foreign_keys().collect();
        if !outgoing.is_empty() {
            out.push_str("**References**\n\n");
            for fk in outgoing {
                if let ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    on_delete,
                    ..
                } = &fk.kind
                {
                    let _ = writeln!(
                        out,
                        "- ({}) → [{}](#{}) ({}), on delete {}",
                        fk.columns.join(", "),
                        display(references),
                        anchor(&display(references)),
                        ref_columns.join(", "),
                        on_delete.sql().to_ascii_lowercase()
                    );
                }
            }
            out.push('\n');
        }
        if let Some(refs) = incoming.get(&t.name) {
            out.push_str("**Referenced by**\n\n");
            for (from, name, cols) in refs {
                let _ = writeln!(
                    out,
                    "- [{}](#{}) ({}) via `{name}`",
                    display(from),
                    anchor(&display(from)),
                    cols.join(", ")
                );
            }
            out.push('\n');
        }
    }
    if !catalog.enums.is_empty() {
        out.push_str("## Enum types\n\n");
        for e in catalog.enums.values() {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                display(&e.name),
                e.values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push('\n');
    }
    if !catalog.views.is_empty() {
        out.push_str("## Views\n\n");
        for v in catalog.views.values() {
            let kind = if v.materialized {
                "materialized view"
            } else {
                "view"
            };
            let comment = v
                .comment
                .as_deref()
                .map(|c| format!(": {}", c.trim()))
                .unwrap_or_default();
            let _ = writeln!(out, "- `{}` ({kind}){comment}", display(&v.name));
        }
        out.push('\n');
    }
    out
}

/// GitHub's heading anchor for a heading text.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}
