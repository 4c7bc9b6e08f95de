//! The lock model: which table-level lock each statement takes and what work it does under it.
//!
//! Lock levels follow the PostgreSQL manual, "Explicit Locking" and the reference page of each
//! command (<https://www.postgresql.org/docs/current/explicit-locking.html>).

use std::fmt;

use plumb_catalog::{Catalog, QualifiedName};
use plumb_sql::protobuf::{self, AlterTableType, ConstrType, ObjectType};
use plumb_sql::NodeEnum;

/// PostgreSQL's table-level lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// SELECT.
    AccessShare,
    /// SELECT FOR UPDATE / FOR SHARE.
    RowShare,
    /// INSERT, UPDATE, DELETE.
    RowExclusive,
    /// VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT.
    ShareUpdateExclusive,
    /// CREATE INDEX: blocks writes.
    Share,
    /// CREATE TRIGGER, ADD FOREIGN KEY: blocks writes.
    ShareRowExclusive,
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY: blocks writes and row locks.
    Exclusive,
    /// Most ALTER TABLE forms, DROP, TRUNCATE, VACUUM FULL: blocks everything, reads included.
    AccessExclusive,
}

impl LockMode {
    /// The SQL name, e.g. `ACCESS EXCLUSIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// What the lock blocks, in words.
    pub fn blocks(self) -> &'static str {
        match self {
            LockMode::AccessShare => "only ACCESS EXCLUSIVE (DDL)",
            LockMode::RowShare => "EXCLUSIVE and ACCESS EXCLUSIVE locks",
            LockMode::RowExclusive => "SHARE and stronger locks (CREATE INDEX, DDL)",
            LockMode::ShareUpdateExclusive => {
                "VACUUM, other DDL and itself; reads and writes go on"
            }
            LockMode::Share | LockMode::ShareRowExclusive => {
                "INSERT, UPDATE and DELETE (writes); reads go on"
            }
            LockMode::Exclusive => "writes and SELECT FOR UPDATE; plain reads go on",
            LockMode::AccessExclusive => "every query on the table, reads included",
        }
    }

    fn from_lock_stmt(mode: i32) -> LockMode {
        match mode {
            1 => LockMode::AccessShare,
            2 => LockMode::RowShare,
            3 => LockMode::RowExclusive,
            4 => LockMode::ShareUpdateExclusive,
            5 => LockMode::Share,
            6 => LockMode::ShareRowExclusive,
            7 => LockMode::Exclusive,
            _ => LockMode::AccessExclusive,
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Work done while a lock is held, which decides how long it is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Work {
    /// Catalog-only: the lock is held for milliseconds once granted.
    Catalog,
    /// Reads every row (constraint validation, index build).
    Scan,
    /// Rewrites the table and its indexes.
    Rewrite,
}

/// Session settings in effect at a statement that change what it does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// `TimeZone` is UTC (or another zone with no offset and no daylight time): from PostgreSQL
    /// 12 on, timestamp ↔ timestamptz then keeps the stored values, so the table is not
    /// rewritten (its indexes on the column are still rebuilt).
    pub timezone_utc: bool,
}

/// One table-level lock a statement takes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableLock {
    /// The locked table (or index, view, materialized view).
    pub table: QualifiedName,
    /// The lock mode.
    pub mode: LockMode,
    /// The work done under it.
    pub work: Work,
}

impl TableLock {
    /// `ACCESS EXCLUSIVE on public.users`.
    pub fn describe(&self) -> String {
        format!("{} on {}", self.mode, self.table)
    }
}

fn node(n: &protobuf::Node) -> Option<&NodeEnum> {
    n.node.as_ref()
}

fn push(locks: &mut Vec<TableLock>, table: QualifiedName, mode: LockMode, work: Work) {
    if let Some(l) = locks.iter_mut().find(|l| l.table == table) {
        l.mode = l.mode.max(mode);
        l.work = l.work.max(work);
    } else {
        locks.push(TableLock { table, mode, work });
    }
}

/// The table-level locks `stmt` takes, given the schema before it.
///
/// The work classification shares the rewrite rules' own tests (binary-coercible type changes,
/// volatile defaults); it feeds the lock-discipline findings, not the per-hazard rules.
pub fn statement_locks(
    stmt: &NodeEnum,
    catalog: &Catalog,
    pg_version: u32,
    session: Session,
) -> Vec<TableLock> {
    let mut locks = Vec::new();
    match stmt {
        NodeEnum::AlterTableStmt(a) => {
            let Some(rv) = &a.relation else { return locks };
            let table = QualifiedName::from_range_var(rv);
            for cmd in &a.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = node(cmd) else {
                    continue;
                };
                alter_cmd_locks(&table, cmd, catalog, pg_version, session, &mut locks);
            }
        }
        NodeEnum::IndexStmt(i) => {
            if let Some(rv) = &i.relation {
                let (mode, work) = if i.concurrent {
                    (LockMode::ShareUpdateExclusive, Work::Scan)
                } else {
                    (LockMode::Share, Work::Scan)
                };
                let table = QualifiedName::from_range_var(rv);
                // IF NOT EXISTS for an index that exists: the lock is taken, then nothing is built.
                let exists = i.if_not_exists
                    && !i.idxname.is_empty()
                    && catalog
                        .indexes
                        .contains_key(&QualifiedName::new(Some(&table.schema), &i.idxname));
                let work = if exists { Work::Catalog } else { work };
                // An index on a partitioned table is built on every partition, each under the
                // same lock (ONLY builds none: the parent's index stays invalid).
                if rv.inh {
                    for p in partitions(catalog, &table) {
                        push(&mut locks, p, mode, work);
                    }
                }
                push(&mut locks, table, mode, work);
            }
        }
        NodeEnum::DropStmt(d) => {
            let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
            // DROP TYPE/DOMAIN ... CASCADE drops the columns of that type: ACCESS EXCLUSIVE on
            // each of their tables.
            if matches!(kind, ObjectType::ObjectType | ObjectType::ObjectDomain)
                && d.behavior == protobuf::DropBehavior::DropCascade as i32
            {
                for obj in &d.objects {
                    let Some(NodeEnum::TypeName(tn)) = node(obj) else {
                        continue;
                    };
                    let dropped = plumb_sql::ast::type_name(tn);
                    let array = format!("{dropped}[]");
                    for t in catalog.tables.values() {
                        if t.columns
                            .iter()
                            .any(|c| c.type_name == dropped || c.type_name == array)
                        {
                            push(
                                &mut locks,
                                t.name.clone(),
                                LockMode::AccessExclusive,
                                Work::Catalog,
                            );
                        }
                    }
                }
            }
            for obj in &d.objects {
                let Some(NodeEnum::List(l)) = node(obj) else {
                    continue;
                };
                let Some(name) = QualifiedName::from_parts(&plumb_sql::ast::strings(&l.items))
                else {
                    continue;
                };
                match kind {
                    ObjectType::ObjectTable
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectView => {
                        push(&mut locks, name, LockMode::AccessExclusive, Work::Catalog);
                    }
                    ObjectType::ObjectIndex => {
                        let table = catalog.indexes.get(&name).map_or(name, |i| i.table.clone());
                        let mode = if d.concurrent {
                            LockMode::ShareUpdateExclusive
                        } else {
                            LockMode::AccessExclusive
                        };
                        push(&mut locks, table, mode, Work::Catalog);
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::RenameStmt(r) => {
            if let Some(rv) = &r.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::AccessExclusive,
                    Work::Catalog,
                );
            }
        }
        NodeEnum::TruncateStmt(t) => {
            push_relations(&mut locks, &t.relations, LockMode::AccessExclusive);
        }
        NodeEnum::VacuumStmt(v) => {
            let full = v
                .options
                .iter()
                .any(|o| matches!(node(o), Some(NodeEnum::DefElem(d)) if d.defname == "full"));
            for rel in &v.rels {
                if let Some(NodeEnum::VacuumRelation(vr)) = node(rel) {
                    if let Some(rv) = &vr.relation {
                        let (mode, work) = if full {
                            (LockMode::AccessExclusive, Work::Rewrite)
                        } else {
                            (LockMode::ShareUpdateExclusive, Work::Scan)
                        };
                        push(&mut locks, QualifiedName::from_range_var(rv), mode, work);
                    }
                }
            }
        }
        NodeEnum::ClusterStmt(c) => {
            if let Some(rv) = &c.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::AccessExclusive,
                    Work::Rewrite,
                );
            }
        }
        NodeEnum::ReindexStmt(r) => {
            let concurrent = r.params.iter().any(
                |o| matches!(node(o), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"),
            );
            if let Some(rv) = &r.relation {
                let name = QualifiedName::from_range_var(rv);
                let table = catalog.indexes.get(&name).map_or(name, |i| i.table.clone());
                let mode = if concurrent {
                    LockMode::ShareUpdateExclusive
                } else {
                    LockMode::Share
                };
                push(&mut locks, table, mode, Work::Scan);
            }
        }
        NodeEnum::RefreshMatViewStmt(r) => {
            if let Some(rv) = &r.relation {
                let mode = if r.concurrent {
                    LockMode::Exclusive
                } else {
                    LockMode::AccessExclusive
                };
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    mode,
                    Work::Rewrite,
                );
            }
        }
        NodeEnum::LockStmt(l) => {
            push_relations(&mut locks, &l.relations, LockMode::from_lock_stmt(l.mode));
        }
        NodeEnum::UpdateStmt(u) => {
            if let Some(rv) = &u.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::RowExclusive,
                    Work::Scan,
                );
            }
        }
        NodeEnum::DeleteStmt(d) => {
            if let Some(rv) = &d.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::RowExclusive,
                    Work::Scan,
                );
            }
        }
        NodeEnum::InsertStmt(i) => {
            if let Some(rv) = &i.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::RowExclusive,
                    Work::Catalog,
                );
            }
        }
        NodeEnum::CreateTrigStmt(t) => {
            if let Some(rv) = &t.relation {
                push(
                    &mut locks,
                    QualifiedName::from_range_var(rv),
                    LockMode::ShareRowExclusive,
                    Work::Catalog,
                );
            }
        }
        NodeEnum::CreateStmt(c) => {
            // CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent (ATTACH
            // PARTITION is the way around it, PostgreSQL 12+).
            if c.partbound.is_some() {
                push_relations(&mut locks, &c.inh_relations, LockMode::AccessExclusive);
            }
            // A new table's foreign keys lock the referenced tables (SHARE ROW EXCLUSIVE), briefly:
            // the new table is empty, so there is nothing to validate.
            for con in fk_constraints_of_create(c) {
                push_referenced(&mut locks, con.pktable.as_ref());
            }
        }
        _ => {}
    }
    locks
}

fn fk_constraints_of_create(c: &protobuf::CreateStmt) -> Vec<&protobuf::Constraint> {
    let mut out = Vec::new();
    for elt in &c.table_elts {
        match node(elt) {
            Some(NodeEnum::Constraint(con)) if con.contype == ConstrType::ConstrForeign as i32 => {
                out.push(&**con);
            }
            Some(NodeEnum::ColumnDef(col)) => {
                for cc in &col.constraints {
                    if let Some(NodeEnum::Constraint(con)) = node(cc) {
                        if con.contype == ConstrType::ConstrForeign as i32 {
                            out.push(&**con);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn alter_cmd_locks(
    table: &QualifiedName,
    cmd: &protobuf::AlterTableCmd,
    catalog: &Catalog,
    pg_version: u32,
    session: Session,
    locks: &mut Vec<TableLock>,
) {
    use AlterTableType as T;
    let subtype = T::try_from(cmd.subtype).unwrap_or(T::Undefined);
    let def = cmd.def.as_deref().and_then(node);
    let (mode, work) = match subtype {
        T::AtValidateConstraint => (LockMode::ShareUpdateExclusive, Work::Scan),
        T::AtSetStatistics
        | T::AtClusterOn
        | T::AtDropCluster
        | T::AtSetOptions
        | T::AtResetOptions => (LockMode::ShareUpdateExclusive, Work::Catalog),
        T::AtEnableTrig
        | T::AtEnableAlwaysTrig
        | T::AtEnableReplicaTrig
        | T::AtDisableTrig
        | T::AtEnableTrigAll
        | T::AtDisableTrigAll
        | T::AtEnableTrigUser
        | T::AtDisableTrigUser => (LockMode::ShareRowExclusive, Work::Catalog),
        T::AtAddConstraint => match def {
            Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrForeign as i32 => {
                let work = if c.skip_validation {
                    Work::Catalog
                } else {
                    Work::Scan
                };
                push_referenced(locks, c.pktable.as_ref());
                (LockMode::ShareRowExclusive, work)
            }
            Some(NodeEnum::Constraint(c)) => {
                let builds_index = matches!(
                    ConstrType::try_from(c.contype),
                    Ok(ConstrType::ConstrPrimary
                        | ConstrType::ConstrUnique
                        | ConstrType::ConstrExclusion)
                ) && c.indexname.is_empty();
                let validates = c.contype == ConstrType::ConstrCheck as i32 && !c.skip_validation;
                (
                    LockMode::AccessExclusive,
                    if builds_index || validates {
                        Work::Scan
                    } else {
                        Work::Catalog
                    },
                )
            }
            _ => (LockMode::AccessExclusive, Work::Catalog),
        },
        T::AtSetNotNull => {
            let proven = pg_version >= 12
                && catalog
                    .table(table)
                    .is_some_and(|t| t.has_valid_not_null_check(&cmd.name));
            (
                LockMode::AccessExclusive,
                if proven { Work::Catalog } else { Work::Scan },
            )
        }
        T::AtSetLogged | T::AtSetUnLogged | T::AtSetTableSpace | T::AtSetAccessMethod => {
            (LockMode::AccessExclusive, Work::Rewrite)
        }
        T::AtAttachPartition => {
            if let Some(NodeEnum::PartitionCmd(p)) = def {
                if let Some(rv) = &p.name {
                    push(
                        locks,
                        QualifiedName::from_range_var(rv),
                        LockMode::AccessExclusive,
                        Work::Scan,
                    );
                }
            }
            (LockMode::ShareUpdateExclusive, Work::Catalog)
        }
        T::AtDetachPartition => {
            let concurrent = matches!(def, Some(NodeEnum::PartitionCmd(p)) if p.concurrent);
            if concurrent {
                (LockMode::ShareUpdateExclusive, Work::Catalog)
            } else {
                (LockMode::AccessExclusive, Work::Catalog)
            }
        }
        T::AtAlterColumnType => {
            let rewrite = crate::rules::rewrite::alter_column_type_rewrite::type_change_rewrites(
                catalog, table, cmd, pg_version, session,
            );
            // Without a rewrite, indexes on the column are still rebuilt when the type's
            // operator class changes (timestamp ↔ timestamptz): a scan under the lock.
            let indexed = catalog
                .indexes
                .values()
                .any(|i| i.table == *table && i.columns.contains(&cmd.name));
            let reindex = rewrite == Some(false)
                && indexed
                && crate::rules::rewrite::alter_column_type_rewrite::changes_opclass(
                    catalog, table, cmd,
                );
            (
                LockMode::AccessExclusive,
                match rewrite {
                    Some(false) if reindex => Work::Scan,
                    Some(false) => Work::Catalog,
                    _ => Work::Rewrite,
                },
            )
        }
        T::AtAddColumn => {
            let col = match def {
                Some(NodeEnum::ColumnDef(col)) => Some(col),
                _ => None,
            };
            let rewrite = col.is_some_and(|col| {
                crate::rules::rewrite::add_column_rewrite::column_forces_rewrite(
                    col, pg_version, catalog,
                )
                .is_some()
            });
            let mut index = false;
            for c in col
                .into_iter()
                .flat_map(|c| crate::rules::column_constraints(c))
            {
                match ConstrType::try_from(c.contype) {
                    // The new column's UNIQUE or PRIMARY KEY index is built under the
                    // statement's ACCESS EXCLUSIVE lock: a scan of the whole table.
                    Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique) => index = true,
                    // REFERENCES locks the referenced table like ADD FOREIGN KEY does.
                    Ok(ConstrType::ConstrForeign) => {
                        push_referenced(locks, c.pktable.as_ref());
                    }
                    _ => {}
                }
            }
            (
                LockMode::AccessExclusive,
                if rewrite {
                    Work::Rewrite
                } else if index {
                    Work::Scan
                } else {
                    Work::Catalog
                },
            )
        }
        _ => (LockMode::AccessExclusive, Work::Catalog),
    };
    push(locks, table.clone(), mode, work);
}

/// Every partition under `table`, at any depth.
fn partitions(catalog: &Catalog, table: &QualifiedName) -> Vec<QualifiedName> {
    let mut out = Vec::new();
    let mut todo = vec![table.clone()];
    while let Some(parent) = todo.pop() {
        if catalog
            .table(&parent)
            .is_none_or(|t| t.kind != plumb_catalog::TableKind::Partitioned)
        {
            continue;
        }
        for t in catalog.tables.values() {
            if t.partition_of.as_ref() == Some(&parent) {
                out.push(t.name.clone());
                todo.push(t.name.clone());
            }
        }
    }
    out
}

/// A catalog-only lock of `mode` on every table a list of `RangeVar` nodes names.
fn push_relations(locks: &mut Vec<TableLock>, relations: &[protobuf::Node], mode: LockMode) {
    for rel in relations {
        if let Some(NodeEnum::RangeVar(rv)) = node(rel) {
            push(
                locks,
                QualifiedName::from_range_var(rv),
                mode,
                Work::Catalog,
            );
        }
    }
}

/// A foreign key locks the table it references with SHARE ROW EXCLUSIVE, briefly.
fn push_referenced(locks: &mut Vec<TableLock>, pktable: Option<&protobuf::RangeVar>) {
    if let Some(pk) = pktable {
        push(
            locks,
            QualifiedName::from_range_var(pk),
            LockMode::ShareRowExclusive,
            Work::Catalog,
        );
    }
}
