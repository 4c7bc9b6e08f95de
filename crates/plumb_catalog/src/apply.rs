//! Interpreting DDL statements into the catalog.
//!
//! [`Catalog::apply`] changes the model the way PostgreSQL would change its catalogs for one
//! statement. Statements that do not change the schema (DML, SET, ...) are no-ops; statement
//! forms not modelled yet are reported by [`Applied::Unmodelled`] so callers can say so.

use std::sync::Arc;

use imbl::OrdMap;
use plumb_sql::ast::{self, strings};
use plumb_sql::protobuf::{self, AlterTableType, ConstrType, Node, ObjectType};
use plumb_sql::NodeEnum;

use crate::model::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, Index, QualifiedName, Table, TableKind,
    View,
};

/// What applying a statement did to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The statement changed (or could not change) the schema as modelled.
    Changed,
    /// The statement does not change the schema (DML, SET, SELECT, ...).
    NoSchemaChange,
    /// A schema-changing statement whose effect the model does not represent yet.
    Unmodelled(&'static str),
}

fn node(n: &Node) -> Option<&NodeEnum> {
    n.node.as_ref()
}

impl Catalog {
    /// Applies one statement to the model.
    pub fn apply(&mut self, stmt: &NodeEnum) -> Applied {
        match stmt {
            NodeEnum::CreateStmt(c) => {
                self.create_table(c);
                Applied::Changed
            }
            NodeEnum::AlterTableStmt(a) => {
                if a.objtype == ObjectType::ObjectTable as i32 {
                    if let Some(rv) = &a.relation {
                        let table = QualifiedName::from_range_var(rv);
                        for cmd in &a.cmds {
                            if let Some(NodeEnum::AlterTableCmd(cmd)) = node(cmd) {
                                self.alter_table(&table, cmd);
                            }
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::IndexStmt(i) => {
                self.create_index(i);
                Applied::Changed
            }
            NodeEnum::DropStmt(d) => {
                self.drop(d);
                Applied::Changed
            }
            NodeEnum::RenameStmt(r) => {
                self.rename(r);
                Applied::Changed
            }
            NodeEnum::CreateEnumStmt(e) => {
                if let Some(name) = QualifiedName::from_parts(&strings(&e.type_name)) {
                    let values = e
                        .vals
                        .iter()
                        .filter_map(ast::string_of)
                        .map(str::to_owned)
                        .collect();
                    self.enums.insert(name.clone(), EnumType { name, values });
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
                        } else if !t.values.contains(&e.new_val) {
                            t.values.push(e.new_val.clone());
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::CreateSchemaStmt(s) => {
                if !self.schemas.contains(&s.schemaname) {
                    self.schemas.push(s.schemaname.clone());
                }
                Applied::Changed
            }
            NodeEnum::ViewStmt(v) => {
                if let Some(rv) = &v.view {
                    let name = QualifiedName::from_range_var(rv);
                    self.views.insert(
                        name.clone(),
                        View {
                            name,
                            materialized: false,
                        },
                    );
                }
                Applied::Changed
            }
            NodeEnum::CreateTableAsStmt(c) => {
                if let Some(rel) = c.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = QualifiedName::from_range_var(rel);
                    if c.objtype == ObjectType::ObjectMatview as i32 {
                        self.views.insert(
                            name.clone(),
                            View {
                                name,
                                materialized: true,
                            },
                        );
                    } else {
                        // CREATE TABLE AS: columns come from the query, which is not typed here.
                        self.tables
                            .insert(name.clone(), Arc::new(empty_table(name)));
                    }
                }
                Applied::Changed
            }
            NodeEnum::SelectStmt(s) if s.into_clause.is_some() => {
                if let Some(rel) = s.into_clause.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = QualifiedName::from_range_var(rel);
                    self.tables
                        .insert(name.clone(), Arc::new(empty_table(name)));
                }
                Applied::Changed
            }
            NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::TransactionStmt(_)
            | NodeEnum::VacuumStmt(_)
            | NodeEnum::ClusterStmt(_)
            | NodeEnum::ReindexStmt(_)
            | NodeEnum::RefreshMatViewStmt(_)
            | NodeEnum::LockStmt(_)
            | NodeEnum::TruncateStmt(_)
            | NodeEnum::DoStmt(_)
            | NodeEnum::CommentStmt(_)
            | NodeEnum::GrantStmt(_)
            | NodeEnum::GrantRoleStmt(_)
            | NodeEnum::NotifyStmt(_)
            | NodeEnum::CopyStmt(_)
            | NodeEnum::ExplainStmt(_)
            | NodeEnum::CallStmt(_) => Applied::NoSchemaChange,
            NodeEnum::CreateFunctionStmt(_) => Applied::Unmodelled("CREATE FUNCTION"),
            NodeEnum::CreateTrigStmt(_) => Applied::Unmodelled("CREATE TRIGGER"),
            NodeEnum::CreateExtensionStmt(_) => Applied::Unmodelled("CREATE EXTENSION"),
            NodeEnum::CreateSeqStmt(_) => Applied::Unmodelled("CREATE SEQUENCE"),
            NodeEnum::AlterSeqStmt(_) => Applied::Unmodelled("ALTER SEQUENCE"),
            NodeEnum::CreateDomainStmt(_) => Applied::Unmodelled("CREATE DOMAIN"),
            NodeEnum::AlterDomainStmt(_) => Applied::Unmodelled("ALTER DOMAIN"),
            NodeEnum::CompositeTypeStmt(_) => Applied::Unmodelled("CREATE TYPE AS"),
            NodeEnum::CreatePolicyStmt(_) => Applied::Unmodelled("CREATE POLICY"),
            NodeEnum::AlterOwnerStmt(_) => Applied::Unmodelled("ALTER OWNER"),
            NodeEnum::AlterObjectSchemaStmt(_) => Applied::Unmodelled("ALTER SET SCHEMA"),
            _ => Applied::Unmodelled("other statement"),
        }
    }

    fn create_table(&mut self, c: &protobuf::CreateStmt) {
        let Some(rv) = &c.relation else { return };
        let name = QualifiedName::from_range_var(rv);
        if c.if_not_exists && self.tables.contains_key(&name) {
            return;
        }
        let mut table = empty_table(name.clone());
        table.unlogged = rv.relpersistence == "u";
        if c.partspec.is_some() {
            table.kind = TableKind::Partitioned;
        }
        if c.partbound.is_some() {
            table.partition_of = c
                .inh_relations
                .first()
                .and_then(node)
                .and_then(|n| match n {
                    NodeEnum::RangeVar(p) => Some(QualifiedName::from_range_var(p)),
                    _ => None,
                });
            // A partition has its parent's columns.
            if let Some(parent) = table.partition_of.as_ref().and_then(|p| self.tables.get(p)) {
                table.columns.clone_from(&parent.columns);
            }
        }
        let mut pending = Vec::new();
        for elt in &c.table_elts {
            match node(elt) {
                Some(NodeEnum::ColumnDef(col)) => {
                    let (column, constraints) = column_from_def(col);
                    table.columns.push(column);
                    pending.extend(constraints);
                }
                Some(NodeEnum::Constraint(con)) => pending.push((None, &**con)),
                _ => {}
            }
        }
        self.tables.insert(name.clone(), Arc::new(table));
        for (col, con) in pending {
            self.add_constraint(&name, col.as_deref(), con);
        }
    }

    fn alter_table(&mut self, table: &QualifiedName, cmd: &protobuf::AlterTableCmd) {
        let def = cmd.def.as_deref().and_then(node);
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        match subtype {
            AlterTableType::AtAddColumn => {
                let Some(NodeEnum::ColumnDef(col)) = def else {
                    return;
                };
                let (column, constraints) = column_from_def(col);
                let Some(t) = self.table_mut(table) else {
                    return;
                };
                if cmd.missing_ok && t.column(&column.name).is_some() {
                    return;
                }
                t.columns.push(column);
                for (col, con) in constraints {
                    self.add_constraint(table, col.as_deref(), con);
                }
            }
            AlterTableType::AtDropColumn => {
                if let Some(t) = self.table_mut(table) {
                    t.columns.retain(|c| c.name != cmd.name);
                    t.constraints.retain(|c| !c.columns.contains(&cmd.name));
                }
                retain(&mut self.indexes, |_, i| {
                    !(&i.table == table && i.columns.contains(&cmd.name))
                });
            }
            AlterTableType::AtAlterColumnType => {
                let Some(NodeEnum::ColumnDef(col)) = def else {
                    return;
                };
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    if let Some(t) = &col.type_name {
                        c.type_name = ast::type_name(t);
                    }
                }
            }
            AlterTableType::AtSetNotNull => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.not_null = true;
                }
            }
            AlterTableType::AtDropNotNull => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.not_null = false;
                }
            }
            AlterTableType::AtColumnDefault => {
                let sql = cmd.def.as_deref().and_then(ast::expr_sql);
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.default = sql;
                }
            }
            AlterTableType::AtAddConstraint => {
                if let Some(NodeEnum::Constraint(con)) = def {
                    self.add_constraint(table, None, con);
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
            AlterTableType::AtDropConstraint => {
                if let Some(t) = self.table_mut(table) {
                    t.constraints.retain(|c| c.name != cmd.name);
                }
                let idx = QualifiedName::new(Some(&table.schema), &cmd.name);
                self.indexes.remove(&idx);
            }
            AlterTableType::AtSetLogged | AlterTableType::AtSetUnLogged => {
                if let Some(t) = self.table_mut(table) {
                    t.unlogged = subtype == AlterTableType::AtSetUnLogged;
                }
            }
            AlterTableType::AtAddIdentity => {
                let ident = match def {
                    Some(NodeEnum::Constraint(c)) if c.generated_when == "a" => 'a',
                    _ => 'd',
                };
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.identity = Some(ident);
                    c.not_null = true;
                }
            }
            AlterTableType::AtDropIdentity => {
                if let Some(c) = self.column_mut(table, &cmd.name) {
                    c.identity = None;
                }
            }
            AlterTableType::AtAttachPartition => {
                if let Some(NodeEnum::PartitionCmd(p)) = def {
                    if let Some(rv) = &p.name {
                        let part = QualifiedName::from_range_var(rv);
                        if let Some(t) = self.table_mut(&part) {
                            t.partition_of = Some(table.clone());
                        }
                    }
                }
            }
            AlterTableType::AtDetachPartition => {
                if let Some(NodeEnum::PartitionCmd(p)) = def {
                    if let Some(rv) = &p.name {
                        let part = QualifiedName::from_range_var(rv);
                        if let Some(t) = self.table_mut(&part) {
                            t.partition_of = None;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn column_mut(&mut self, table: &QualifiedName, column: &str) -> Option<&mut Column> {
        self.table_mut(table)?.column_mut(column)
    }

    fn add_constraint(
        &mut self,
        table: &QualifiedName,
        column: Option<&str>,
        con: &protobuf::Constraint,
    ) {
        let contype = ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined);
        let mut columns: Vec<String> = match contype {
            ConstrType::ConstrForeign => strings(&con.fk_attrs)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            _ => strings(&con.keys).into_iter().map(str::to_owned).collect(),
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
                let Some(pk) = &con.pktable else { return };
                ConstraintKind::ForeignKey {
                    references: QualifiedName::from_range_var(pk),
                    ref_columns: strings(&con.pk_attrs)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    on_delete: con.fk_del_action.chars().next().unwrap_or('a'),
                }
            }
            ConstrType::ConstrCheck => {
                let expr = con.raw_expr.as_deref();
                ConstraintKind::Check {
                    expr: expr.and_then(ast::expr_sql).unwrap_or_default(),
                    not_null_column: expr.and_then(ast::is_not_null_test),
                }
            }
            ConstrType::ConstrExclusion => ConstraintKind::Exclusion,
            _ => return,
        };
        let name = if con.conname.is_empty() {
            default_constraint_name(table, &columns, &kind)
        } else {
            con.conname.clone()
        };
        // UNIQUE and PRIMARY KEY constraints are backed by an index of the same name.
        if matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        ) {
            let index_name = if con.indexname.is_empty() {
                name.clone()
            } else {
                con.indexname.clone()
            };
            let idx = QualifiedName::new(Some(&table.schema), &index_name);
            let existing = self.indexes.remove(&idx);
            let index_columns = existing
                .as_ref()
                .map_or_else(|| columns.clone(), |i| i.columns.clone());
            if con.indexname.is_empty() || existing.is_some() {
                self.indexes.insert(
                    QualifiedName::new(Some(&table.schema), &name),
                    Arc::new(Index {
                        name: QualifiedName::new(Some(&table.schema), &name),
                        table: table.clone(),
                        columns: index_columns.clone(),
                        include: Vec::new(),
                        unique: kind != ConstraintKind::Exclusion,
                        method: if con.access_method.is_empty() {
                            "btree".into()
                        } else {
                            con.access_method.clone()
                        },
                        predicate: None,
                    }),
                );
            }
            if columns.is_empty() {
                columns = index_columns;
            }
        }
        if let Some(t) = self.table_mut(table) {
            t.constraints.push(Constraint {
                name,
                kind,
                columns,
                validated,
            });
        }
    }

    fn create_index(&mut self, i: &protobuf::IndexStmt) {
        let Some(rv) = &i.relation else { return };
        let table = QualifiedName::from_range_var(rv);
        let columns: Vec<String> = i.index_params.iter().filter_map(index_elem_sql).collect();
        let name = if i.idxname.is_empty() {
            let mut n = table.name.clone();
            for c in &columns {
                n.push('_');
                n.push_str(c);
            }
            n.push_str(if i.unique { "_key" } else { "_idx" });
            n
        } else {
            i.idxname.clone()
        };
        let name = QualifiedName::new(Some(&table.schema), &name);
        if i.if_not_exists && self.indexes.contains_key(&name) {
            return;
        }
        self.indexes.insert(
            name.clone(),
            Arc::new(Index {
                name,
                table,
                columns,
                include: i
                    .index_including_params
                    .iter()
                    .filter_map(index_elem_sql)
                    .collect(),
                unique: i.unique,
                method: if i.access_method.is_empty() {
                    "btree".into()
                } else {
                    i.access_method.clone()
                },
                predicate: i.where_clause.as_deref().and_then(ast::expr_sql),
            }),
        );
    }

    fn drop(&mut self, d: &protobuf::DropStmt) {
        let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
        for obj in &d.objects {
            if kind == ObjectType::ObjectSchema {
                if let Some(s) = ast::string_of(obj) {
                    self.schemas.retain(|x| x != s);
                    retain(&mut self.tables, |k, _| k.schema != s);
                    retain(&mut self.indexes, |k, _| k.schema != s);
                    retain(&mut self.views, |k, _| k.schema != s);
                    retain(&mut self.enums, |k, _| k.schema != s);
                }
            } else {
                let Some(NodeEnum::List(l)) = node(obj) else {
                    // DROP TYPE names come as a TypeName.
                    if let Some(NodeEnum::TypeName(t)) = node(obj) {
                        if let Some(name) = QualifiedName::from_parts(&strings(&t.names)) {
                            self.enums.remove(&name);
                        }
                    }
                    continue;
                };
                let Some(name) = QualifiedName::from_parts(&strings(&l.items)) else {
                    continue;
                };
                match kind {
                    ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                        self.tables.remove(&name);
                        retain(&mut self.indexes, |_, i| i.table != name);
                    }
                    ObjectType::ObjectIndex => {
                        self.indexes.remove(&name);
                    }
                    ObjectType::ObjectView | ObjectType::ObjectMatview => {
                        self.views.remove(&name);
                    }
                    _ => {}
                }
            }
        }
    }

    fn rename(&mut self, r: &protobuf::RenameStmt) {
        let kind = ObjectType::try_from(r.rename_type).unwrap_or(ObjectType::Undefined);
        let Some(rv) = &r.relation else {
            if kind == ObjectType::ObjectType {
                if let Some(NodeEnum::List(l)) = r.object.as_deref().and_then(node) {
                    if let Some(old) = QualifiedName::from_parts(&strings(&l.items)) {
                        if let Some(mut e) = self.enums.remove(&old) {
                            e.name = QualifiedName::new(Some(&old.schema), &r.newname);
                            self.enums.insert(e.name.clone(), e);
                        }
                    }
                }
            }
            return;
        };
        let target = QualifiedName::from_range_var(rv);
        match kind {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                if let Some(mut t) = self.tables.remove(&target) {
                    let new = QualifiedName::new(Some(&target.schema), &r.newname);
                    Arc::make_mut(&mut t).name = new.clone();
                    for_each_mut(
                        &mut self.indexes,
                        |i| i.table == target,
                        |i| i.table = new.clone(),
                    );
                    self.tables.insert(new, t);
                }
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => {
                if let Some(mut v) = self.views.remove(&target) {
                    v.name = QualifiedName::new(Some(&target.schema), &r.newname);
                    self.views.insert(v.name.clone(), v);
                }
            }
            ObjectType::ObjectIndex => {
                if let Some(mut i) = self.indexes.remove(&target) {
                    Arc::make_mut(&mut i).name =
                        QualifiedName::new(Some(&target.schema), &r.newname);
                    self.indexes.insert(i.name.clone(), i);
                }
            }
            ObjectType::ObjectColumn => {
                if let Some(t) = self.table_mut(&target) {
                    if let Some(c) = t.column_mut(&r.subname) {
                        c.name.clone_from(&r.newname);
                    }
                    for con in &mut t.constraints {
                        for c in &mut con.columns {
                            if *c == r.subname {
                                c.clone_from(&r.newname);
                            }
                        }
                    }
                }
                for_each_mut(
                    &mut self.indexes,
                    |i| i.table == target && i.columns.contains(&r.subname),
                    |i| {
                        for c in &mut i.columns {
                            if *c == r.subname {
                                c.clone_from(&r.newname);
                            }
                        }
                    },
                );
            }
            ObjectType::ObjectTabconstraint => {
                if let Some(t) = self.table_mut(&target) {
                    for c in &mut t.constraints {
                        if c.name == r.subname {
                            c.name.clone_from(&r.newname);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `BTreeMap::retain` for a persistent map.
fn retain<K: Ord + Clone, V: Clone>(map: &mut OrdMap<K, V>, keep: impl Fn(&K, &V) -> bool) {
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
fn for_each_mut<K: Ord + Clone, V: Clone>(
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

fn empty_table(name: QualifiedName) -> Table {
    Table {
        name,
        kind: TableKind::Regular,
        unlogged: false,
        partition_of: None,
        columns: Vec::new(),
        constraints: Vec::new(),
    }
}

type PendingConstraint<'a> = (Option<String>, &'a protobuf::Constraint);

fn column_from_def(col: &protobuf::ColumnDef) -> (Column, Vec<PendingConstraint<'_>>) {
    let type_name = col
        .type_name
        .as_ref()
        .map(ast::type_name)
        .unwrap_or_default();
    let mut column = Column {
        name: col.colname.clone(),
        not_null: col.is_not_null,
        default: col.raw_default.as_deref().and_then(ast::expr_sql),
        identity: None,
        generated: None,
        type_name,
    };
    // serial types are integer columns with a sequence default.
    let serial_base = match column.type_name.as_str() {
        "serial" => Some("int4"),
        "bigserial" => Some("int8"),
        "smallserial" => Some("int2"),
        _ => None,
    };
    if let Some(base) = serial_base {
        column.type_name = base.to_owned();
        column.not_null = true;
        column.default = Some("nextval()".to_owned());
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
                column.default = con.raw_expr.as_deref().and_then(ast::expr_sql);
            }
            ConstrType::ConstrIdentity => {
                column.identity = Some(con.generated_when.chars().next().unwrap_or('d'));
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => {
                column.generated = con.raw_expr.as_deref().and_then(ast::expr_sql);
            }
            ConstrType::ConstrPrimary
            | ConstrType::ConstrUnique
            | ConstrType::ConstrCheck
            | ConstrType::ConstrForeign
            | ConstrType::ConstrExclusion => {
                pending.push((Some(col.colname.clone()), &**con));
            }
            _ => {}
        }
    }
    (column, pending)
}

fn default_constraint_name(
    table: &QualifiedName,
    columns: &[String],
    kind: &ConstraintKind,
) -> String {
    let suffix = match kind {
        ConstraintKind::PrimaryKey => return format!("{}_pkey", table.name),
        ConstraintKind::Unique => "key",
        ConstraintKind::ForeignKey { .. } => "fkey",
        ConstraintKind::Check { .. } => "check",
        ConstraintKind::Exclusion => "excl",
    };
    let mut name = table.name.clone();
    for c in columns
        .iter()
        .take(if matches!(kind, ConstraintKind::ForeignKey { .. }) {
            1
        } else {
            usize::MAX
        })
    {
        name.push('_');
        name.push_str(c);
    }
    name.push('_');
    name.push_str(suffix);
    name
}

fn index_elem_sql(n: &Node) -> Option<String> {
    match node(n)? {
        NodeEnum::IndexElem(e) => {
            if e.name.is_empty() {
                e.expr.as_deref().and_then(ast::expr_sql)
            } else {
                Some(e.name.clone())
            }
        }
        NodeEnum::String(s) => Some(s.sval.clone()),
        _ => None,
    }
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
        assert_eq!(orders.column("id").unwrap().identity, Some('a'));
        let fk = orders
            .constraints
            .iter()
            .find(|c| c.name == "orders_user_id_fkey")
            .unwrap();
        assert!(matches!(
            &fk.kind,
            ConstraintKind::ForeignKey { on_delete: 'c', .. }
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
