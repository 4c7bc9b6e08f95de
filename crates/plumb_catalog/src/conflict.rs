//! Statements that create what already exists: PostgreSQL refuses them, so the catalog keeps
//! the first object and says why ([`Catalog::already_exists`]).
//!
//! Relations (tables, views, sequences, indexes, composite types) share one namespace per
//! schema; every relation but an index also has a row type, which shares the type namespace
//! with enums and domains.

use plumb_sql::ast::strings;
use plumb_sql::protobuf::{self, AlterTableType, ObjectType};
use plumb_sql::NodeEnum;

use crate::model::{Catalog, Function, QualifiedName, DEFAULT_SCHEMA};

impl Catalog {
    /// Whether a relation of that name exists (tables, views, sequences, indexes, composite
    /// types share one namespace).
    pub(crate) fn relation_exists(&self, name: &QualifiedName) -> bool {
        self.tables.contains_key(name)
            || self.indexes.contains_key(name)
            || self.sequences.contains_key(name)
            || self.views.contains_key(name)
            || self.composite_types.contains_key(name)
    }

    /// Whether a type of that name exists: an enum, a domain, or a relation's row type.
    pub(crate) fn type_exists(&self, name: &QualifiedName) -> bool {
        self.enums.contains_key(name)
            || self.domains.contains_key(name)
            || self.composite_types.contains_key(name)
            || self.tables.contains_key(name)
            || self.views.contains_key(name)
            || self.sequences.contains_key(name)
    }

    fn relation_conflict(&self, name: &QualifiedName) -> Option<String> {
        if self.relation_exists(name) {
            Some(format!("relation {} already exists", display(name)))
        } else if self.type_exists(name) {
            Some(format!("type {} already exists", display(name)))
        } else {
            None
        }
    }

    /// Why PostgreSQL would refuse the statement because something it creates already exists
    /// (without `IF NOT EXISTS` / `OR REPLACE`), as PostgreSQL says it; `None` when it would
    /// not. Names must already be resolved ([`crate::qualify`]).
    pub fn already_exists(&self, stmt: &NodeEnum) -> Option<String> {
        match stmt {
            NodeEnum::CreateStmt(c) if !c.if_not_exists => {
                let rv = c.relation.as_ref()?;
                if rv.relpersistence == "t" {
                    return None;
                }
                self.relation_conflict(&QualifiedName::from_range_var(rv))
            }
            NodeEnum::CreateTableAsStmt(c) if !c.if_not_exists => {
                let rv = c.into.as_ref()?.rel.as_ref()?;
                self.relation_conflict(&QualifiedName::from_range_var(rv))
            }
            NodeEnum::ViewStmt(v) if !v.replace => {
                let rv = v.view.as_ref()?;
                self.relation_conflict(&QualifiedName::from_range_var(rv))
            }
            NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => {
                self.relation_conflict(&QualifiedName::from_range_var(s.sequence.as_ref()?))
            }
            NodeEnum::CompositeTypeStmt(c) => {
                self.relation_conflict(&QualifiedName::from_range_var(c.typevar.as_ref()?))
            }
            NodeEnum::IndexStmt(i) if !i.if_not_exists && !i.idxname.is_empty() => {
                let rv = i.relation.as_ref()?;
                let schema = Some(rv.schemaname.as_str()).filter(|s| !s.is_empty());
                let name = QualifiedName::new(schema, &i.idxname);
                self.relation_exists(&name)
                    .then(|| format!("relation {} already exists", display(&name)))
            }
            NodeEnum::CreateEnumStmt(e) => self.type_conflict(&strings(&e.type_name)),
            NodeEnum::CreateRangeStmt(e) => self.type_conflict(&strings(&e.type_name)),
            NodeEnum::CreateDomainStmt(d) => self.type_conflict(&strings(&d.domainname)),
            NodeEnum::CreateSchemaStmt(s) if !s.if_not_exists => {
                // `public` is in every new database; dumps and scripts that create it are
                // common and harmless to the model.
                (s.schemaname != DEFAULT_SCHEMA && self.schemas.contains(&s.schemaname))
                    .then(|| format!("schema {} already exists", quote(&s.schemaname)))
            }
            NodeEnum::CreateExtensionStmt(e) if !e.if_not_exists => self
                .extensions
                .contains_key(&e.extname)
                .then(|| format!("extension {} already exists", quote(&e.extname))),
            NodeEnum::CreateFunctionStmt(f) if !f.replace => {
                let name = QualifiedName::from_parts(&strings(&f.funcname))?;
                let key = Function::key(&name, &crate::objects::function_args(&f.parameters));
                self.functions.get(&key).map(|_| {
                    let kind = if f.is_procedure {
                        "procedure"
                    } else {
                        "function"
                    };
                    format!("{kind} {key} already exists with the same argument types")
                })
            }
            NodeEnum::DefineStmt(d)
                if !d.if_not_exists
                    && d.kind == plumb_sql::protobuf::ObjectType::ObjectCollation as i32 =>
            {
                let name = QualifiedName::from_parts(&strings(&d.defnames))?;
                self.collations
                    .contains_key(&name)
                    .then(|| format!("collation {} already exists", display(&name)))
            }
            NodeEnum::DefineStmt(d)
                if d.kind == plumb_sql::protobuf::ObjectType::ObjectTsconfiguration as i32 =>
            {
                let name = QualifiedName::from_parts(&strings(&d.defnames))?;
                self.text_search_configs.contains_key(&name).then(|| {
                    format!(
                        "text search configuration {} already exists",
                        display(&name)
                    )
                })
            }
            NodeEnum::CreateTrigStmt(t) if !t.replace => {
                let table = QualifiedName::from_range_var(t.relation.as_ref()?);
                self.table(&table)?
                    .triggers
                    .iter()
                    .any(|x| x.name == t.trigname)
                    .then(|| {
                        format!(
                            "trigger {} for relation {} already exists",
                            quote(&t.trigname),
                            display(&table)
                        )
                    })
            }
            NodeEnum::CreatePolicyStmt(p) => {
                let table = QualifiedName::from_range_var(p.table.as_ref()?);
                self.table(&table)?
                    .policies
                    .iter()
                    .any(|x| x.name == p.policy_name)
                    .then(|| {
                        format!(
                            "policy {} for table {} already exists",
                            quote(&p.policy_name),
                            display(&table)
                        )
                    })
            }
            NodeEnum::AlterTableStmt(a) if a.objtype == ObjectType::ObjectTable as i32 => {
                let table = QualifiedName::from_range_var(a.relation.as_ref()?);
                let t = self.table(&table)?;
                // Subcommands run in order: `DROP CONSTRAINT k, ADD CONSTRAINT k ...` is fine.
                let mut names = Names::default();
                a.cmds.iter().find_map(|cmd| match cmd.node.as_ref() {
                    Some(NodeEnum::AlterTableCmd(cmd)) => alter_conflict(t, cmd, &mut names),
                    _ => None,
                })
            }
            NodeEnum::RenameStmt(r) if r.relation.is_some() => {
                let target = QualifiedName::from_range_var(r.relation.as_ref()?);
                match ObjectType::try_from(r.rename_type).ok()? {
                    ObjectType::ObjectTable
                    | ObjectType::ObjectView
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectSequence
                    | ObjectType::ObjectIndex
                    | ObjectType::ObjectForeignTable => {
                        let new = QualifiedName::new(Some(&target.schema), &r.newname);
                        (new != target && self.relation_exists(&target))
                            .then(|| self.relation_conflict(&new))
                            .flatten()
                    }
                    ObjectType::ObjectColumn => {
                        let t = self.table(&target)?;
                        (r.subname != r.newname
                            && t.column(&r.subname).is_some()
                            && t.column(&r.newname).is_some())
                        .then(|| {
                            format!(
                                "column {} of relation {} already exists",
                                quote(&r.newname),
                                display(&target)
                            )
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn type_conflict(&self, parts: &[&str]) -> Option<String> {
        let name = QualifiedName::from_parts(parts)?;
        self.type_exists(&name)
            .then(|| format!("type {} already exists", display(&name)))
    }
}

/// Columns and constraints the earlier subcommands of one ALTER TABLE dropped and added.
#[derive(Default)]
struct Names {
    dropped_columns: Vec<String>,
    added_columns: Vec<String>,
    dropped_constraints: Vec<String>,
    added_constraints: Vec<String>,
}

fn alter_conflict(
    t: &crate::model::Table,
    cmd: &protobuf::AlterTableCmd,
    names: &mut Names,
) -> Option<String> {
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    match AlterTableType::try_from(cmd.subtype).ok()? {
        AlterTableType::AtDropColumn => {
            // The constraints that use the column go with it.
            for c in t
                .constraints
                .iter()
                .filter(|c| c.columns.contains(&cmd.name))
            {
                names.dropped_constraints.push(c.name.clone());
            }
            names.dropped_columns.push(cmd.name.clone());
        }
        AlterTableType::AtDropConstraint => names.dropped_constraints.push(cmd.name.clone()),
        AlterTableType::AtAddColumn => {
            let Some(NodeEnum::ColumnDef(col)) = def else {
                return None;
            };
            let name = &col.colname;
            let exists = names.added_columns.contains(name)
                || (t.column(name).is_some() && !names.dropped_columns.contains(name));
            if exists && !cmd.missing_ok {
                return Some(format!(
                    "column {} of relation {} already exists",
                    quote(name),
                    display(&t.name)
                ));
            }
            names.added_columns.push(name.clone());
        }
        AlterTableType::AtAddConstraint => {
            let Some(NodeEnum::Constraint(con)) = def else {
                return None;
            };
            if con.conname.is_empty() {
                return None;
            }
            let name = &con.conname;
            let exists = names.added_constraints.contains(name)
                || (t.constraint(name).is_some() && !names.dropped_constraints.contains(name));
            if exists {
                return Some(format!(
                    "constraint {} for relation {} already exists",
                    quote(name),
                    display(&t.name)
                ));
            }
            names.added_constraints.push(name.clone());
        }
        _ => {}
    }
    None
}

fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

fn display(name: &QualifiedName) -> String {
    format!("\"{}.{}\"", name.schema, name.name)
}

#[cfg(test)]
mod tests {
    use crate::{Applied, Catalog, QualifiedName};

    fn conflicts(sql: &str) -> Vec<String> {
        let mut c = Catalog::default();
        let parsed = plumb_sql::parse(sql);
        let mut out = Vec::new();
        for s in &parsed.statements {
            if let Applied::AlreadyExists(m) = c.apply(&s.node) {
                out.push(m);
            }
        }
        out
    }

    #[test]
    fn creating_what_exists_is_refused_and_the_first_object_kept() {
        let mut c = Catalog::default();
        c.apply_sql(
            "CREATE TABLE t (id int PRIMARY KEY, x text); CREATE TABLE t (id bigint, y int);",
        );
        let t = c.table(&QualifiedName::new(None, "t")).expect("t");
        assert!(t.column("x").is_some() && t.column("y").is_none());
        assert_eq!(
            conflicts(
                "CREATE TABLE t (id int); CREATE TABLE t (id int);
                 CREATE TABLE IF NOT EXISTS t (id int);
                 CREATE INDEX i ON t (id); CREATE INDEX i ON t (id); CREATE INDEX IF NOT EXISTS i ON t (id);
                 CREATE SEQUENCE t;
                 CREATE TYPE t AS ENUM ('a');
                 CREATE TYPE e AS ENUM ('a'); CREATE DOMAIN e AS int;
                 CREATE VIEW v AS SELECT 1; CREATE VIEW v AS SELECT 2; CREATE OR REPLACE VIEW v AS SELECT 3;
                 ALTER TABLE t ADD COLUMN id int; ALTER TABLE t ADD COLUMN IF NOT EXISTS id int;
                 ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0); ALTER TABLE t ADD CONSTRAINT c CHECK (id > 1);
                 CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
                 CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 2';
                 CREATE FUNCTION f(text) RETURNS int LANGUAGE sql AS 'SELECT 2';
                 CREATE SCHEMA s; CREATE SCHEMA s; CREATE SCHEMA IF NOT EXISTS s; CREATE SCHEMA public;
                 ALTER TABLE t RENAME TO v; ALTER TABLE t RENAME COLUMN id TO id;
                 CREATE TEMP TABLE t (id int);
                 ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (id > 2);
                 ALTER TABLE t DROP COLUMN id, ADD COLUMN id bigint, ADD CONSTRAINT c CHECK (id > 3);
                 ALTER TABLE t ADD COLUMN n int, ADD COLUMN n int;"
            ),
            [
                "relation \"public.t\" already exists",
                "relation \"public.i\" already exists",
                "relation \"public.t\" already exists",
                "type \"public.t\" already exists",
                "type \"public.e\" already exists",
                "relation \"public.v\" already exists",
                "column \"id\" of relation \"public.t\" already exists",
                "constraint \"c\" for relation \"public.t\" already exists",
                "function public.f(int4) already exists with the same argument types",
                "schema \"s\" already exists",
                "relation \"public.v\" already exists",
                "column \"n\" of relation \"public.t\" already exists",
            ]
        );
    }
}
