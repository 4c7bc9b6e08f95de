//! Interpreting DDL statements into the catalog: dispatch, tables, columns, constraints, indexes,
//! drops and renames. Sequences, functions, types, policies, grants and comments are in
//! `objects.rs`.
//!
//! [`Catalog::apply`] changes the model the way PostgreSQL would change its catalogs for one
//! statement. Statements that do not change the schema (DML, SET, ...) are no-ops; statement
//! forms not modelled are reported by [`Applied::Unmodelled`] so callers can say so.

use std::sync::Arc;

use imbl::OrdMap;
use plumb_sql::ast::{self, quote_ident, strings};
use plumb_sql::canon::{canonical_expr, canonical_expr_in};
use plumb_sql::protobuf::{self, AlterTableType, ConstrType, Node, ObjectType};
use plumb_sql::NodeEnum;

use crate::model::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, FkAction, Identity, Index,
    IndexKeyOptions, QualifiedName, Sequence, Table, TableKind, View,
};

/// What applying a statement did to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The statement changed (or could not change) the schema as modelled.
    Changed,
    /// The statement does not change the schema (DML, SET, SELECT, ...).
    NoSchemaChange,
    /// A schema-changing statement whose effect the model does not represent; the text names
    /// the statement form, e.g. `CREATE OPERATOR`.
    Unmodelled(&'static str),
    /// PostgreSQL refuses the statement because what it creates already exists (the text says
    /// what, as PostgreSQL does); the model keeps the first object.
    AlreadyExists(String),
}

pub(crate) fn node(n: &Node) -> Option<&NodeEnum> {
    n.node.as_ref()
}

pub(crate) fn owned_strings(nodes: &[Node]) -> Vec<String> {
    strings(nodes).into_iter().map(str::to_owned).collect()
}

impl Catalog {
    /// Applies one statement to the model.
    pub fn apply(&mut self, stmt: &NodeEnum) -> Applied {
        if let Some(why) = self.already_exists(stmt) {
            return Applied::AlreadyExists(why);
        }
        match stmt {
            NodeEnum::CreateStmt(c) => {
                self.create_table(c);
                Applied::Changed
            }
            NodeEnum::AlterTableStmt(a) => self.alter_table_stmt(a),
            NodeEnum::IndexStmt(i) => {
                self.create_index(i);
                Applied::Changed
            }
            NodeEnum::DropStmt(d) => self.drop(d),
            NodeEnum::RenameStmt(r) => self.rename(r),
            NodeEnum::CreateEnumStmt(e) => {
                if let Some(name) = QualifiedName::from_parts(&strings(&e.type_name)) {
                    let values = e
                        .vals
                        .iter()
                        .filter_map(ast::string_of)
                        .map(str::to_owned)
                        .collect();
                    self.enums.insert(
                        name.clone(),
                        EnumType {
                            name,
                            values,
                            comment: None,
                        },
                    );
                }
                Applied::Changed
            }
            NodeEnum::AlterEnumStmt(e) => {
                if let Some(name) = QualifiedName::from_parts(&strings(&e.type_name)) {
                    if let Some(t) = self.enums.get_mut(&name) {
                        if !e.old_val.is_empty() {
                            for v in &mut t.values {
                                if *v == e.old_val {
                                    v.clone_from(&e.new_val);
                                }
                            }
                            // Enum constants are stored by label OID: defaults show the new
                            // label.
                            let spelled = if name.schema == crate::DEFAULT_SCHEMA {
                                name.name.to_string()
                            } else {
                                name.to_string()
                            };
                            let quote = |v: &str| format!("'{}'", v.replace('\'', "''"));
                            let (old, new) = (quote(&e.old_val), quote(&e.new_val));
                            for_each_mut(
                                &mut self.tables,
                                |t| t.columns.iter().any(|c| c.type_name == spelled && c.default.as_deref() == Some(&old)),
                                |t| {
                                    for c in &mut t.columns {
                                        if c.type_name == spelled && c.default.as_deref() == Some(&old) {
                                            c.default = Some(new.clone());
                                        }
                                    }
                                },
                            );
                            return Applied::Changed;
                        } else if !t.values.contains(&e.new_val) {
                            let at = if e.new_val_neighbor.is_empty() {
                                None
                            } else {
                                t.values.iter().position(|v| *v == e.new_val_neighbor)
                            };
                            match at {
                                Some(i) if e.new_val_is_after => {
                                    t.values.insert(i + 1, e.new_val.clone());
                                }
                                Some(i) => t.values.insert(i, e.new_val.clone()),
                                None => t.values.push(e.new_val.clone()),
                            }
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::CreateSchemaStmt(s) => {
                if !s.schemaname.is_empty() && s.schemaname != crate::DEFAULT_SCHEMA {
                    self.schemas.insert(s.schemaname.clone());
                }
                // CREATE SCHEMA ... CREATE TABLE ... creates its elements in the new schema, with
                // the new schema first on the path.
                let path = crate::resolve::Session::with_path(&[&s.schemaname, crate::DEFAULT_SCHEMA]);
                for elt in &s.schema_elts {
                    if let Some(inner) = node(elt) {
                        match crate::resolve::qualify(inner, self, &path) {
                            Some(q) => self.apply(&q),
                            None => self.apply(inner),
                        };
                    }
                }
                Applied::Changed
            }
            NodeEnum::ViewStmt(v) => {
                if let Some(rv) = &v.view {
                    let name = QualifiedName::from_range_var(rv);
                    let comment = self.views.get(&name).and_then(|v| v.comment.clone());
                    let depends_on = v.query.as_deref().map(|q| self.view_sources(q)).unwrap_or_default();
                    let definition = view_definition(&NodeEnum::ViewStmt(Box::new(protobuf::ViewStmt {
                        view: Some(qualified_range_var(rv, &name)),
                        replace: false,
                        ..(**v).clone()
                    })));
                    self.views.insert(
                        name.clone(),
                        View {
                            name,
                            materialized: false,
                            owner: None,
                            comment,
                            depends_on,
                            definition,
                        },
                    );
                }
                Applied::Changed
            }
            NodeEnum::CreateTableAsStmt(c) => {
                if let Some(rel) = c.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = QualifiedName::from_range_var(rel);
                    if c.objtype == ObjectType::ObjectMatview as i32 {
                        let depends_on =
                            c.query.as_deref().map(|q| self.view_sources(q)).unwrap_or_default();
                        let mut stmt = (**c).clone();
                        stmt.if_not_exists = false;
                        if let Some(into) = stmt.into.as_mut() {
                            into.rel = Some(qualified_range_var(rel, &name));
                        }
                        let definition =
                            view_definition(&NodeEnum::CreateTableAsStmt(Box::new(stmt)));
                        self.views.insert(
                            name.clone(),
                            View {
                                name,
                                materialized: true,
                                owner: None,
                                comment: None,
                                depends_on,
                                definition,
                            },
                        );
                    } else {
                        if c.if_not_exists && self.tables.contains_key(&name) {
                            return Applied::Changed;
                        }
                        self.tables.insert(name.clone(), Arc::new(Table::new(name)));
                        return Applied::Unmodelled("CREATE TABLE AS (columns come from a query)");
                    }
                }
                Applied::Changed
            }
            NodeEnum::SelectStmt(s) if s.into_clause.is_some() => {
                if let Some(rel) = s.into_clause.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = QualifiedName::from_range_var(rel);
                    self.tables.insert(name.clone(), Arc::new(Table::new(name)));
                }
                Applied::Unmodelled("SELECT INTO (columns come from a query)")
            }
            // A DO block's statements run in PL/pgSQL, out of the interpreter's sight.
            NodeEnum::DoStmt(_) => Applied::Unmodelled("DO block (its statements are not interpreted)"),
            NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::VariableShowStmt(_)
            | NodeEnum::TransactionStmt(_)
            | NodeEnum::VacuumStmt(_)
            | NodeEnum::ClusterStmt(_)
            | NodeEnum::ReindexStmt(_)
            | NodeEnum::RefreshMatViewStmt(_)
            | NodeEnum::LockStmt(_)
            | NodeEnum::TruncateStmt(_)
            | NodeEnum::GrantRoleStmt(_)
            | NodeEnum::NotifyStmt(_)
            | NodeEnum::ListenStmt(_)
            | NodeEnum::UnlistenStmt(_)
            | NodeEnum::CopyStmt(_)
            | NodeEnum::ExplainStmt(_)
            | NodeEnum::CallStmt(_)
            | NodeEnum::CheckPointStmt(_)
            | NodeEnum::DiscardStmt(_)
            | NodeEnum::PrepareStmt(_)
            | NodeEnum::ExecuteStmt(_)
            | NodeEnum::DeallocateStmt(_)
            | NodeEnum::DeclareCursorStmt(_)
            | NodeEnum::FetchStmt(_)
            | NodeEnum::ClosePortalStmt(_)
            | NodeEnum::ConstraintsSetStmt(_)
            | NodeEnum::LoadStmt(_)
            // Roles, databases and server settings live outside a database's schema.
            | NodeEnum::CreateRoleStmt(_)
            | NodeEnum::AlterRoleStmt(_)
            | NodeEnum::AlterRoleSetStmt(_)
            | NodeEnum::DropRoleStmt(_)
            | NodeEnum::CreatedbStmt(_)
            | NodeEnum::AlterDatabaseStmt(_)
            | NodeEnum::AlterDatabaseSetStmt(_)
            | NodeEnum::DropdbStmt(_)
            | NodeEnum::AlterSystemStmt(_) => Applied::NoSchemaChange,
            other => self.apply_object(other),
        }
    }

    fn create_table(&mut self, c: &protobuf::CreateStmt) {
        let Some(rv) = &c.relation else { return };
        let name = QualifiedName::from_range_var(rv);
        if c.if_not_exists && self.tables.contains_key(&name) {
            return;
        }
        let mut table = Table::new(name.clone());
        table.unlogged = rv.relpersistence == "u";
        if let Some(spec) = &c.partspec {
            table.kind = TableKind::Partitioned;
            table.partition_key = spec
                .part_params
                .iter()
                .filter_map(|p| match node(p)? {
                    NodeEnum::PartitionElem(e) if !e.name.is_empty() => Some(e.name.clone()),
                    NodeEnum::PartitionElem(e) => e.expr.as_deref().and_then(canonical_expr),
                    _ => None,
                })
                .collect();
        }
        let parents: Vec<QualifiedName> = c
            .inh_relations
            .iter()
            .filter_map(|n| match node(n) {
                Some(NodeEnum::RangeVar(p)) => Some(QualifiedName::from_range_var(p)),
                _ => None,
            })
            .collect();
        if c.partbound.is_some() {
            table.partition_of = parents.first().cloned();
        }
        // Partitions and inheritance children start with their parents' columns, NOT NULL and
        // defaults, and inherit CHECK constraints.
        let mut inherited_checks = Vec::new();
        for p in &parents {
            if let Some(parent) = self.tables.get(p) {
                for col in &parent.columns {
                    if table.column(&col.name).is_none() {
                        let mut col = col.clone();
                        col.identity = None;
                        col.comment = None;
                        table.columns.push(col);
                    }
                }
                inherited_checks.extend(
                    parent
                        .constraints
                        .iter()
                        .filter(|k| matches!(k.kind, ConstraintKind::Check { .. }))
                        .cloned(),
                );
            }
        }
        let mut pending = Vec::new();
        for elt in &c.table_elts {
            match node(elt) {
                Some(NodeEnum::ColumnDef(col)) => {
                    let (column, constraints) = column_from_def(col);
                    if let Some(existing) = table.column_mut(&column.name) {
                        // A partition's column clause adds options to the inherited column.
                        existing.not_null |= column.not_null;
                        if column.default.is_some() {
                            existing.default = column.default;
                        }
                    } else {
                        table.columns.push(column);
                    }
                    pending.push((col.colname.clone(), col, constraints));
                }
                Some(NodeEnum::TableLikeClause(like)) => {
                    if let Some(src) = like
                        .relation
                        .as_ref()
                        .map(QualifiedName::from_range_var)
                        .and_then(|n| self.tables.get(&n))
                    {
                        // CREATE_TABLE_LIKE_DEFAULTS = 1 << 3, _ALL = all bits.
                        let defaults = like.options & (1 << 3) != 0;
                        for col in &src.columns {
                            let mut col = col.clone();
                            col.identity = None;
                            col.comment = None;
                            if !defaults {
                                col.default = None;
                            }
                            table.columns.push(col);
                        }
                    }
                }
                _ => {}
            }
        }
        for k in inherited_checks {
            table.put_constraint(k);
        }
        // Exactly the columns it has: a schema can hold hundreds of thousands of tables.
        table.columns.shrink_to_fit();
        self.tables.insert(name.clone(), Arc::new(table));
        for (colname, col, constraints) in pending {
            self.column_added(&name, &colname, col);
            for con in constraints {
                self.add_constraint(&name, Some(&colname), con);
            }
        }
        for elt in &c.table_elts {
            if let Some(NodeEnum::Constraint(con)) = node(elt) {
                self.add_constraint(&name, None, con);
            }
        }
        if c.partbound.is_some() {
            if let Some(parent) = parents.first() {
                self.partition_added(parent, &name);
            }
        }
    }

    /// The sequences a new column implies: serial types and identity columns own one.
    fn column_added(&mut self, table: &QualifiedName, column: &str, def: &protobuf::ColumnDef) {
        let serial = def
            .type_name
            .as_ref()
            .map(ast::type_name)
            .and_then(|t| serial_base(&t));
        if let Some(base) = serial {
            let seq = self.choose_relation_name(&table.schema, &table.name, column, "seq");
            let mut s = Sequence::with_defaults(seq.clone(), base, 1);
            s.owned_by = Some((table.clone(), column.to_owned()));
            self.sequences.insert(seq.clone(), Arc::new(s));
            let default = nextval_sql(&seq);
            if let Some(c) = self.column_mut(table, column) {
                c.default = Some(default);
            }
            return;
        }
        for c in &def.constraints {
            if let Some(NodeEnum::Constraint(con)) = node(c) {
                if con.contype == ConstrType::ConstrIdentity as i32 {
                    self.add_identity_sequence(table, column, &con.options);
                }
            }
        }
    }

    pub(crate) fn add_identity_sequence(
        &mut self,
        table: &QualifiedName,
        column: &str,
        options: &[Node],
    ) {
        let type_name = self
            .table(table)
            .and_then(|t| t.column(column))
            .map_or_else(|| "int8".to_owned(), |c| c.type_name.to_string());
        let explicit = options.iter().find_map(|o| match node(o) {
            Some(NodeEnum::DefElem(d)) if d.defname == "sequence_name" => {
                d.arg.as_deref().and_then(node).and_then(|a| match a {
                    NodeEnum::List(l) => QualifiedName::from_parts(&strings(&l.items)),
                    _ => None,
                })
            }
            _ => None,
        });
        let seq = explicit.unwrap_or_else(|| {
            self.choose_relation_name(&table.schema, &table.name, column, "seq")
        });
        let data_type = if matches!(type_name.as_str(), "int2" | "int4" | "int8") {
            type_name
        } else {
            "int8".to_owned()
        };
        let mut s = Sequence::with_defaults(seq.clone(), &data_type, 1);
        crate::objects::apply_sequence_options(&mut s, options, true);
        s.owned_by = Some((table.clone(), column.to_owned()));
        self.sequences.insert(seq, Arc::new(s));
    }

    /// PostgreSQL's `ChooseRelationName`: `<name1>_<name2>_<label>`, truncated to 63 bytes and
    /// numbered until it is free in the schema.
    pub fn choose_relation_name(
        &self,
        schema: &str,
        name1: &str,
        name2: &str,
        label: &str,
    ) -> QualifiedName {
        let mut pass = 0;
        loop {
            let suffix = if pass == 0 {
                label.to_owned()
            } else {
                format!("{label}{pass}")
            };
            let candidate =
                QualifiedName::new(Some(schema), &make_object_name(name1, name2, &suffix));
            if !self.relation_exists(&candidate) {
                return candidate;
            }
            pass += 1;
        }
    }

    fn alter_table_stmt(&mut self, a: &protobuf::AlterTableStmt) -> Applied {
        let Some(rv) = &a.relation else {
            return Applied::Changed;
        };
        let target = QualifiedName::from_range_var(rv);
        let objtype = ObjectType::try_from(a.objtype).unwrap_or(ObjectType::Undefined);
        let mut result = Applied::Changed;
        for cmd in &a.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = node(cmd) else {
                continue;
            };
            let r = match objtype {
                ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                    self.alter_table(&target, cmd, rv.inh)
                }
                ObjectType::ObjectIndex => self.alter_index(&target, cmd),
                ObjectType::ObjectView | ObjectType::ObjectMatview => {
                    if cmd.subtype == AlterTableType::AtChangeOwner as i32 {
                        let owner = cmd.newowner.as_ref().and_then(crate::objects::role_name);
                        if let Some(v) = self.views.get_mut(&target) {
                            v.owner = owner;
                        }
                        Applied::Changed
                    } else {
                        Applied::Changed
                    }
                }
                ObjectType::ObjectSequence => {
                    if cmd.subtype == AlterTableType::AtChangeOwner as i32 {
                        Applied::Changed
                    } else {
                        Applied::Unmodelled("ALTER SEQUENCE (table form)")
                    }
                }
                _ => Applied::Unmodelled("ALTER TABLE on this object type"),
            };
            if r != Applied::Changed {
                result = r;
            }
        }
        result
    }

    fn alter_index(&mut self, index: &QualifiedName, cmd: &protobuf::AlterTableCmd) -> Applied {
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        match subtype {
            // ALTER INDEX parent ATTACH PARTITION child: both indexes already exist.
            AlterTableType::AtAttachPartition => {
                if let Some(NodeEnum::PartitionCmd(p)) = cmd.def.as_deref().and_then(node) {
                    if let Some(rv) = &p.name {
                        let mut child = QualifiedName::from_range_var(rv);
                        if rv.schemaname.is_empty() {
                            child.schema.clone_from(&index.schema);
                        }
                        self.attach_index(index, &child);
                    }
                }
                Applied::Changed
            }
            AlterTableType::AtSetRelOptions
            | AlterTableType::AtResetRelOptions
            | AlterTableType::AtSetTableSpace
            | AlterTableType::AtSetStatistics => Applied::Changed,
            _ => Applied::Unmodelled("ALTER INDEX"),
        }
    }

    /// One ALTER TABLE subcommand; `recurse`: without ONLY, so a constraint added to a
    /// partitioned table reaches its partitions.
    fn alter_table(
        &mut self,
        table: &QualifiedName,
        cmd: &protobuf::AlterTableCmd,
        recurse: bool,
    ) -> Applied {
        let def = cmd.def.as_deref().and_then(node);
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        match subtype {
            AlterTableType::AtAddColumn => {
                let Some(NodeEnum::ColumnDef(col)) = def else {
                    return Applied::Changed;
                };
                let (column, constraints) = column_from_def(col);
                let Some(t) = self.table_mut(table) else {
                    return Applied::Changed;
                };
                if cmd.missing_ok && t.column(&column.name).is_some() {
                    return Applied::Changed;
                }
                let name = column.name.clone();
                t.columns.push(column);
                self.column_added(table, &name, col);
                for con in constraints {
                    self.add_constraint(table, Some(&name), con);
                }
                // A column added to a partitioned table is added to its partitions.
                for child in self.children_of(table) {
                    if let Some(c) = self.table(table).and_then(|t| t.column(&name)).cloned() {
                        if let Some(t) = self.table_mut(&child) {
                            if t.column(&name).is_none() {
                                t.columns.push(Column {
                                    identity: None,
                                    comment: None,
                                    ..c
                                });
                            }
                        }
                    }
                }
            }
            AlterTableType::AtDropColumn => self.drop_column(table, &cmd.name),
            AlterTableType::AtAlterColumnType => {
                let Some(NodeEnum::ColumnDef(col)) = def else {
                    return Applied::Changed;
                };
                let Some(new_type) = col.type_name.as_ref().map(ast::type_name) else {
                    return Applied::Changed;
                };
                let mut identity = false;
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.type_name = crate::Name::from(new_type.as_str());
                    identity = c.identity.is_some();
                    if let Some(coll) = col.coll_clause.as_deref() {
                        c.collation = collation_name(coll);
                    }
                }
                if identity {
                    self.retype_owned_sequence(table, &cmd.name, &new_type);
                }
                for child in self.children_of(table) {
                    if let Some(c) = self.column_mut(&child, &cmd.name) {
                        c.type_name = crate::Name::from(new_type.as_str());
                    }
                }
            }
            AlterTableType::AtSetNotNull | AlterTableType::AtDropNotNull => {
                let not_null = subtype == AlterTableType::AtSetNotNull;
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.not_null = not_null;
                }
                for child in self.children_of(table) {
                    if let Some(c) = self.column_mut(&child, &cmd.name) {
                        c.not_null = not_null;
                    }
                }
            }
            AlterTableType::AtColumnDefault => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.default = cmd
                        .def
                        .as_deref()
                        .and_then(|d| default_sql(d, &c.type_name));
                }
            }
            AlterTableType::AtAddConstraint => {
                if let Some(NodeEnum::Constraint(con)) = def {
                    let added = self.add_constraint(table, None, con);
                    // Foreign keys reach the partitions even with ONLY (PostgreSQL refuses
                    // ONLY for them on a partitioned table).
                    let fk = con.contype == ConstrType::ConstrForeign as i32;
                    let check = con.contype == ConstrType::ConstrCheck as i32;
                    match added {
                        // Partitions inherit a CHECK (PostgreSQL refuses ONLY for it).
                        Some(name) if check => {
                            let k = self.table(table).and_then(|t| t.constraint(&name)).cloned();
                            for child in self.all_partitions_of(table) {
                                if let (Some(k), Some(t)) = (&k, self.table_mut(&child)) {
                                    if t.constraint(&k.name).is_none() {
                                        t.put_constraint(k.clone());
                                    }
                                }
                            }
                        }
                        Some(name) if recurse || fk => self.constrain_partitions(table, &name),
                        _ => {}
                    }
                }
            }
            AlterTableType::AtValidateConstraint => {
                if let Some(t) = self.table_mut(table) {
                    for c in &mut t.constraints {
                        if c.name == cmd.name {
                            c.validated = true;
                        }
                    }
                }
            }
            AlterTableType::AtAlterConstraint => {
                let change = match def {
                    Some(NodeEnum::AtalterConstraint(a)) if a.alter_deferrability => {
                        Some((&a.conname, a.deferrable, a.initdeferred))
                    }
                    Some(NodeEnum::Constraint(c)) => {
                        Some((&c.conname, c.deferrable, c.initdeferred))
                    }
                    _ => None,
                };
                if let (Some((name, deferrable, initdeferred)), Some(t)) =
                    (change, self.table_mut(table))
                {
                    for c in &mut t.constraints {
                        if c.name == *name {
                            c.deferrable = deferrable;
                            c.initially_deferred = initdeferred;
                        }
                    }
                }
            }
            AlterTableType::AtDropConstraint => {
                let dropped = self
                    .table(table)
                    .and_then(|t| t.constraint(&cmd.name))
                    .cloned();
                if let Some(t) = self.table_mut(table) {
                    t.constraints.retain(|c| c.name != cmd.name);
                }
                let idx = QualifiedName::new(Some(&table.schema), &cmd.name);
                if self.indexes.get(&idx).is_some_and(|i| &i.table == table) {
                    self.drop_index_tree(&idx);
                }
                if let Some(c) = dropped {
                    self.drop_constraint_clones(table, &c);
                }
            }
            AlterTableType::AtSetLogged | AlterTableType::AtSetUnLogged => {
                if let Some(t) = self.table_mut(table) {
                    t.unlogged = subtype == AlterTableType::AtSetUnLogged;
                }
            }
            AlterTableType::AtAddIdentity => {
                let (ident, options) = match def {
                    Some(NodeEnum::Constraint(c)) => (
                        if c.generated_when == "a" {
                            Identity::Always
                        } else {
                            Identity::ByDefault
                        },
                        c.options.clone(),
                    ),
                    _ => (Identity::ByDefault, Vec::new()),
                };
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.identity = Some(ident);
                    c.not_null = true;
                }
                self.add_identity_sequence(table, &cmd.name, &options);
            }
            AlterTableType::AtSetIdentity => {
                for o in &cmd
                    .def
                    .as_deref()
                    .and_then(node)
                    .map_or_else(Vec::new, |d| match d {
                        NodeEnum::List(l) => l.items.clone(),
                        _ => Vec::new(),
                    })
                {
                    if let Some(NodeEnum::DefElem(d)) = node(o) {
                        if d.defname == "generated" {
                            let always =
                                d.arg.as_deref().and_then(ast::int_const) == Some(i64::from(b'a'));
                            if let Some(c) = self.column_mut(table, &cmd.name) {
                                c.identity = Some(if always {
                                    Identity::Always
                                } else {
                                    Identity::ByDefault
                                });
                            }
                        }
                    }
                }
            }
            AlterTableType::AtDropIdentity => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.identity = None;
                }
                self.drop_owned_sequences(table, Some(&cmd.name));
            }
            AlterTableType::AtAttachPartition => {
                if let Some(NodeEnum::PartitionCmd(p)) = def {
                    if let Some(rv) = &p.name {
                        let part = QualifiedName::from_range_var(rv);
                        if let Some(t) = self.table_mut(&part) {
                            t.partition_of = Some(table.clone());
                            self.partition_added(table, &part);
                        }
                    }
                }
            }
            AlterTableType::AtDetachPartition | AlterTableType::AtDetachPartitionFinalize => {
                if let Some(NodeEnum::PartitionCmd(p)) = def {
                    if let Some(rv) = &p.name {
                        let part = QualifiedName::from_range_var(rv);
                        if let Some(t) = self.table_mut(&part) {
                            t.partition_of = None;
                            self.partition_detached(&part);
                        }
                    }
                }
            }
            AlterTableType::AtEnableRowSecurity | AlterTableType::AtDisableRowSecurity => {
                if let Some(t) = self.table_mut(table) {
                    t.rls_enabled = subtype == AlterTableType::AtEnableRowSecurity;
                }
            }
            AlterTableType::AtForceRowSecurity | AlterTableType::AtNoForceRowSecurity => {
                if let Some(t) = self.table_mut(table) {
                    t.rls_forced = subtype == AlterTableType::AtForceRowSecurity;
                }
            }
            AlterTableType::AtChangeOwner => {
                let owner = cmd.newowner.as_ref().and_then(crate::objects::role_name);
                if let Some(t) = self.table_mut(table) {
                    t.owner = owner;
                }
            }
            // Storage, statistics targets, reloptions, tablespaces, clustering, replica
            // identity and trigger enabling do not change the modelled schema.
            AlterTableType::AtSetStorage
            | AlterTableType::AtSetCompression
            | AlterTableType::AtSetStatistics
            | AlterTableType::AtSetOptions
            | AlterTableType::AtResetOptions
            | AlterTableType::AtSetRelOptions
            | AlterTableType::AtResetRelOptions
            | AlterTableType::AtReplaceRelOptions
            | AlterTableType::AtSetTableSpace
            | AlterTableType::AtClusterOn
            | AlterTableType::AtDropCluster
            | AlterTableType::AtReplicaIdentity
            | AlterTableType::AtEnableTrig
            | AlterTableType::AtEnableAlwaysTrig
            | AlterTableType::AtEnableReplicaTrig
            | AlterTableType::AtDisableTrig
            | AlterTableType::AtEnableTrigAll
            | AlterTableType::AtDisableTrigAll
            | AlterTableType::AtEnableTrigUser
            | AlterTableType::AtDisableTrigUser
            | AlterTableType::AtEnableRule
            | AlterTableType::AtDisableRule
            | AlterTableType::AtSetAccessMethod => {}
            AlterTableType::AtAddInherit | AlterTableType::AtDropInherit => {
                return Applied::Unmodelled("ALTER TABLE INHERIT");
            }
            AlterTableType::AtCookedColumnDefault | AlterTableType::AtSetExpression => {
                return Applied::Unmodelled("ALTER COLUMN SET EXPRESSION");
            }
            AlterTableType::AtDropExpression => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.generated = None;
                }
            }
            _ => return Applied::Unmodelled("ALTER TABLE (other subcommand)"),
        }
        Applied::Changed
    }

    /// The partitions of a table (none for a regular table).
    pub(crate) fn children_of(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        // Only a partitioned table has partitions: skip the scan of every table for the rest
        // (it made a file of ALTER TABLEs quadratic). A table already removed is scanned for.
        if self
            .tables
            .get(table)
            .is_some_and(|t| t.kind == TableKind::Regular)
        {
            return Vec::new();
        }
        self.tables
            .values()
            .filter(|t| t.partition_of.as_ref() == Some(table))
            .map(|t| t.name.clone())
            .collect()
    }

    fn drop_column(&mut self, table: &QualifiedName, column: &str) {
        if let Some(t) = self.table_mut(table) {
            t.columns.retain(|c| c.name != column);
            t.constraints
                .retain(|c| !c.columns.iter().any(|x| x == column));
        }
        // An expression can refer to the column only if its text holds the name: parse only then.
        let uses = |sql: &str| {
            sql == column
                || sql.contains(column)
                    && plumb_sql::canon::parse_expr(sql).is_some_and(|e| {
                        plumb_sql::canon::column_refs(&e)
                            .iter()
                            .any(|c| c == column)
                    })
        };
        retain(&mut self.indexes, |_, i| {
            !(&i.table == table
                && (i.columns.iter().any(|c| uses(c))
                    || i.include.iter().any(|c| c == column)
                    || i.predicate.as_deref().is_some_and(uses)))
        });
        // CASCADE drops foreign keys that reference the column.
        self.drop_referencing_fks(table, Some(column));
        self.drop_owned_sequences(table, Some(column));
        for child in self.children_of(table) {
            self.drop_column(&child, column);
        }
    }

    fn drop_referencing_fks(&mut self, table: &QualifiedName, column: Option<&str>) {
        let refers = |c: &Constraint| match &c.kind {
            ConstraintKind::ForeignKey {
                references,
                ref_columns,
                ..
            } => {
                references == table && column.is_none_or(|col| ref_columns.iter().any(|r| r == col))
            }
            _ => false,
        };
        for_each_mut(
            &mut self.tables,
            |t| t.constraints.iter().any(refers),
            |t| t.constraints.retain(|c| !refers(c)),
        );
    }

    pub(crate) fn drop_owned_sequences(&mut self, table: &QualifiedName, column: Option<&str>) {
        retain(&mut self.sequences, |_, s| {
            !s.owned_by
                .as_ref()
                .is_some_and(|(t, c)| t == table && column.is_none_or(|col| col == c))
        });
    }

    fn retype_owned_sequence(&mut self, table: &QualifiedName, column: &str, new_type: &str) {
        let new_type = if matches!(new_type, "int2" | "int4" | "int8") {
            new_type
        } else {
            return;
        };
        let owned = |s: &Arc<crate::model::Sequence>| {
            s.owned_by
                .as_ref()
                .is_some_and(|(t, c)| t == table && c == column)
        };
        crate::model::update_where(&mut self.sequences, owned, |s| {
            let s = Arc::make_mut(s);
            // ALTER SEQUENCE ... AS moves a bound that was the old type's limit.
            if s.max_value == crate::model::int_type_max(&s.data_type) {
                s.max_value = crate::model::int_type_max(new_type);
            }
            if s.min_value == -crate::model::int_type_max(&s.data_type) - 1 {
                s.min_value = -crate::model::int_type_max(new_type) - 1;
            }
            new_type.clone_into(&mut s.data_type);
        });
    }

    pub(crate) fn column_mut(
        &mut self,
        table: &QualifiedName,
        column: &str,
    ) -> Option<&mut Column> {
        self.table_mut(table)?.column_mut(column)
    }

    /// An index key (or INCLUDE column) as canonical SQL: the column's name or the expression.
    fn index_elem_sql(&self, table: &QualifiedName, n: &Node) -> Option<String> {
        match node(n)? {
            NodeEnum::IndexElem(e) => {
                if e.name.is_empty() {
                    e.expr.as_deref().and_then(|x| self.expr_on(table, x))
                } else {
                    Some(e.name.clone())
                }
            }
            NodeEnum::String(s) => Some(s.sval.clone()),
            _ => None,
        }
    }

    /// The canonical SQL of an expression over a table's columns, casts judged by the
    /// columns' types (see [`plumb_sql::canon::canonical_expr_in`]).
    pub(crate) fn expr_on(&self, table: &QualifiedName, expr: &Node) -> Option<String> {
        let t = self.table(table);
        canonical_expr_in(expr, &|c: &str| {
            t?.column(c).map(|c| c.type_name.to_string())
        })
    }

    fn add_constraint(
        &mut self,
        table: &QualifiedName,
        column: Option<&str>,
        con: &protobuf::Constraint,
    ) -> Option<String> {
        let contype = ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined);
        let mut columns: Vec<String> = match contype {
            ConstrType::ConstrForeign => owned_strings(&con.fk_attrs),
            // PostgreSQL records the columns a CHECK expression uses in the order they first
            // appear in it (`conkey`).
            ConstrType::ConstrCheck => {
                let used = con
                    .raw_expr
                    .as_deref()
                    .map(plumb_sql::canon::column_refs)
                    .unwrap_or_default();
                match self.table(table) {
                    Some(t) => used.into_iter().filter(|u| t.column(u).is_some()).collect(),
                    None => used,
                }
            }
            ConstrType::ConstrExclusion => con
                .exclusions
                .iter()
                .filter_map(|e| match node(e) {
                    Some(NodeEnum::List(l)) => {
                        l.items.first().and_then(|e| self.index_elem_sql(table, e))
                    }
                    _ => None,
                })
                .collect(),
            _ => owned_strings(&con.keys),
        };
        if columns.is_empty() {
            if let Some(c) = column {
                columns.push(c.to_owned());
            }
        }
        let validated = !con.skip_validation;
        let kind = match contype {
            ConstrType::ConstrPrimary => {
                for c in &columns {
                    if let Some(col) = self.column_mut(table, c) {
                        col.not_null = true;
                    }
                }
                ConstraintKind::PrimaryKey
            }
            ConstrType::ConstrUnique => ConstraintKind::Unique,
            ConstrType::ConstrForeign => {
                let Some(pk) = &con.pktable else { return None };
                let references = QualifiedName::from_range_var(pk);
                let mut ref_columns = owned_strings(&con.pk_attrs);
                if ref_columns.is_empty() {
                    if let Some(k) = self.table(&references).and_then(Table::primary_key) {
                        ref_columns.clone_from(&k.columns);
                    }
                }
                ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    on_delete: FkAction::from_code(&con.fk_del_action),
                    on_update: FkAction::from_code(&con.fk_upd_action),
                }
            }
            ConstrType::ConstrCheck => {
                let expr = con.raw_expr.as_deref();
                ConstraintKind::Check {
                    expr: expr
                        .and_then(|e| self.expr_on(table, e))
                        .unwrap_or_default(),
                    not_null_column: expr.and_then(ast::is_not_null_test),
                }
            }
            ConstrType::ConstrExclusion => ConstraintKind::Exclusion,
            _ => return None,
        };
        let name = if con.conname.is_empty() {
            self.default_constraint_name(table, &columns, &kind)
        } else {
            con.conname.clone()
        };
        // UNIQUE, PRIMARY KEY and EXCLUDE constraints are backed by an index of the same name.
        if matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        ) {
            let own = QualifiedName::new(Some(&table.schema), &name);
            let existing = if con.indexname.is_empty() {
                None
            } else {
                // ADD CONSTRAINT ... USING INDEX renames the index to the constraint's name.
                self.indexes
                    .remove(&QualifiedName::new(Some(&table.schema), &con.indexname))
            };
            let index = existing.map_or_else(
                || Index {
                    name: own.clone(),
                    table: table.clone(),
                    parent: None,
                    columns: columns.clone(),
                    key_options: Vec::new(),
                    include: owned_strings(&con.including),
                    unique: kind != ConstraintKind::Exclusion,
                    method: access_method(&con.access_method),
                    predicate: con
                        .where_clause
                        .as_deref()
                        .and_then(|e| self.expr_on(table, e)),
                    valid: true,
                    comment: None,
                    stats: None,
                },
                |i| Index {
                    name: own.clone(),
                    ..(*i).clone()
                },
            );
            if columns.is_empty() {
                columns.clone_from(&index.columns);
            }
            self.indexes.insert(own, Arc::new(index));
        }
        let t = self.table_mut(table)?;
        t.put_constraint(Constraint {
            name: name.clone(),
            kind,
            columns,
            validated,
            deferrable: con.deferrable,
            initially_deferred: con.initdeferred,
            inherited: false,
        });
        Some(name)
    }

    /// PostgreSQL's generated constraint name (`ChooseConstraintName`), made unique among the
    /// table's constraints and the schema's relations (for index-backed constraints).
    pub(crate) fn default_constraint_name(
        &self,
        table: &QualifiedName,
        columns: &[String],
        kind: &ConstraintKind,
    ) -> String {
        let (cols, label) = match kind {
            ConstraintKind::PrimaryKey => (String::new(), "pkey"),
            ConstraintKind::Unique => (columns.join("_"), "key"),
            ConstraintKind::ForeignKey { .. } => (columns.join("_"), "fkey"),
            // "tab_col_check" when the expression uses exactly one column, else "tab_check"
            // (PostgreSQL no longer knows whether it was written as a column constraint).
            ConstraintKind::Check { .. } => match columns {
                [only] => (only.clone(), "check"),
                _ => (String::new(), "check"),
            },
            ConstraintKind::Exclusion => (columns.join("_"), "excl"),
        };
        let indexed = matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        );
        let t = self.table(table);
        let mut pass = 0;
        loop {
            let suffix = if pass == 0 {
                label.to_owned()
            } else {
                format!("{label}{pass}")
            };
            let name = if cols.is_empty() {
                make_object_name(&table.name, "", &suffix)
            } else {
                make_object_name(&table.name, &cols, &suffix)
            };
            let taken = t.is_some_and(|t| t.constraint(&name).is_some())
                || (indexed
                    && self.relation_exists(&QualifiedName::new(Some(&table.schema), &name)));
            if !taken {
                return name;
            }
            pass += 1;
        }
    }

    fn create_index(&mut self, i: &protobuf::IndexStmt) {
        let Some(rv) = &i.relation else { return };
        let table = QualifiedName::from_range_var(rv);
        let columns: Vec<String> = i
            .index_params
            .iter()
            .filter_map(|e| self.index_elem_sql(&table, e))
            .collect();
        let name = if i.idxname.is_empty() {
            // ChooseIndexName: <table>_<col>[_<col>...]_idx / _key, expressions named "expr".
            let cols: Vec<String> = i
                .index_params
                .iter()
                .map(|p| match node(p) {
                    Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => e.name.clone(),
                    Some(NodeEnum::IndexElem(e)) => e
                        .expr
                        .as_deref()
                        .and_then(figure_colname)
                        .unwrap_or_else(|| "expr".to_owned()),
                    _ => "expr".to_owned(),
                })
                .collect();
            let label = if i.primary {
                "pkey"
            } else if i.unique {
                "key"
            } else {
                "idx"
            };
            self.choose_relation_name(&table.schema, &table.name, &cols.join("_"), label)
        } else {
            QualifiedName::new(Some(&table.schema), &i.idxname)
        };
        if i.if_not_exists && self.indexes.contains_key(&name) {
            return;
        }
        let include = i
            .index_including_params
            .iter()
            .filter_map(|e| self.index_elem_sql(&table, e))
            .collect();
        let predicate = i
            .where_clause
            .as_deref()
            .and_then(|e| self.expr_on(&table, e));
        self.indexes.insert(
            name.clone(),
            Arc::new(Index {
                name: name.clone(),
                table,
                parent: None,
                columns,
                key_options: index_key_options(&i.index_params),
                include,
                unique: i.unique,
                method: access_method(&i.access_method),
                predicate,
                valid: true,
                comment: None,
                stats: None,
            }),
        );
        // Without ONLY, an index on a partitioned table is built on every partition.
        if rv.inh {
            self.index_partitions(&name);
        }
    }

    fn drop(&mut self, d: &protobuf::DropStmt) -> Applied {
        let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
        let mut result = Applied::Changed;
        for obj in &d.objects {
            match kind {
                ObjectType::ObjectSchema => {
                    if let Some(s) = ast::string_of(obj) {
                        self.drop_schema(s);
                    }
                }
                ObjectType::ObjectTable
                | ObjectType::ObjectForeignTable
                | ObjectType::ObjectIndex
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectSequence => {
                    let Some(NodeEnum::List(l)) = node(obj) else {
                        continue;
                    };
                    let Some(name) = QualifiedName::from_parts(&strings(&l.items)) else {
                        continue;
                    };
                    if d.behavior == protobuf::DropBehavior::DropCascade as i32
                        && kind != ObjectType::ObjectIndex
                    {
                        self.drop_dependent_views(&name);
                    }
                    match kind {
                        ObjectType::ObjectIndex => self.drop_index_tree(&name),
                        ObjectType::ObjectView | ObjectType::ObjectMatview => self.drop_view(&name),
                        ObjectType::ObjectSequence => {
                            self.sequences.remove(&name);
                            self.drop_grants_on(&name);
                        }
                        _ => self.drop_table(&name),
                    }
                }
                _ => {
                    let r = self.drop_object(kind, obj);
                    if r != Applied::Changed {
                        result = r;
                    }
                }
            }
        }
        result
    }

    fn drop_view(&mut self, name: &QualifiedName) {
        self.views.remove(name);
        retain(&mut self.indexes, |_, i| &i.table != name);
        self.drop_grants_on(name);
    }

    /// `DROP ... CASCADE` drops the views that read the object, and the views that read those.
    /// A view whose query the model did not see (the linter skips view queries for speed:
    /// `plumb_sql::parse_abridged`) may read it, so it goes too: a later `CREATE VIEW` of the
    /// same name is then not taken for a conflict.
    fn drop_dependent_views(&mut self, name: &QualifiedName) {
        let dependents: Vec<QualifiedName> = self
            .views
            .values()
            .filter(|v| &v.name != name && (v.depends_on.is_empty() || v.depends_on.contains(name)))
            .map(|v| v.name.clone())
            .collect();
        for v in dependents {
            if self.views.contains_key(&v) {
                self.drop_view(&v);
                self.drop_dependent_views(&v);
            }
        }
    }

    /// The tables and views a view's query reads (relations named anywhere in it, CTE names
    /// aside), sorted, as PostgreSQL records them in `pg_depend`.
    fn view_sources(&self, query: &Node) -> Vec<QualifiedName> {
        let Some(q) = node(query) else {
            return Vec::new();
        };
        let mut ctes = Vec::new();
        let mut out = Vec::new();
        for (n, _, _, _) in q.nodes() {
            match n {
                plumb_sql::NodeRef::CommonTableExpr(c) => ctes.push(c.ctename.clone()),
                plumb_sql::NodeRef::RangeVar(rv) => out.push(rv),
                _ => {}
            }
        }
        let mut names: Vec<QualifiedName> = out
            .into_iter()
            .filter(|rv| !(rv.schemaname.is_empty() && ctes.contains(&rv.relname)))
            .map(QualifiedName::from_range_var)
            .filter(|n| self.tables.contains_key(n) || self.views.contains_key(n))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn drop_table(&mut self, name: &QualifiedName) {
        if self.tables.remove(name).is_none() {
            return;
        }
        retain(&mut self.indexes, |_, i| &i.table != name);
        self.drop_referencing_fks(name, None);
        self.drop_owned_sequences(name, None);
        self.drop_grants_on(name);
        for child in self.children_of(name) {
            self.drop_table(&child);
        }
    }

    fn drop_schema(&mut self, s: &str) {
        self.schemas.remove(s);
        let tables: Vec<QualifiedName> = self
            .tables
            .keys()
            .filter(|k| k.schema == s)
            .cloned()
            .collect();
        for t in tables {
            self.drop_table(&t);
        }
        retain(&mut self.indexes, |k, _| k.schema != s);
        retain(&mut self.views, |k, _| k.schema != s);
        retain(&mut self.enums, |k, _| k.schema != s);
        retain(&mut self.domains, |k, _| k.schema != s);
        retain(&mut self.composite_types, |k, _| k.schema != s);
        retain(&mut self.sequences, |k, _| k.schema != s);
        retain(&mut self.functions, |k, _| k.schema != s);
        retain(&mut self.collations, |k, _| k.schema != s);
        retain(&mut self.text_search_configs, |k, _| k.schema != s);
        retain(&mut self.aggregates, |k, _| k.schema != s);
        let gone: Vec<_> = self
            .grants
            .iter()
            .filter(|g| g.object.schema == s || (g.object.schema.is_empty() && g.object.name == s))
            .cloned()
            .collect();
        for g in gone {
            self.grants.remove(&g);
        }
    }

    fn rename(&mut self, r: &protobuf::RenameStmt) -> Applied {
        let kind = ObjectType::try_from(r.rename_type).unwrap_or(ObjectType::Undefined);
        let Some(rv) = &r.relation else {
            return self.rename_object(kind, r);
        };
        let target = QualifiedName::from_range_var(rv);
        let new = QualifiedName::new(Some(&target.schema), &r.newname);
        match kind {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                self.rename_table(&target, &new);
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => {
                if let Some(mut v) = self.views.remove(&target) {
                    v.name = new.clone();
                    v.definition = None;
                    self.views.insert(v.name.clone(), v);
                    self.views_read_renamed(&target, Some(&new));
                }
            }
            ObjectType::ObjectSequence => {
                if let Some(mut s) = self.sequences.remove(&target) {
                    Arc::make_mut(&mut s).name = new.clone();
                    self.sequences.insert(new.clone(), s);
                    self.rename_grant_object(&target, &new);
                    // Defaults hold the sequence's OID: they show the new name.
                    let (old_default, new_default) = (nextval_sql(&target), nextval_sql(&new));
                    for_each_mut(
                        &mut self.tables,
                        |t| {
                            t.columns
                                .iter()
                                .any(|c| c.default.as_deref() == Some(&old_default))
                        },
                        |t| {
                            for c in &mut t.columns {
                                if c.default.as_deref() == Some(&old_default) {
                                    c.default = Some(new_default.clone());
                                }
                            }
                        },
                    );
                }
            }
            ObjectType::ObjectIndex => {
                if let Some(mut i) = self.indexes.remove(&target) {
                    // Renaming a constraint's index renames the constraint.
                    let table = i.table.clone();
                    if let Some(t) = self.table_mut(&table) {
                        if let Some(pos) = t.constraints.iter().position(|c| c.name == target.name)
                        {
                            let mut c = t.constraints.remove(pos);
                            c.name.clone_from(&r.newname);
                            t.put_constraint(c);
                        }
                    }
                    Arc::make_mut(&mut i).name = new;
                    self.indexes.insert(i.name.clone(), i);
                }
            }
            ObjectType::ObjectColumn => self.rename_column(&target, &r.subname, &r.newname),
            ObjectType::ObjectTabconstraint => {
                if let Some(t) = self.table_mut(&target) {
                    if let Some(pos) = t.constraints.iter().position(|c| c.name == r.subname) {
                        let mut c = t.constraints.remove(pos);
                        c.name.clone_from(&r.newname);
                        t.put_constraint(c);
                    }
                }
                // Renaming an index-backed constraint renames its index.
                let old_idx = QualifiedName::new(Some(&target.schema), &r.subname);
                if self
                    .indexes
                    .get(&old_idx)
                    .is_some_and(|i| i.table == target)
                {
                    if let Some(mut i) = self.indexes.remove(&old_idx) {
                        let n = QualifiedName::new(Some(&target.schema), &r.newname);
                        Arc::make_mut(&mut i).name = n.clone();
                        self.indexes.insert(n, i);
                    }
                }
            }
            ObjectType::ObjectTrigger | ObjectType::ObjectPolicy => {
                if let Some(t) = self.table_mut(&target) {
                    if kind == ObjectType::ObjectTrigger {
                        if let Some(pos) = t.triggers.iter().position(|x| x.name == r.subname) {
                            let mut x = t.triggers.remove(pos);
                            x.name.clone_from(&r.newname);
                            t.put_trigger(x);
                        }
                    } else if let Some(pos) = t.policies.iter().position(|x| x.name == r.subname) {
                        let mut x = t.policies.remove(pos);
                        x.name.clone_from(&r.newname);
                        t.put_policy(x);
                    }
                }
            }
            _ => return Applied::Unmodelled("ALTER ... RENAME (this object type)"),
        }
        Applied::Changed
    }

    pub(crate) fn rename_table(&mut self, target: &QualifiedName, new: &QualifiedName) {
        let Some(mut t) = self.tables.remove(target) else {
            return;
        };
        Arc::make_mut(&mut t).name = new.clone();
        self.tables.insert(new.clone(), t);
        for_each_mut(
            &mut self.indexes,
            |i| &i.table == target,
            |i| i.table = new.clone(),
        );
        for_each_mut(
            &mut self.tables,
            |t| {
                t.partition_of.as_ref() == Some(target)
                    || t.constraints.iter().any(|c| {
                        matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == target)
                    })
            },
            |t| {
                if t.partition_of.as_ref() == Some(target) {
                    t.partition_of = Some(new.clone());
                }
                for c in &mut t.constraints {
                    if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind {
                        if references == target {
                            *references = new.clone();
                        }
                    }
                }
            },
        );
        let owned =
            |s: &Arc<crate::model::Sequence>| s.owned_by.as_ref().is_some_and(|(t, _)| t == target);
        crate::model::update_where(&mut self.sequences, owned, |s| {
            if let Some((t, _)) = &mut Arc::make_mut(s).owned_by {
                if t == target {
                    *t = new.clone();
                }
            }
        });
        self.rename_grant_object(target, new);
        self.views_read_renamed(target, Some(new));
    }

    /// Views that read a renamed relation (or one whose column was renamed) follow it, as
    /// PostgreSQL's do by OID; their stored statement, which names the old one, is dropped.
    fn views_read_renamed(&mut self, target: &QualifiedName, new: Option<&QualifiedName>) {
        crate::model::update_where(
            &mut self.views,
            |v| v.depends_on.contains(target),
            |v| {
                v.definition = None;
                if let Some(new) = new {
                    for d in &mut v.depends_on {
                        if d == target {
                            d.clone_from(new);
                        }
                    }
                    v.depends_on.sort();
                }
            },
        );
    }

    fn rename_column(&mut self, target: &QualifiedName, old: &str, new: &str) {
        self.views_read_renamed(target, None);
        let in_expr = |e: &mut String| *e = plumb_sql::canon::rename_column(e, old, new);
        if let Some(t) = self.table_mut(target) {
            if let Some(c) = t.column_mut(old) {
                c.name = crate::Name::from(new);
            }
            for c in &mut t.columns {
                if let Some(g) = &mut c.generated {
                    in_expr(g);
                }
            }
            for k in &mut t.partition_key {
                if k == old {
                    new.clone_into(k);
                } else {
                    in_expr(k);
                }
            }
            for p in &mut t.policies {
                if let Some(e) = &mut p.using {
                    in_expr(e);
                }
                if let Some(e) = &mut p.with_check {
                    in_expr(e);
                }
            }
            for con in &mut t.constraints {
                if let ConstraintKind::Check { expr, .. } = &mut con.kind {
                    in_expr(expr);
                }
                for c in &mut con.columns {
                    if c == old {
                        new.clone_into(c);
                    }
                }
                if let ConstraintKind::Check {
                    not_null_column: Some(c),
                    ..
                } = &mut con.kind
                {
                    if c == old {
                        new.clone_into(c);
                    }
                }
            }
        }
        let rename = |cols: &mut Vec<String>| {
            for c in cols {
                if c == old {
                    new.clone_into(c);
                }
            }
        };
        // Expression keys and predicates name the column too (`lower(ap_id)`): PostgreSQL shows
        // them with the new name. Only text holding the old name is parsed.
        for_each_mut(
            &mut self.indexes,
            |i| {
                &i.table == target
                    && (i.columns.iter().any(|c| c.contains(old))
                        || i.include.iter().any(|c| c == old)
                        || i.predicate.as_deref().is_some_and(|p| p.contains(old)))
            },
            |i| {
                for c in &mut i.columns {
                    if c == old {
                        new.clone_into(c);
                    } else if c.contains(old) {
                        in_expr(c);
                    }
                }
                rename(&mut i.include);
                if let Some(p) = &mut i.predicate {
                    in_expr(p);
                }
            },
        );
        // Foreign keys elsewhere name the referenced column.
        for_each_mut(
            &mut self.tables,
            |t| {
                t.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { references, ref_columns, .. }
                        if references == target && ref_columns.iter().any(|r| r == old))
                })
            },
            |t| {
                for c in &mut t.constraints {
                    if let ConstraintKind::ForeignKey {
                        references,
                        ref_columns,
                        ..
                    } = &mut c.kind
                    {
                        if references == target {
                            rename(ref_columns);
                        }
                    }
                }
            },
        );
        let owned = |s: &Arc<crate::model::Sequence>| {
            s.owned_by
                .as_ref()
                .is_some_and(|(t, c)| t == target && c == old)
        };
        crate::model::update_where(&mut self.sequences, owned, |s| {
            if let Some((t, c)) = &mut Arc::make_mut(s).owned_by {
                if t == target && c == old {
                    new.clone_into(c);
                }
            }
        });
        for child in self.children_of(target) {
            self.rename_column(&child, old, new);
        }
    }
}

/// `BTreeMap::retain` for a persistent map.
pub(crate) fn retain<K: Ord + Clone, V: Clone>(
    map: &mut OrdMap<K, V>,
    keep: impl Fn(&K, &V) -> bool,
) {
    let gone: Vec<K> = map
        .iter()
        .filter(|(k, v)| !keep(k, v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in gone {
        map.remove(&k);
    }
}

/// Mutates the values that match, copying only their paths.
pub(crate) fn for_each_mut<K: Ord + Clone, V: Clone>(
    map: &mut OrdMap<K, Arc<V>>,
    matches: impl Fn(&V) -> bool,
    mut change: impl FnMut(&mut V),
) {
    let keys: Vec<K> = map
        .iter()
        .filter(|(_, v)| matches(v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        if let Some(v) = map.get_mut(&k) {
            change(Arc::make_mut(v));
        }
    }
}

/// PostgreSQL's `makeObjectName`: `name1[_name2]_label`, truncating the longer of the two names
/// (at a character boundary) until the result fits in NAMEDATALEN - 1 = 63 bytes.
pub(crate) fn make_object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let (mut l1, mut l2) = (name1.len(), name2.len());
    while l1 + l2 + overhead > MAX {
        if l1 > l2 {
            l1 -= 1;
        } else {
            l2 -= 1;
        }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    let mut out = cut(name1, l1);
    if !name2.is_empty() {
        out.push('_');
        out.push_str(&cut(name2, l2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// The default PostgreSQL shows for a serial column: `nextval('<seq>'::regclass)`, canonical.
fn nextval_sql(seq: &QualifiedName) -> String {
    let name = if seq.schema == crate::DEFAULT_SCHEMA {
        quote_ident(&seq.name)
    } else {
        format!("{}.{}", quote_ident(&seq.schema), quote_ident(&seq.name))
    };
    format!("nextval('{}')", name.replace('\'', "''"))
}

/// An index's access method; the parser leaves it empty for the default, btree.
fn access_method(name: &str) -> String {
    if name.is_empty() { "btree" } else { name }.to_owned()
}

fn serial_base(type_name: &str) -> Option<&'static str> {
    match type_name {
        "serial" => Some("int4"),
        "bigserial" => Some("int8"),
        "smallserial" => Some("int2"),
        _ => None,
    }
}

/// A default expression for a column of a type. PostgreSQL stores no default for an explicit
/// `DEFAULT NULL`, unless the type has modifiers (`varchar(n)`, `numeric(p,s)`): then the null
/// is wrapped in a length coercion and kept.
fn default_sql(expr: &Node, type_name: &str) -> Option<String> {
    if let Some(NodeEnum::AConst(c)) = node(expr) {
        if c.isnull {
            return type_name.contains('(').then(|| "NULL".to_owned());
        }
    }
    canonical_expr(expr)
}

pub(crate) fn collation_name(c: &protobuf::CollateClause) -> Option<String> {
    let name = strings(&c.collname).last().map(|s| (*s).to_owned())?;
    (name != "default").then_some(name)
}

fn column_from_def(col: &protobuf::ColumnDef) -> (Column, Vec<&protobuf::Constraint>) {
    let type_name = col
        .type_name
        .as_ref()
        .map(ast::type_name)
        .unwrap_or_default();
    let mut column = Column::new(&col.colname, &type_name);
    column.not_null = col.is_not_null;
    column.default = col
        .raw_default
        .as_deref()
        .and_then(|d| default_sql(d, &type_name));
    column.collation = col.coll_clause.as_deref().and_then(collation_name);
    if let Some(base) = serial_base(&column.type_name) {
        // The default (nextval of the owned sequence) is set by `column_added`.
        column.type_name = crate::Name::from(base);
        column.not_null = true;
    }
    let mut pending = Vec::new();
    for c in &col.constraints {
        let Some(NodeEnum::Constraint(con)) = node(c) else {
            continue;
        };
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNotnull => column.not_null = true,
            ConstrType::ConstrNull => column.not_null = false,
            ConstrType::ConstrDefault => {
                column.default = con
                    .raw_expr
                    .as_deref()
                    .and_then(|d| default_sql(d, &column.type_name));
            }
            ConstrType::ConstrIdentity => {
                column.identity = Some(if con.generated_when == "a" {
                    Identity::Always
                } else {
                    Identity::ByDefault
                });
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => {
                column.generated = con.raw_expr.as_deref().and_then(canonical_expr);
            }
            ConstrType::ConstrPrimary
            | ConstrType::ConstrUnique
            | ConstrType::ConstrCheck
            | ConstrType::ConstrForeign
            | ConstrType::ConstrExclusion => pending.push(&**con),
            _ => {}
        }
    }
    (column, pending)
}

/// PostgreSQL's `FigureColname` for the expressions that name index columns: the column of a
/// reference, the function of a call, the keyword of an array, row, CASE or COALESCE.
pub(crate) fn figure_colname(expr: &Node) -> Option<String> {
    match node(expr)? {
        NodeEnum::ColumnRef(c) => c.fields.last().and_then(ast::string_of).map(str::to_owned),
        NodeEnum::FuncCall(f) => f
            .funcname
            .last()
            .and_then(ast::string_of)
            .map(str::to_owned),
        NodeEnum::TypeCast(t) => t.arg.as_deref().and_then(figure_colname).or_else(|| {
            t.type_name
                .as_ref()
                .and_then(|n| n.names.last())
                .and_then(ast::string_of)
                .map(str::to_owned)
        }),
        NodeEnum::AArrayExpr(_) => Some("array".to_owned()),
        NodeEnum::RowExpr(_) => Some("row".to_owned()),
        NodeEnum::CaseExpr(_) => Some("case".to_owned()),
        NodeEnum::CoalesceExpr(_) => Some("coalesce".to_owned()),
        NodeEnum::CollateClause(c) => c.arg.as_deref().and_then(figure_colname),
        _ => None,
    }
}

/// The collation, operator class and ordering of each key of an index definition: empty when
/// every key uses its defaults (the same rule `pg_get_indexdef` follows when it prints them, so a
/// catalog read from a live database agrees).
pub fn index_key_options(params: &[Node]) -> Vec<IndexKeyOptions> {
    use protobuf::{SortByDir, SortByNulls};
    let last = |names: &[Node]| strings(names).last().map(|s| (*s).to_owned());
    let options: Vec<IndexKeyOptions> = params
        .iter()
        .map(|p| {
            let Some(NodeEnum::IndexElem(e)) = node(p) else {
                return IndexKeyOptions::default();
            };
            let descending = e.ordering == SortByDir::SortbyDesc as i32;
            let nulls_first = match SortByNulls::try_from(e.nulls_ordering) {
                Ok(SortByNulls::SortbyNullsFirst) if !descending => Some(true),
                Ok(SortByNulls::SortbyNullsLast) if descending => Some(false),
                _ => None,
            };
            IndexKeyOptions {
                collation: last(&e.collation),
                opclass: last(&e.opclass),
                descending,
                nulls_first,
            }
        })
        .collect();
    if options.iter().all(|o| *o == IndexKeyOptions::default()) {
        Vec::new()
    } else {
        options
    }
}

/// A copy of a relation reference that names `name`'s schema.
fn qualified_range_var(rv: &protobuf::RangeVar, name: &QualifiedName) -> protobuf::RangeVar {
    protobuf::RangeVar {
        schemaname: name.schema.to_string(),
        ..rv.clone()
    }
}

/// A view's `CREATE` statement, unless its query was left out of the parse (the lint engine
/// replaces it by `SELECT 1`).
fn view_definition(stmt: &NodeEnum) -> Option<String> {
    let sql = plumb_sql::deparse(stmt)?;
    (!sql.ends_with(" AS SELECT 1") && !sql.ends_with(" AS SELECT 1 WITH NO DATA"))
        .then(|| sql + ";")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(sql: &str) -> Catalog {
        let parsed = plumb_sql::parse(sql);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut c = Catalog::default();
        for s in &parsed.statements {
            c.apply(&s.node);
        }
        c
    }

    #[test]
    fn functions_keep_their_statement_until_altered() {
        let mut c = catalog(
            "create function f(a int) returns int language sql immutable as $$ select a + 1 $$;
             create function g() returns int language sql as $$ select 1 $$;
             alter function g() set search_path = pg_catalog;",
        );
        let def = |c: &Catalog, n: &str| {
            c.functions
                .values()
                .find(|f| f.name.name == n)
                .and_then(|f| f.definition.clone())
        };
        let f = def(&c, "f").expect("f has its statement");
        assert!(f.contains("public.f") && f.contains("select a + 1"), "{f}");
        assert!(plumb_sql::parses(&f), "{f}");
        // The statement no longer says what g is.
        assert_eq!(def(&c, "g"), None);
        // A body the lint engine left out gives no statement.
        let abridged = plumb_sql::parse_abridged(
            "create view v as select 1; create function h() returns int language sql as $$ select 2 $$;",
        );
        assert!(abridged.statements[1].abridged);
        c.apply(&abridged.statements[1].node);
        assert_eq!(def(&c, "h"), None);
    }

    #[test]
    fn views_are_ordered_after_what_they_read() {
        let c = catalog(
            "create table t (a int);
             create view a3 as select * from t;
             create view a2 as select * from a3;
             create view a1 as select * from a2;
             create view b as select * from t;",
        );
        // Name order puts the readers first; creation order puts them after.
        let views: Vec<&View> = c.views.values().collect();
        let order: Vec<&str> = c
            .views_in_creation_order(&views)
            .iter()
            .map(|v| v.name.name.as_str())
            .collect();
        assert_eq!(order, ["a3", "a2", "a1", "b"]);
    }

    #[test]
    fn aggregates_with_the_options_modelled_and_no_others() {
        let parsed = plumb_sql::parse(
            "create aggregate median(integer) (sfunc = array_append, stype = integer[], finalfunc = _median, initcond = '{}');
             create aggregate fast_sum(int8) (sfunc = int8pl, stype = int8, parallel = safe);",
        );
        let mut c = Catalog::default();
        let results: Vec<Applied> = parsed.statements.iter().map(|s| c.apply(&s.node)).collect();
        assert_eq!(results[0], Applied::Changed);
        assert!(matches!(results[1], Applied::Unmodelled(_)), "{results:?}");
        let median = c.aggregates.values().next().expect("median");
        assert_eq!(median.state_type, "int4[]");
        assert!(
            plumb_sql::parses(&median.create_sql()),
            "{}",
            median.create_sql()
        );
        assert_eq!(c.aggregates.len(), 1);
    }

    #[test]
    fn collations_and_text_search_configurations() {
        let c = catalog(
            "create collation ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
             create collation fr (locale = 'fr_FR.utf8');
             create text search configuration ts (copy = pg_catalog.simple);
             alter text search configuration ts alter mapping for word, hword with unaccent, simple;
             alter text search configuration ts drop mapping for email;
             create text search configuration ts2 (copy = ts);
             alter text search configuration ts2 alter mapping replace simple with english_stem;
             drop collation fr;",
        );
        let ci = &c.collations[&QualifiedName::new(None, "ci")];
        assert_eq!(
            (ci.provider.as_str(), ci.locale.as_deref(), ci.deterministic),
            ("icu", Some("und-u-ks-level2"), false)
        );
        assert_eq!(c.collations.len(), 1);
        let ts = &c.text_search_configs[&QualifiedName::new(None, "ts")];
        assert_eq!(ts.mappings["word"], ["unaccent", "simple"]);
        assert!(!ts.mappings.contains_key("email"));
        assert_eq!(
            ts.mappings.len(),
            crate::model::SIMPLE_CONFIG_TOKENS.len() - 1
        );
        let ts2 = &c.text_search_configs[&QualifiedName::new(None, "ts2")];
        assert_eq!(ts2.mappings["word"], ["unaccent", "english_stem"]);
        assert_eq!(ts2.mappings["int"], ["english_stem"]);
        // The statements that make them again parse.
        assert!(plumb_sql::parses(&ts.create_sql()), "{}", ts.create_sql());
        assert!(plumb_sql::parses(&ci.create_sql()), "{}", ci.create_sql());
    }

    #[test]
    fn tables_columns_constraints_indexes() {
        let c = catalog(
            "create table users (id bigserial primary key, email varchar(255) not null unique, note text default 'x');
             create table orders (id bigint generated always as identity primary key,
                                  user_id bigint references users (id) on delete cascade,
                                  total numeric(10,2) check (total >= 0));
             alter table orders add column status text;
             alter table orders add constraint status_nn check (status is not null) not valid;
             create index orders_user_id_idx on orders (user_id) where status <> 'gone';
             alter table users rename column note to notes;
             alter table users alter column email type text;",
        );
        let users = c.table(&QualifiedName::new(None, "users")).unwrap();
        assert_eq!(users.column("id").unwrap().type_name, "int8");
        assert!(users.column("email").unwrap().not_null);
        assert_eq!(users.column("email").unwrap().type_name, "text");
        assert_eq!(
            users.column("notes").unwrap().default.as_deref(),
            Some("'x'")
        );
        assert!(users.primary_key().is_some());
        let orders = c
            .table(&QualifiedName::new(Some("public"), "orders"))
            .unwrap();
        assert_eq!(
            orders.column("id").unwrap().identity,
            Some(Identity::Always)
        );
        let fk = orders
            .constraints
            .iter()
            .find(|c| c.name == "orders_user_id_fkey")
            .unwrap();
        assert!(matches!(
            &fk.kind,
            ConstraintKind::ForeignKey {
                on_delete: FkAction::Cascade,
                ..
            }
        ));
        let nn = orders
            .constraints
            .iter()
            .find(|c| c.name == "status_nn")
            .unwrap();
        assert!(!nn.validated);
        assert!(!orders.has_valid_not_null_check("status"));
        let idx = &c.indexes[&QualifiedName::new(None, "orders_user_id_idx")];
        assert_eq!(idx.columns, ["user_id"]);
        assert_eq!(idx.predicate.as_deref(), Some("status <> 'gone'"));
        assert!(c
            .indexes
            .contains_key(&QualifiedName::new(None, "users_email_key")));
        assert!(c
            .indexes
            .contains_key(&QualifiedName::new(None, "users_pkey")));
    }

    #[test]
    fn validate_rename_and_drop() {
        let c = catalog(
            "create table t (a int);
             alter table t add constraint a_nn check (a is not null) not valid;
             alter table t validate constraint a_nn;
             create type mood as enum ('sad', 'ok');
             alter type mood add value 'happy';
             alter table t rename to t2;
             create table gone (id int); drop table gone;",
        );
        let t = c.table(&QualifiedName::new(None, "t2")).unwrap();
        assert!(t.has_valid_not_null_check("a"));
        assert!(c.table(&QualifiedName::new(None, "gone")).is_none());
        assert_eq!(
            c.enums[&QualifiedName::new(None, "mood")].values,
            ["sad", "ok", "happy"]
        );
    }
}
