use plumb_catalog::{Catalog, ConstraintKind, FkAction, QualifiedName};

use super::*;

const DESIGN: &str = include_str!("../../../examples/design/shop.dbml");

fn catalog(ddl: &str) -> Catalog {
    let mut c = Catalog::default();
    let applied = c.apply_sql(ddl);
    assert!(applied.errors.is_empty(), "{:?}\n{ddl}", applied.errors);
    assert!(applied.skipped.is_empty(), "{:?}", applied.skipped);
    c
}

#[test]
fn design_becomes_ddl_and_catalog() {
    let ddl = to_ddl(DESIGN).unwrap();
    assert!(plumb_sql::parses(&ddl), "{ddl}");
    let c = catalog(&ddl);
    let users = c.table(&QualifiedName::new(None, "users")).unwrap();
    assert!(users.column("id").unwrap().identity.is_some());
    assert_eq!(users.column("email").unwrap().type_name, "varchar(255)");
    assert_eq!(users.comment.as_deref(), Some("People who buy"));
    assert_eq!(
        users.column("email").unwrap().comment.as_deref(),
        Some("login")
    );
    let orders = c.table(&QualifiedName::new(Some("app"), "orders")).unwrap();
    assert_eq!(
        orders.column("status").unwrap().type_name,
        "app.order_status"
    );
    assert_eq!(orders.column("tags").unwrap().type_name, "text[]");
    let fk = orders.foreign_keys().next().unwrap();
    assert!(
        matches!(&fk.kind, ConstraintKind::ForeignKey { references, .. } if references.name == "users")
    );
    let items = c.table(&QualifiedName::new(None, "order_items")).unwrap();
    assert_eq!(items.primary_key().unwrap().columns, ["order_id", "line"]);
    let fk = items.constraint("items_order").unwrap();
    assert!(matches!(
        &fk.kind,
        ConstraintKind::ForeignKey {
            on_delete: FkAction::Cascade,
            ..
        }
    ));
    assert_eq!(
        c.enums[&QualifiedName::new(Some("app"), "order_status")].values,
        ["pending", "paid", "on hold"]
    );
    assert!(c
        .indexes
        .contains_key(&QualifiedName::new(Some("app"), "orders_user_status_idx")));
    assert!(c.indexes.values().any(|i| i.method == "brin"));
    assert!(c.indexes.values().any(|i| i.columns == ["lower(note)"]));
}

#[test]
fn errors_name_the_line_and_column() {
    let cases = [
        ("Table t {\n  id string\n}", "2:6", "not a PostgreSQL type"),
        (
            "Table t {\n  id int [note: 'open\n}",
            "2:17",
            "unterminated string",
        ),
        (
            "Table a { id int }\nTable b { id int }\nRef: a.id <> b.id",
            "3:6",
            "junction table",
        ),
        ("Table a { id int [wat] }", "1:19", "unknown setting `wat`"),
        ("Tabel a { id int }", "1:1", "expected Table"),
        (
            "Table a { id int }\nRef: a.id > missing.id",
            "2:6",
            "not declared",
        ),
        ("Table a {\n  id int\n", "2:6", "missing `}`"),
    ];
    for (text, at, message) in cases {
        let e = to_ddl(text).unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.starts_with(at) && shown.contains(message),
            "{text:?}: {shown}"
        );
    }
}

#[test]
fn no_prefix_or_byte_garbage_panics() {
    let bytes = DESIGN.as_bytes();
    for n in 0..bytes.len() {
        if let Ok(prefix) = std::str::from_utf8(&bytes[..n]) {
            let _ = to_ddl(prefix);
        }
    }
    for junk in [
        "`",
        "\"",
        "'''",
        "[",
        "Table",
        "Ref:",
        "Enum e {}",
        "Table t { a int [default: -] }",
        "Table t { a int [ref: ] }",
        "\u{0}",
    ] {
        let _ = to_ddl(junk);
    }
}

/// The example's schema survives DBML: catalog → DBML (plumb schema docs) → DDL (plumb schema
/// import) → catalog keeps tables, columns, types, nullability, keys, references and indexes.
#[test]
fn dbml_round_trip_of_the_example() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop/migrations");
    let set = plumb_migrations::discover(&dir, None).unwrap();
    let mut original = Catalog::default();
    for m in &set.migrations {
        if let Some(up) = &m.up {
            original.apply_sql(&up.text);
        }
    }
    let dbml = plumb_report::schema_docs::render_dbml(&original);
    let ddl = to_ddl(&dbml).unwrap_or_else(|e| panic!("{e}\n{dbml}"));
    let back = catalog(&ddl);
    assert_eq!(
        original.tables.keys().collect::<Vec<_>>(),
        back.tables.keys().collect::<Vec<_>>()
    );
    for (name, t) in &original.tables {
        let b = &back.tables[name];
        let shape = |t: &plumb_catalog::Table| {
            t.columns
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.type_name.clone(),
                        c.not_null,
                        c.default.clone().filter(|d| !d.starts_with("nextval(")),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(t), shape(b), "{name}");
        assert_eq!(
            t.primary_key().map(|k| &k.columns),
            b.primary_key().map(|k| &k.columns),
            "{name}"
        );
        let fks = |t: &plumb_catalog::Table| {
            t.foreign_keys()
                .map(|f| (f.name.clone(), f.kind.clone(), f.columns.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(fks(t), fks(b), "{name}");
    }
    let index_keys = |c: &Catalog| {
        c.indexes
            .values()
            .map(|i| (i.table.clone(), i.columns.clone(), i.unique))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(index_keys(&original), index_keys(&back));
}

#[test]
fn project_note_sql_runs_where_it_must() {
    let dbml = r"
Project app {
  database_type: 'PostgreSQL'
  Note: '''extensions: unaccent
This schema keeps its functions here.
CREATE FUNCTION public.norm(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT regexp_replace($1, '\\s+', ' ') $$;
CREATE FUNCTION public.latest() RETURNS SETOF users LANGUAGE sql AS $$ SELECT * FROM users $$;
CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
ALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS;'''
}
Table users {
  id integer [pk, increment]
  name text
  Indexes {
    `norm(name)` [name: 'users_norm']
  }
}
";
    let ddl = to_ddl(dbml).expect("imports");
    let at = |s: &str| {
        ddl.find(s)
            .unwrap_or_else(|| panic!("{s} missing from\n{ddl}"))
    };
    // Prose is a note only; the backslash survives the DBML string.
    assert!(!ddl.contains("This schema"));
    assert!(ddl.contains(r"'\s+'"), "{ddl}");
    // Collations before tables, functions the tables use before them, a function returning a
    // table's rows after it, ALTERs at the end.
    assert!(at("CREATE COLLATION") < at("CREATE TABLE users"));
    assert!(at("CREATE FUNCTION public.norm") < at("CREATE TABLE users"));
    assert!(at("CREATE INDEX users_norm") > at("CREATE FUNCTION public.norm"));
    assert!(at("CREATE FUNCTION public.latest") > at("CREATE TABLE users"));
    assert!(at("SET GENERATED ALWAYS") > at("CREATE FUNCTION public.latest"));
    assert!(at("SET check_function_bodies = false") < at("CREATE FUNCTION public.norm"));
    assert!(plumb_sql::parse(&ddl).errors.is_empty(), "{ddl}");
}

#[test]
fn unique_constraint_notes_make_constraints() {
    let dbml = "
Table medium {
  id integer [pk]
  release integer
  position integer
  Indexes {
    (release, position) [name: 'medium_uniq', unique, note: 'CONSTRAINT DEFERRABLE INITIALLY IMMEDIATE']
    (position, release) [name: 'medium_pos', unique, note: 'constraint']
  }
}
";
    let ddl = to_ddl(dbml).expect("imports");
    assert!(
        ddl.contains("ALTER TABLE medium ADD CONSTRAINT medium_uniq UNIQUE (release, \"position\") DEFERRABLE INITIALLY IMMEDIATE;"),
        "{ddl}"
    );
    assert!(
        ddl.contains("ADD CONSTRAINT medium_pos UNIQUE (\"position\", release);"),
        "{ddl}"
    );
    assert!(!ddl.contains("CREATE UNIQUE INDEX"), "{ddl}");
}
