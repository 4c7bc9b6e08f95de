//! The rules, one file each, grouped by family.

pub mod breaking;
pub mod constraint;
pub mod data;
pub mod index;
pub mod locking;
pub mod naming;
pub mod query;
pub mod rewrite;
pub mod security;
pub mod syntax;
pub mod types;

use plumb_catalog::QualifiedName;
use plumb_sql::protobuf::{self, AlterTableType, Node};
use plumb_sql::NodeEnum;

/// The subcommands of an `ALTER TABLE` on a table, with the table's name.
pub(crate) fn alter_table_cmds(stmt: &NodeEnum) -> Vec<(QualifiedName, &protobuf::AlterTableCmd)> {
    let NodeEnum::AlterTableStmt(a) = stmt else {
        return Vec::new();
    };
    if a.objtype != protobuf::ObjectType::ObjectTable as i32 {
        return Vec::new();
    }
    let Some(rv) = &a.relation else {
        return Vec::new();
    };
    let table = QualifiedName::from_range_var(rv);
    a.cmds
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(cmd)) => Some((table.clone(), &**cmd)),
            _ => None,
        })
        .collect()
}

/// The subtype of an ALTER TABLE subcommand.
pub(crate) fn subtype(cmd: &protobuf::AlterTableCmd) -> AlterTableType {
    AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined)
}

/// The constraint an `ADD CONSTRAINT` subcommand adds.
pub(crate) fn added_constraint(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::Constraint> {
    if subtype(cmd) != AlterTableType::AtAddConstraint {
        return None;
    }
    match cmd.def.as_deref()?.node.as_ref()? {
        NodeEnum::Constraint(c) => Some(c),
        _ => None,
    }
}

/// The column an `ADD COLUMN` subcommand adds.
pub(crate) fn added_column(cmd: &protobuf::AlterTableCmd) -> Option<&protobuf::ColumnDef> {
    if subtype(cmd) != AlterTableType::AtAddColumn {
        return None;
    }
    match cmd.def.as_deref()?.node.as_ref()? {
        NodeEnum::ColumnDef(c) => Some(c),
        _ => None,
    }
}

/// Column constraints of a column definition.
pub(crate) fn column_constraints(
    col: &protobuf::ColumnDef,
) -> impl Iterator<Item = &protobuf::Constraint> {
    col.constraints
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::Constraint(c)) => Some(&**c),
            _ => None,
        })
}

/// The names in a list of `String` nodes, joined with commas, each quoted as needed.
pub(crate) fn column_list(nodes: &[Node]) -> String {
    plumb_sql::ast::strings(nodes)
        .into_iter()
        .map(crate::fix::ident)
        .collect::<Vec<_>>()
        .join(", ")
}
