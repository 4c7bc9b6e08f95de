//! Name resolution as PostgreSQL does it: the `search_path` a script sets, and the unqualified
//! names of a statement read through it.
//!
//! The rest of the catalog reads an unqualified name as `public.name`, which is what PostgreSQL
//! does with its default path (`"$user", public`). A script that changes the path
//! (`SET search_path = app, public`, pg_dump's `set_config('search_path', '', false)`) is
//! followed by a [`Session`], and [`qualify`] rewrites the names of a statement (in a copy of
//! its tree) to the schemas PostgreSQL would resolve them to: a new object goes to the first
//! existing schema of the path, an existing relation, type or function is looked up along it.
//! Everything downstream (the catalog, the lock model, the rules) then sees qualified names and
//! needs no resolution of its own; with the default path nothing is copied.
//!
//! See <https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH>.

use plumb_sql::protobuf::{self, Node, ObjectType, TransactionStmtKind, VariableSetKind};
use plumb_sql::NodeEnum;

use crate::model::{Catalog, QualifiedName, DEFAULT_SCHEMA};

/// The search path of a session, as `SET`, `SET LOCAL`, `RESET` and `set_config` leave it.
///
/// A session-level `SET` lasts until changed; `SET LOCAL` (and `set_config(..., true)`) lasts
/// until the transaction ends, and does nothing outside one; `ROLLBACK` undoes a `SET` made in
/// the transaction.
#[derive(Clone, Debug)]
pub struct Session {
    session: Vec<String>,
    local: Option<Vec<String>>,
    in_tx: bool,
    /// The session-level path when the transaction began, restored by ROLLBACK.
    at_begin: Option<Vec<String>>,
}

impl Default for Session {
    fn default() -> Session {
        Session::new(false)
    }
}

/// PostgreSQL's default `search_path`.
fn default_path() -> Vec<String> {
    vec!["$user".to_owned(), DEFAULT_SCHEMA.to_owned()]
}

impl Session {
    /// A new session with the default path; `in_transaction`: the script runs inside a
    /// transaction the migration runner opened (SET LOCAL then lasts to the end of the script).
    pub fn new(in_transaction: bool) -> Session {
        Session {
            session: default_path(),
            local: None,
            in_tx: in_transaction,
            at_begin: in_transaction.then(default_path),
        }
    }

    /// A session whose path is the given schemas (as `CREATE SCHEMA s CREATE TABLE ...` sees
    /// it: the new schema first).
    pub fn with_path(path: &[&str]) -> Session {
        Session {
            session: path.iter().map(|p| (*p).to_owned()).collect(),
            ..Session::default()
        }
    }

    /// The path in effect, in order.
    pub fn path(&self) -> &[String] {
        self.local.as_deref().unwrap_or(&self.session)
    }

    /// Follows a statement that may change the path or end a transaction. Call it for every
    /// statement, before [`qualify`].
    pub fn observe(&mut self, stmt: &NodeEnum) {
        match stmt {
            NodeEnum::TransactionStmt(t) => match TransactionStmtKind::try_from(t.kind) {
                Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart)
                    if !self.in_tx =>
                {
                    self.in_tx = true;
                    self.at_begin = Some(self.session.clone());
                }
                Ok(
                    TransactionStmtKind::TransStmtCommit
                    | TransactionStmtKind::TransStmtCommitPrepared
                    | TransactionStmtKind::TransStmtPrepare,
                ) => self.end(false),
                Ok(
                    TransactionStmtKind::TransStmtRollback
                    | TransactionStmtKind::TransStmtRollbackPrepared,
                ) => self.end(true),
                _ => {}
            },
            NodeEnum::VariableSetStmt(v) => self.set(v),
            NodeEnum::SelectStmt(s) => {
                for (value, local) in plumb_sql::ast::set_config_calls(s, "search_path") {
                    if let Some(value) = plumb_sql::ast::str_const(value) {
                        self.assign(split_identifiers(value), local);
                    }
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, rolled_back: bool) {
        if rolled_back {
            if let Some(p) = self.at_begin.take() {
                self.session = p;
            }
        }
        self.local = None;
        self.in_tx = false;
        self.at_begin = None;
    }

    fn set(&mut self, v: &protobuf::VariableSetStmt) {
        let kind = VariableSetKind::try_from(v.kind).unwrap_or(VariableSetKind::Undefined);
        if kind == VariableSetKind::VarResetAll {
            self.assign(default_path(), false);
            return;
        }
        if !v.name.eq_ignore_ascii_case("search_path") {
            return;
        }
        match kind {
            // Each argument is one schema name: the parser has already folded unquoted names.
            VariableSetKind::VarSetValue => {
                let path = v
                    .args
                    .iter()
                    .filter_map(plumb_sql::ast::str_const)
                    .map(str::to_owned)
                    .collect();
                self.assign(path, v.is_local);
            }
            VariableSetKind::VarSetDefault | VariableSetKind::VarReset => {
                self.assign(default_path(), v.is_local);
            }
            _ => {}
        }
    }

    fn assign(&mut self, path: Vec<String>, local: bool) {
        if local {
            if self.in_tx {
                self.local = Some(path);
            }
        } else {
            self.session = path;
            self.local = None;
        }
    }
}

/// A list setting's text split into identifiers the way PostgreSQL's `SplitIdentifierString`
/// does: comma-separated, unquoted names folded to lower case, `"..."` kept as written.
pub fn split_identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        name.push('"');
                    } else {
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                name.extend(c.to_lowercase());
                chars.next();
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if !name.is_empty() {
            out.push(name);
        }
        if chars.next().is_none() {
            break;
        }
    }
    out
}

/// Looks names up along a session's path in a catalog.
struct Resolver<'a> {
    catalog: &'a Catalog,
    /// The path's schemas that exist, in order (`$user` and `pg_temp` left out: plumb does not
    /// know the role, and temporary objects are not modelled).
    schemas: Vec<&'a str>,
}

impl<'a> Resolver<'a> {
    /// `None` when the path resolves every name as the default one does (to `public`), so
    /// nothing needs rewriting.
    fn new(catalog: &'a Catalog, session: &'a Session) -> Option<Resolver<'a>> {
        // The usual case, on every statement of every migration: nothing to resolve.
        if matches!(session.path(), [user, public] if user == "$user" && public == DEFAULT_SCHEMA) {
            return None;
        }
        let schemas: Vec<&str> = session
            .path()
            .iter()
            .map(String::as_str)
            .filter(|s| *s == DEFAULT_SCHEMA || *s == "pg_catalog" || catalog.schemas.contains(*s))
            .collect();
        let only_public = schemas
            .iter()
            .all(|s| *s == DEFAULT_SCHEMA || *s == "pg_catalog")
            && schemas.first() == Some(&DEFAULT_SCHEMA);
        (!only_public).then_some(Resolver { catalog, schemas })
    }

    /// The schema new objects are created in; `None` (PostgreSQL: "no schema has been selected
    /// to create in") when no schema of the path exists.
    fn creation(&self) -> Option<&'a str> {
        self.schemas.first().copied()
    }

    fn find(&self, exists: impl Fn(&QualifiedName) -> bool, name: &str) -> Option<&'a str> {
        self.schemas
            .iter()
            .copied()
            .filter(|s| *s != "pg_catalog")
            .find(|s| exists(&QualifiedName::new(Some(s), name)))
    }

    /// The schema of the relation (table, view, sequence, index, composite type) `name`.
    fn relation(&self, name: &str) -> Option<&'a str> {
        let c = self.catalog;
        self.find(|q| c.relation_exists(q), name)
    }

    /// The schema of the type `name` (enum, domain, composite type, or a table's row type).
    fn type_(&self, name: &str) -> Option<&'a str> {
        let c = self.catalog;
        self.find(|q| c.type_exists(q), name)
    }

    /// The schema of a function or procedure named `name`.
    fn function(&self, name: &str) -> Option<&'a str> {
        let c = self.catalog;
        self.find(
            |q| {
                let from = QualifiedName {
                    schema: q.schema.clone(),
                    name: format!("{}(", q.name).into(),
                };
                c.functions
                    .range(from..)
                    .next()
                    .is_some_and(|(_, f)| f.name == *q)
            },
            name,
        )
    }
}

/// The statement with its unqualified names qualified as the session's path resolves them, or
/// `None` when that changes nothing (always so with the default path).
///
/// A name is qualified only when it resolves to a schema other than `public`: an unresolved name
/// is left as it is (the statement would fail on PostgreSQL; the model reads it as `public`).
pub fn qualify(stmt: &NodeEnum, catalog: &Catalog, session: &Session) -> Option<NodeEnum> {
    let r = Resolver::new(catalog, session)?;
    if !mentions_names(stmt) {
        return None;
    }
    let mut out = stmt.clone();
    r.statement(&mut out).then_some(out)
}

/// Statements that name no schema object (transaction control, SET, ...) are never copied.
fn mentions_names(stmt: &NodeEnum) -> bool {
    !matches!(
        stmt,
        NodeEnum::TransactionStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::VariableShowStmt(_)
            | NodeEnum::CreateSchemaStmt(_)
            | NodeEnum::CreateRoleStmt(_)
            | NodeEnum::AlterRoleStmt(_)
            | NodeEnum::DropRoleStmt(_)
            | NodeEnum::GrantRoleStmt(_)
    )
}

fn string_node(s: &str) -> Node {
    Node {
        node: Some(NodeEnum::String(protobuf::String { sval: s.to_owned() })),
    }
}

/// Sets a `RangeVar`'s schema when it has none and `schema` is not the default.
fn set_schema(rv: &mut protobuf::RangeVar, schema: Option<&str>) -> bool {
    match schema {
        Some(s) if s != DEFAULT_SCHEMA && rv.schemaname.is_empty() => {
            s.clone_into(&mut rv.schemaname);
            true
        }
        _ => false,
    }
}

/// Prefixes a one-part name list (`[name]`) with `schema` when it is not the default.
fn prefix(names: &mut Vec<Node>, schema: Option<&str>) -> bool {
    match schema {
        Some(s) if s != DEFAULT_SCHEMA && names.len() == 1 => {
            names.insert(0, string_node(s));
            true
        }
        _ => false,
    }
}

fn single_name(names: &[Node]) -> Option<&str> {
    match names {
        [n] => plumb_sql::ast::string_of(n),
        _ => None,
    }
}

/// Built-in trigger functions: an unqualified `EXECUTE FUNCTION` of one of these is
/// `pg_catalog`'s, whatever the path (pg_catalog is searched first).
pub(crate) const BUILTIN_TRIGGER_FUNCTIONS: &[&str] = &[
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
    "suppress_redundant_updates_trigger",
    "unique_key_recheck",
];

impl Resolver<'_> {
    fn rel(&self, rv: &mut protobuf::RangeVar) -> bool {
        if !rv.schemaname.is_empty() {
            return false;
        }
        let schema = self.relation(&rv.relname);
        set_schema(rv, schema)
    }

    fn rel_opt(&self, rv: Option<&mut protobuf::RangeVar>) -> bool {
        rv.is_some_and(|rv| self.rel(rv))
    }

    fn new_rel(&self, rv: Option<&mut protobuf::RangeVar>) -> bool {
        match rv {
            // Temporary relations live in pg_temp, which the model does not follow.
            Some(rv) if rv.schemaname.is_empty() && rv.relpersistence != "t" => {
                set_schema(rv, self.creation())
            }
            _ => false,
        }
    }

    fn rel_nodes(&self, nodes: &mut [Node]) -> bool {
        let mut changed = false;
        for n in nodes {
            if let Some(NodeEnum::RangeVar(rv)) = n.node.as_mut() {
                changed |= self.rel(rv);
            }
        }
        changed
    }

    fn type_name(&self, t: Option<&mut protobuf::TypeName>) -> bool {
        let Some(t) = t else { return false };
        let schema = single_name(&t.names).and_then(|n| self.type_(n));
        prefix(&mut t.names, schema)
    }

    fn new_names(&self, names: &mut Vec<Node>) -> bool {
        prefix(names, self.creation())
    }

    fn func_names(&self, names: &mut Vec<Node>) -> bool {
        let schema = single_name(names).and_then(|n| self.function(n));
        prefix(names, schema)
    }

    fn object_with_args(&self, o: &mut protobuf::ObjectWithArgs) -> bool {
        let mut changed = self.func_names(&mut o.objname);
        for a in &mut o.objargs {
            if let Some(NodeEnum::TypeName(t)) = a.node.as_mut() {
                changed |= self.type_name(Some(t));
            }
        }
        for a in &mut o.objfuncargs {
            if let Some(NodeEnum::FunctionParameter(p)) = a.node.as_mut() {
                changed |= self.type_name(p.arg_type.as_mut());
            }
        }
        changed
    }

    /// A relation named by a list of strings (`DROP TABLE`, `COMMENT ON TABLE`): its last
    /// `skip_tail` parts name something inside it (a column).
    fn rel_list(&self, names: &mut Vec<Node>, skip_tail: usize) -> bool {
        if names.len() != 1 + skip_tail {
            return false;
        }
        let schema = plumb_sql::ast::string_of(&names[0]).and_then(|n| self.relation(n));
        match schema {
            Some(s) if s != DEFAULT_SCHEMA => {
                names.insert(0, string_node(s));
                true
            }
            _ => false,
        }
    }

    /// An object named in DROP, COMMENT, ALTER ... OWNER / SET SCHEMA / RENAME, by its kind.
    fn object(&self, kind: ObjectType, obj: &mut Node) -> bool {
        match (kind, obj.node.as_mut()) {
            (
                ObjectType::ObjectTable
                | ObjectType::ObjectForeignTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectSequence
                | ObjectType::ObjectIndex,
                Some(NodeEnum::List(l)),
            ) => self.rel_list(&mut l.items, 0),
            (ObjectType::ObjectColumn, Some(NodeEnum::List(l))) => self.rel_list(&mut l.items, 1),
            (ObjectType::ObjectType | ObjectType::ObjectDomain, Some(NodeEnum::TypeName(t))) => {
                self.type_name(Some(t))
            }
            (ObjectType::ObjectType | ObjectType::ObjectDomain, Some(NodeEnum::List(l))) => {
                let schema = single_name(&l.items).and_then(|n| self.type_(n));
                prefix(&mut l.items, schema)
            }
            (
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine,
                Some(NodeEnum::ObjectWithArgs(o)),
            ) => self.object_with_args(o),
            _ => false,
        }
    }

    fn column_def(&self, col: &mut protobuf::ColumnDef) -> bool {
        let mut changed = self.type_name(col.type_name.as_mut());
        if let Some(d) = col.raw_default.as_deref_mut() {
            changed |= self.expr(d);
        }
        for c in &mut col.constraints {
            if let Some(NodeEnum::Constraint(con)) = c.node.as_mut() {
                changed |= self.constraint(con);
            }
        }
        changed
    }

    fn constraint(&self, con: &mut protobuf::Constraint) -> bool {
        let mut changed = self.rel_opt(con.pktable.as_mut());
        changed |= self.expr_opt(con.raw_expr.as_deref_mut());
        changed |= self.expr_opt(con.where_clause.as_deref_mut());
        changed
    }

    /// An expression (a default, a CHECK, an index key or predicate, a policy): function calls
    /// resolve along the path, `nextval('seq')` names a sequence (stored as its OID, so printed
    /// qualified when it is not on the default path), and casts name types. PostgreSQL stores
    /// each as an OID and prints it qualified unless its schema is on the reader's path.
    fn expr(&self, e: &mut Node) -> bool {
        let mut changed = false;
        match e.node.as_mut() {
            Some(NodeEnum::FuncCall(f)) => {
                let name = plumb_sql::ast::func_name(f);
                if matches!(name.as_str(), "nextval" | "currval" | "setval") {
                    changed |= self.sequence_literal(f.args.first_mut());
                } else {
                    changed |= self.func_names(&mut f.funcname);
                }
                changed |= self.exprs(&mut f.args);
            }
            Some(NodeEnum::TypeCast(c)) => {
                changed |= self.type_name(c.type_name.as_mut());
                changed |= self.expr_opt(c.arg.as_deref_mut());
            }
            Some(NodeEnum::AExpr(a)) => {
                changed |= self.expr_opt(a.lexpr.as_deref_mut());
                changed |= self.expr_opt(a.rexpr.as_deref_mut());
            }
            Some(NodeEnum::BoolExpr(b)) => changed |= self.exprs(&mut b.args),
            Some(NodeEnum::NullTest(t)) => changed |= self.expr_opt(t.arg.as_deref_mut()),
            Some(NodeEnum::BooleanTest(t)) => changed |= self.expr_opt(t.arg.as_deref_mut()),
            Some(NodeEnum::CoalesceExpr(c)) => changed |= self.exprs(&mut c.args),
            Some(NodeEnum::MinMaxExpr(c)) => changed |= self.exprs(&mut c.args),
            Some(NodeEnum::List(l)) => changed |= self.exprs(&mut l.items),
            Some(NodeEnum::RowExpr(r)) => changed |= self.exprs(&mut r.args),
            Some(NodeEnum::AArrayExpr(a)) => changed |= self.exprs(&mut a.elements),
            Some(NodeEnum::CollateClause(c)) => changed |= self.expr_opt(c.arg.as_deref_mut()),
            Some(NodeEnum::CaseExpr(c)) => {
                changed |= self.expr_opt(c.arg.as_deref_mut());
                changed |= self.exprs(&mut c.args);
                changed |= self.expr_opt(c.defresult.as_deref_mut());
            }
            Some(NodeEnum::CaseWhen(w)) => {
                changed |= self.expr_opt(w.expr.as_deref_mut());
                changed |= self.expr_opt(w.result.as_deref_mut());
            }
            Some(NodeEnum::AIndirection(i)) => changed |= self.expr_opt(i.arg.as_deref_mut()),
            Some(NodeEnum::IndexElem(i)) => changed |= self.expr_opt(i.expr.as_deref_mut()),
            _ => {}
        }
        changed
    }

    fn expr_opt(&self, e: Option<&mut Node>) -> bool {
        e.is_some_and(|e| self.expr(e))
    }

    fn exprs(&self, list: &mut [Node]) -> bool {
        let mut changed = false;
        for e in list {
            changed |= self.expr(e);
        }
        changed
    }

    /// The sequence name of `nextval('seq')`, qualified when it resolves outside `public`.
    fn sequence_literal(&self, arg: Option<&mut Node>) -> bool {
        let Some(NodeEnum::AConst(c)) = arg.and_then(|a| a.node.as_mut()) else {
            return false;
        };
        let Some(protobuf::a_const::Val::Sval(s)) = c.val.as_mut() else {
            return false;
        };
        let parts = split_qualified(&s.sval);
        let [seq] = parts.as_slice() else {
            return false;
        };
        let Some(schema) = self.relation(seq).filter(|s| *s != DEFAULT_SCHEMA) else {
            return false;
        };
        s.sval = format!(
            "{}.{}",
            plumb_sql::ast::quote_ident(schema),
            plumb_sql::ast::quote_ident(seq)
        );
        true
    }

    fn select(&self, s: &mut protobuf::SelectStmt) -> bool {
        let mut changed = false;
        for f in &mut s.from_clause {
            changed |= self.source_item(f);
        }
        if let Some(into) = s.into_clause.as_deref_mut() {
            changed |= self.new_rel(into.rel.as_mut());
        }
        if let Some(l) = s.larg.as_deref_mut() {
            changed |= self.select(l);
        }
        if let Some(r) = s.rarg.as_deref_mut() {
            changed |= self.select(r);
        }
        changed
    }

    /// A FROM item: tables, joins and subqueries (for the lock model and data-change rules).
    fn source_item(&self, n: &mut Node) -> bool {
        match n.node.as_mut() {
            Some(NodeEnum::RangeVar(rv)) => self.rel(rv),
            Some(NodeEnum::JoinExpr(j)) => {
                let mut changed = false;
                if let Some(l) = j.larg.as_deref_mut() {
                    changed |= self.source_item(l);
                }
                if let Some(r) = j.rarg.as_deref_mut() {
                    changed |= self.source_item(r);
                }
                changed
            }
            Some(NodeEnum::RangeSubselect(s)) => {
                match s.subquery.as_deref_mut().and_then(|q| q.node.as_mut()) {
                    Some(NodeEnum::SelectStmt(q)) => self.select(q),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn alter_table_cmd(&self, cmd: &mut protobuf::AlterTableCmd) -> bool {
        match cmd.def.as_deref_mut().and_then(|d| d.node.as_mut()) {
            Some(NodeEnum::ColumnDef(col)) => self.column_def(col),
            Some(NodeEnum::Constraint(con)) => self.constraint(con),
            Some(NodeEnum::PartitionCmd(p)) => self.rel_opt(p.name.as_mut()),
            // ALTER COLUMN ... SET DEFAULT
            Some(_) if cmd.subtype == protobuf::AlterTableType::AtColumnDefault as i32 => {
                cmd.def.as_deref_mut().is_some_and(|d| self.expr(d))
            }
            _ => false,
        }
    }

    /// Qualifies the names of one statement in place; whether anything changed.
    #[allow(clippy::too_many_lines)]
    fn statement(&self, stmt: &mut NodeEnum) -> bool {
        match stmt {
            NodeEnum::CreateStmt(c) => {
                let mut changed = self.new_rel(c.relation.as_mut());
                changed |= self.rel_nodes(&mut c.inh_relations);
                for e in &mut c.table_elts {
                    match e.node.as_mut() {
                        Some(NodeEnum::ColumnDef(col)) => changed |= self.column_def(col),
                        Some(NodeEnum::Constraint(con)) => changed |= self.constraint(con),
                        Some(NodeEnum::TableLikeClause(l)) => {
                            changed |= self.rel_opt(l.relation.as_mut());
                        }
                        _ => {}
                    }
                }
                changed
            }
            NodeEnum::AlterTableStmt(a) => {
                let mut changed = self.rel_opt(a.relation.as_mut());
                for cmd in &mut a.cmds {
                    if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_mut() {
                        changed |= self.alter_table_cmd(cmd);
                    }
                }
                changed
            }
            NodeEnum::IndexStmt(i) => {
                let mut changed = self.rel_opt(i.relation.as_mut());
                changed |= self.exprs(&mut i.index_params);
                changed | self.expr_opt(i.where_clause.as_deref_mut())
            }
            NodeEnum::ViewStmt(v) => {
                let mut changed = self.new_rel(v.view.as_mut());
                if let Some(NodeEnum::SelectStmt(q)) =
                    v.query.as_deref_mut().and_then(|q| q.node.as_mut())
                {
                    changed |= self.select(q);
                }
                changed
            }
            NodeEnum::CreateTableAsStmt(c) => {
                let mut changed = c
                    .into
                    .as_deref_mut()
                    .is_some_and(|i| self.new_rel(i.rel.as_mut()));
                if let Some(NodeEnum::SelectStmt(q)) =
                    c.query.as_deref_mut().and_then(|q| q.node.as_mut())
                {
                    changed |= self.select(q);
                }
                changed
            }
            NodeEnum::SelectStmt(s) => self.select(s),
            NodeEnum::CreateSeqStmt(s) => self.new_rel(s.sequence.as_mut()),
            NodeEnum::AlterSeqStmt(s) => self.rel_opt(s.sequence.as_mut()),
            NodeEnum::CompositeTypeStmt(c) => {
                let mut changed = self.new_rel(c.typevar.as_mut());
                for col in &mut c.coldeflist {
                    if let Some(NodeEnum::ColumnDef(col)) = col.node.as_mut() {
                        changed |= self.type_name(col.type_name.as_mut());
                    }
                }
                changed
            }
            NodeEnum::DefineStmt(d)
                if d.kind == ObjectType::ObjectCollation as i32
                    || d.kind == ObjectType::ObjectTsconfiguration as i32 =>
            {
                self.new_names(&mut d.defnames)
            }
            NodeEnum::DefineStmt(d) if d.kind == ObjectType::ObjectAggregate as i32 => {
                let mut changed = self.new_names(&mut d.defnames);
                if let Some(NodeEnum::List(args)) = d.args.first_mut().and_then(|a| a.node.as_mut())
                {
                    for p in &mut args.items {
                        if let Some(NodeEnum::FunctionParameter(p)) = p.node.as_mut() {
                            changed |= self.type_name(p.arg_type.as_mut());
                        }
                    }
                }
                for o in &mut d.definition {
                    let Some(NodeEnum::DefElem(e)) = o.node.as_mut() else {
                        continue;
                    };
                    let routine =
                        matches!(e.defname.as_str(), "sfunc" | "finalfunc" | "combinefunc");
                    match e.arg.as_deref_mut().and_then(|a| a.node.as_mut()) {
                        Some(NodeEnum::TypeName(t)) if routine => {
                            changed |= self.func_names(&mut t.names);
                        }
                        Some(NodeEnum::TypeName(t)) if e.defname == "stype" => {
                            changed |= self.type_name(Some(t));
                        }
                        Some(NodeEnum::List(l)) if routine => {
                            changed |= self.func_names(&mut l.items);
                        }
                        _ => {}
                    }
                }
                changed
            }
            NodeEnum::AlterTsconfigurationStmt(a) => {
                let c = self.catalog;
                let schema = single_name(&a.cfgname)
                    .and_then(|n| self.find(|q| c.text_search_configs.contains_key(q), n));
                prefix(&mut a.cfgname, schema)
            }
            NodeEnum::CreateEnumStmt(e) => self.new_names(&mut e.type_name),
            NodeEnum::CreateRangeStmt(e) => self.new_names(&mut e.type_name),
            NodeEnum::CreateDomainStmt(d) => {
                let a = self.new_names(&mut d.domainname);
                a | self.type_name(d.type_name.as_mut())
            }
            NodeEnum::AlterEnumStmt(e) => {
                let schema = single_name(&e.type_name).and_then(|n| self.type_(n));
                prefix(&mut e.type_name, schema)
            }
            NodeEnum::AlterDomainStmt(d) => {
                let schema = single_name(&d.type_name).and_then(|n| self.type_(n));
                prefix(&mut d.type_name, schema)
            }
            NodeEnum::CreateFunctionStmt(f) => {
                let mut changed = self.new_names(&mut f.funcname);
                for p in &mut f.parameters {
                    if let Some(NodeEnum::FunctionParameter(p)) = p.node.as_mut() {
                        changed |= self.type_name(p.arg_type.as_mut());
                    }
                }
                changed | self.type_name(f.return_type.as_mut())
            }
            NodeEnum::AlterFunctionStmt(a) => {
                a.func.as_mut().is_some_and(|f| self.object_with_args(f))
            }
            NodeEnum::CreateTrigStmt(t) => {
                let mut changed = self.rel_opt(t.relation.as_mut());
                let builtin = single_name(&t.funcname)
                    .is_some_and(|n| BUILTIN_TRIGGER_FUNCTIONS.contains(&n));
                if !builtin {
                    changed |= self.func_names(&mut t.funcname);
                }
                changed | self.rel_opt(t.constrrel.as_mut())
            }
            NodeEnum::CreatePolicyStmt(p) => {
                let mut changed = self.rel_opt(p.table.as_mut());
                changed |= self.expr_opt(p.qual.as_deref_mut());
                changed | self.expr_opt(p.with_check.as_deref_mut())
            }
            NodeEnum::AlterPolicyStmt(p) => {
                let mut changed = self.rel_opt(p.table.as_mut());
                changed |= self.expr_opt(p.qual.as_deref_mut());
                changed | self.expr_opt(p.with_check.as_deref_mut())
            }
            NodeEnum::RuleStmt(r) => self.rel_opt(r.relation.as_mut()),
            NodeEnum::CreateStatsStmt(s) => {
                let mut changed = false;
                for f in &mut s.relations {
                    changed |= self.source_item(f);
                }
                changed
            }
            NodeEnum::DropStmt(d) => {
                let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
                let mut changed = false;
                for o in &mut d.objects {
                    changed |= self.object(kind, o);
                }
                changed
            }
            NodeEnum::RenameStmt(r) => {
                if r.relation.is_some() {
                    self.rel_opt(r.relation.as_mut())
                } else {
                    let kind = ObjectType::try_from(r.rename_type).unwrap_or(ObjectType::Undefined);
                    r.object
                        .as_deref_mut()
                        .is_some_and(|o| self.object(kind, o))
                }
            }
            NodeEnum::CommentStmt(c) => {
                let kind = ObjectType::try_from(c.objtype).unwrap_or(ObjectType::Undefined);
                c.object
                    .as_deref_mut()
                    .is_some_and(|o| self.object(kind, o))
            }
            NodeEnum::AlterOwnerStmt(o) => {
                let kind = ObjectType::try_from(o.object_type).unwrap_or(ObjectType::Undefined);
                let a = self.rel_opt(o.relation.as_mut());
                a | o
                    .object
                    .as_deref_mut()
                    .is_some_and(|x| self.object(kind, x))
            }
            NodeEnum::AlterObjectSchemaStmt(s) => {
                let kind = ObjectType::try_from(s.object_type).unwrap_or(ObjectType::Undefined);
                let a = self.rel_opt(s.relation.as_mut());
                a | s
                    .object
                    .as_deref_mut()
                    .is_some_and(|x| self.object(kind, x))
            }
            NodeEnum::GrantStmt(g) => {
                if g.targtype != protobuf::GrantTargetType::AclTargetObject as i32 {
                    return false;
                }
                let kind = ObjectType::try_from(g.objtype).unwrap_or(ObjectType::Undefined);
                let mut changed = false;
                for o in &mut g.objects {
                    changed |= match o.node.as_mut() {
                        Some(NodeEnum::RangeVar(rv)) => self.rel(rv),
                        Some(_) => self.object(kind, o),
                        None => false,
                    };
                }
                changed
            }
            NodeEnum::InsertStmt(i) => {
                let mut changed = self.rel_opt(i.relation.as_mut());
                if let Some(NodeEnum::SelectStmt(q)) =
                    i.select_stmt.as_deref_mut().and_then(|q| q.node.as_mut())
                {
                    changed |= self.select(q);
                }
                changed
            }
            NodeEnum::UpdateStmt(u) => {
                let mut changed = self.rel_opt(u.relation.as_mut());
                for f in &mut u.from_clause {
                    changed |= self.source_item(f);
                }
                changed
            }
            NodeEnum::DeleteStmt(d) => {
                let mut changed = self.rel_opt(d.relation.as_mut());
                for f in &mut d.using_clause {
                    changed |= self.source_item(f);
                }
                changed
            }
            NodeEnum::MergeStmt(m) => {
                let a = self.rel_opt(m.relation.as_mut());
                a | m
                    .source_relation
                    .as_deref_mut()
                    .is_some_and(|s| self.source_item(s))
            }
            NodeEnum::TruncateStmt(t) => self.rel_nodes(&mut t.relations),
            NodeEnum::LockStmt(l) => self.rel_nodes(&mut l.relations),
            NodeEnum::VacuumStmt(v) => {
                let mut changed = false;
                for r in &mut v.rels {
                    if let Some(NodeEnum::VacuumRelation(vr)) = r.node.as_mut() {
                        changed |= self.rel_opt(vr.relation.as_mut());
                    }
                }
                changed
            }
            NodeEnum::ClusterStmt(c) => self.rel_opt(c.relation.as_mut()),
            NodeEnum::ReindexStmt(r) => self.rel_opt(r.relation.as_mut()),
            NodeEnum::RefreshMatViewStmt(r) => self.rel_opt(r.relation.as_mut()),
            NodeEnum::CopyStmt(c) => self.rel_opt(c.relation.as_mut()),
            _ => false,
        }
    }
}

/// A possibly qualified, possibly quoted name in text (`app."Orders"`) split into its parts.
fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c if quoted => cur.push(c),
            c => cur.extend(c.to_lowercase()),
        }
    }
    parts.push(cur);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sql: &str) -> Catalog {
        let mut c = Catalog::default();
        let applied = c.apply_sql(sql);
        assert!(applied.errors.is_empty(), "{:?}", applied.errors);
        c
    }

    fn q(schema: &str, name: &str) -> QualifiedName {
        QualifiedName::new(Some(schema), name)
    }

    #[test]
    fn identifiers_split_like_postgres() {
        assert_eq!(split_identifiers(""), Vec::<String>::new());
        assert_eq!(split_identifiers("App, public"), vec!["app", "public"]);
        assert_eq!(
            split_identifiers(r#""$user", "My ""S""",x"#),
            vec!["$user", r#"My "S""#, "x"]
        );
        assert_eq!(split_qualified(r#"app."Seq""#), vec!["app", "Seq"]);
        assert_eq!(split_qualified("Seq"), vec!["seq"]);
    }

    /// The issue's reproduction: two tables `t` in two schemas, not one `public.t`.
    #[test]
    fn set_search_path_places_new_objects_and_resolves_references() {
        let c = run("CREATE SCHEMA a; CREATE SCHEMA b;
             SET search_path = a; CREATE TABLE t (id int PRIMARY KEY, x text);
             SET search_path = b, public; CREATE TABLE t (id bigint PRIMARY KEY, y int);
             CREATE TABLE child (id int PRIMARY KEY, t_id bigint REFERENCES t);
             CREATE INDEX ON t (y);
             ALTER TABLE t ADD COLUMN z int;
             SET search_path = a;
             ALTER TABLE t ADD COLUMN w int;");
        assert!(c.table(&q("public", "t")).is_none());
        let a = c.table(&q("a", "t")).expect("a.t");
        let b = c.table(&q("b", "t")).expect("b.t");
        assert!(a.column("x").is_some() && a.column("w").is_some() && a.column("z").is_none());
        assert!(b.column("y").is_some() && b.column("z").is_some());
        assert!(c.indexes.contains_key(&q("a", "t_pkey")));
        assert!(c.indexes.contains_key(&q("b", "t_pkey")));
        assert!(c.indexes.contains_key(&q("b", "t_y_idx")));
        let fk = c
            .table(&q("b", "child"))
            .expect("b.child")
            .foreign_keys()
            .next()
            .cloned();
        assert!(
            matches!(fk.map(|k| k.kind), Some(crate::ConstraintKind::ForeignKey { references, .. }) if references == q("b", "t"))
        );
    }

    #[test]
    fn lookups_walk_the_path_and_fall_back_to_public() {
        let c = run("CREATE SCHEMA app;
             CREATE TABLE shared (id int);
             SET search_path TO app, public;
             CREATE TYPE mood AS ENUM ('ok');
             CREATE TABLE person (id int, m mood, s int REFERENCES shared (id));
             ALTER TABLE shared ADD COLUMN extra int;
             CREATE SEQUENCE person_seq;
             ALTER TABLE person ALTER COLUMN id SET DEFAULT nextval('person_seq');
             COMMENT ON TABLE person IS 'people';
             COMMENT ON COLUMN person.id IS 'key';
             DROP TABLE shared CASCADE;");
        assert!(c.table(&q("public", "shared")).is_none());
        let p = c.table(&q("app", "person")).expect("app.person");
        assert_eq!(
            p.column("m").map(|c| c.type_name.as_str()),
            Some("app.mood")
        );
        assert_eq!(p.comment.as_deref(), Some("people"));
        assert_eq!(
            p.column("id").and_then(|c| c.comment.as_deref()),
            Some("key")
        );
        assert_eq!(
            p.column("id").and_then(|c| c.default.as_deref()),
            Some("nextval('app.person_seq')")
        );
        assert!(c.enums.contains_key(&q("app", "mood")));
        assert!(c.sequences.contains_key(&q("app", "person_seq")));
    }

    #[test]
    fn set_local_reset_set_config_and_rollback() {
        let c = run("CREATE SCHEMA a; CREATE SCHEMA b;
             BEGIN; SET LOCAL search_path = a; CREATE TABLE t1 (id int); COMMIT;
             CREATE TABLE t2 (id int);
             SET LOCAL search_path = a; CREATE TABLE t3 (id int);
             SELECT pg_catalog.set_config('search_path', 'b', false); CREATE TABLE t4 (id int);
             RESET search_path; CREATE TABLE t5 (id int);
             BEGIN; SET search_path = a; ROLLBACK; CREATE TABLE t6 (id int);
             SET search_path = b; SET search_path TO DEFAULT; CREATE TABLE t7 (id int);
             SELECT set_config('search_path', '\"B\", a', false); CREATE TABLE t8 (id int);");
        let names: Vec<String> = c.tables.keys().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "a.t1",
                "a.t8",
                "b.t4",
                "public.t2",
                "public.t3",
                "public.t5",
                "public.t6",
                "public.t7"
            ]
        );
    }

    /// pg_dump empties the path and qualifies every name itself.
    #[test]
    fn an_empty_path_leaves_qualified_dumps_alone() {
        let c = run("SELECT pg_catalog.set_config('search_path', '', false);
             CREATE SCHEMA app;
             CREATE TABLE app.t (id integer NOT NULL, n text);
             CREATE TABLE public.u (id integer);
             ALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);");
        assert!(c
            .table(&q("app", "t"))
            .is_some_and(|t| t.primary_key().is_some()));
        assert!(c.table(&q("public", "u")).is_some());
    }

    #[test]
    fn a_path_of_missing_schemas_and_builtin_trigger_functions() {
        let c = run("SET search_path = nosuch, public;
             CREATE TABLE t (id int, doc tsvector);
             CREATE SCHEMA s; SET search_path = s;
             CREATE TABLE u (doc tsvector);
             CREATE TRIGGER u_tsv BEFORE INSERT ON u FOR EACH ROW
               EXECUTE FUNCTION tsvector_update_trigger(doc, 'pg_catalog.english', doc);");
        assert!(c.table(&q("public", "t")).is_some());
        let u = c.table(&q("s", "u")).expect("s.u");
        assert_eq!(
            u.triggers.first().map(|t| t.function.to_string()),
            Some("pg_catalog.tsvector_update_trigger".to_owned())
        );
    }

    #[test]
    fn default_path_copies_nothing() {
        let c = Catalog::default();
        let s = Session::default();
        let parsed = plumb_sql::parse("CREATE TABLE t (id int)");
        assert!(qualify(&parsed.statements[0].node, &c, &s).is_none());
        let s = Session::with_path(&["public", "pg_catalog"]);
        assert!(qualify(&parsed.statements[0].node, &c, &s).is_none());
    }
}
