//! Partitions' own indexes and constraints, as PostgreSQL makes them.
//!
//! An index or a PRIMARY KEY / UNIQUE / EXCLUDE / FOREIGN KEY constraint on a partitioned table
//! exists on every partition too: PostgreSQL creates a matching index on each partition (or
//! attaches an equivalent one the partition already has) and clones the constraint, when the
//! index is created, when a partition is created with `PARTITION OF` and when one is attached.
//! pg_dump writes the same result the other way round: `CREATE INDEX ... ON ONLY parent`, an
//! index per partition, then `ALTER INDEX parent ATTACH PARTITION child`. Either way the catalog
//! holds each partition's index with [`Index::parent`] set and each cloned constraint with
//! [`Constraint::inherited`] set, as a live database shows them.
//!
//! See <https://www.postgresql.org/docs/current/ddl-partitioning.html>.

use std::sync::Arc;

use crate::model::{Catalog, Constraint, ConstraintKind, Index, QualifiedName};

impl Catalog {
    /// Every partition below a partitioned table, at any depth.
    pub(crate) fn all_partitions_of(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        let mut out = self.children_of(table);
        let mut i = 0;
        while i < out.len() {
            let below = self.children_of(&out[i]);
            out.extend(below);
            i += 1;
        }
        out
    }

    /// After `CREATE INDEX` on a partitioned table (without ONLY): the index on every
    /// partition, down the partition tree.
    pub(crate) fn index_partitions(&mut self, index: &QualifiedName) {
        let Some(table) = self.indexes.get(index).map(|i| i.table.clone()) else {
            return;
        };
        for child in self.children_of(&table) {
            self.index_partition(index, &child, None);
        }
    }

    /// Attaches an equivalent index of the partition `child` to `parent`, or creates one.
    /// `constraint`: the parent index backs that constraint kind, which the partition gets
    /// too. Returns the partition's index.
    fn index_partition(
        &mut self,
        parent: &QualifiedName,
        child: &QualifiedName,
        constraint: Option<&Constraint>,
    ) -> Option<QualifiedName> {
        let p = self.indexes.get(parent)?.clone();
        let existing = self
            .indexes
            .values()
            .find(|i| {
                &i.table == child && i.parent.is_none() && same_definition(i, &p) && {
                    // A constraint's index attaches only to an index backing the same kind.
                    let backs = self
                        .table(child)
                        .and_then(|t| t.constraint(&i.name.name))
                        .map(|c| std::mem::discriminant(&c.kind));
                    backs == constraint.map(|c| std::mem::discriminant(&c.kind))
                }
            })
            .map(|i| i.name.clone());
        let name = if let Some(name) = existing {
            if let Some(i) = self.indexes.get_mut(&name) {
                Arc::make_mut(i).parent = Some(parent.clone());
            }
            if let Some(t) = self.table_mut(child) {
                for c in &mut t.constraints {
                    if c.name == name.name.as_str() {
                        c.inherited = true;
                    }
                }
            }
            name
        } else {
            // ChooseIndexName on the partition, from the parent index's column names (an
            // expression key is named as FigureColname names it: `lower(kind)` is "lower").
            let cols: Vec<String> = p
                .columns
                .iter()
                .map(|c| {
                    if self.table(child).is_some_and(|t| t.column(c).is_some()) {
                        c.clone()
                    } else {
                        plumb_sql::canon::parse_expr(c)
                            .as_ref()
                            .and_then(crate::apply::figure_colname)
                            .unwrap_or_else(|| "expr".to_owned())
                    }
                })
                .collect();
            let label = match constraint.map(|c| &c.kind) {
                Some(ConstraintKind::PrimaryKey) => "pkey",
                Some(ConstraintKind::Exclusion) => "excl",
                _ if p.unique => "key",
                _ => "idx",
            };
            let cols = if label == "pkey" {
                String::new()
            } else {
                cols.join("_")
            };
            let name = self.choose_relation_name(&child.schema, &child.name, &cols, label);
            let index = Index {
                name: name.clone(),
                table: child.clone(),
                parent: Some(parent.clone()),
                comment: None,
                stats: None,
                ..(*p).clone()
            };
            self.indexes.insert(name.clone(), Arc::new(index));
            if let Some(c) = constraint {
                if let Some(t) = self.table_mut(child) {
                    t.put_constraint(Constraint {
                        name: name.name.to_string(),
                        inherited: true,
                        ..c.clone()
                    });
                }
            }
            name
        };
        // A partition that is itself partitioned passes the index on.
        for grandchild in self.children_of(child) {
            let backs = constraint.and_then(|_| {
                self.table(child)
                    .and_then(|t| t.constraint(&name.name))
                    .cloned()
            });
            self.index_partition(&name, &grandchild, backs.as_ref());
        }
        Some(name)
    }

    /// After a PRIMARY KEY, UNIQUE, EXCLUDE or FOREIGN KEY constraint is added to a
    /// partitioned table (without ONLY): the constraint on every partition.
    pub(crate) fn constrain_partitions(&mut self, table: &QualifiedName, constraint: &str) {
        let Some(c) = self
            .table(table)
            .and_then(|t| t.constraint(constraint))
            .cloned()
        else {
            return;
        };
        for child in self.children_of(table) {
            self.constrain_partition(table, &child, &c);
        }
    }

    fn constrain_partition(
        &mut self,
        table: &QualifiedName,
        child: &QualifiedName,
        c: &Constraint,
    ) {
        match &c.kind {
            ConstraintKind::ForeignKey { .. } => {
                let Some(t) = self.table(child) else { return };
                // An equivalent foreign key the partition has is attached; otherwise a clone
                // with the parent's name (or a generated one when the partition uses it).
                let same = t
                    .constraints
                    .iter()
                    .find(|k| !k.inherited && k.kind == c.kind && k.columns == c.columns)
                    .map(|k| k.name.clone());
                let name = match same {
                    Some(n) => n,
                    None if t.constraint(&c.name).is_some() => {
                        self.default_constraint_name(child, &c.columns, &c.kind)
                    }
                    None => c.name.clone(),
                };
                if let Some(t) = self.table_mut(child) {
                    t.constraints.retain(|k| k.name != name);
                    t.put_constraint(Constraint {
                        name,
                        inherited: true,
                        ..c.clone()
                    });
                }
                for grandchild in self.children_of(child) {
                    if let Some(k) = self.table(child).and_then(|t| {
                        t.constraints
                            .iter()
                            .find(|k| k.inherited && k.kind == c.kind && k.columns == c.columns)
                            .cloned()
                    }) {
                        self.constrain_partition(child, &grandchild, &k);
                    }
                }
            }
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                let parent_index = QualifiedName::new(Some(&table.schema), &c.name);
                if self.indexes.contains_key(&parent_index) {
                    self.index_partition(&parent_index, child, Some(c));
                }
            }
            ConstraintKind::Check { .. } => {}
        }
    }

    /// A new partition (`PARTITION OF`, `ATTACH PARTITION`) takes its parent's indexes and
    /// constraints.
    pub(crate) fn partition_added(&mut self, parent: &QualifiedName, child: &QualifiedName) {
        let Some(p) = self.table(parent) else { return };
        let constraints: Vec<Constraint> = p.constraints.clone();
        let backing: Vec<&str> = constraints
            .iter()
            .filter(|c| {
                !matches!(
                    c.kind,
                    ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. }
                )
            })
            .map(|c| c.name.as_str())
            .collect();
        let indexes: Vec<QualifiedName> = self
            .indexes
            .values()
            .filter(|i| &i.table == parent && !backing.contains(&i.name.name.as_str()))
            .map(|i| i.name.clone())
            .collect();
        for c in &constraints {
            self.constrain_partition(parent, child, c);
        }
        for i in indexes {
            self.index_partition(&i, child, None);
        }
    }

    /// `DETACH PARTITION`: the partition keeps its indexes and constraints as its own.
    pub(crate) fn partition_detached(&mut self, child: &QualifiedName) {
        let attached: Vec<QualifiedName> = self
            .indexes
            .values()
            .filter(|i| &i.table == child && i.parent.is_some())
            .map(|i| i.name.clone())
            .collect();
        for n in attached {
            if let Some(i) = self.indexes.get_mut(&n) {
                Arc::make_mut(i).parent = None;
            }
        }
        if let Some(t) = self.table_mut(child) {
            for c in &mut t.constraints {
                c.inherited = false;
            }
        }
    }

    /// `ALTER INDEX parent ATTACH PARTITION child`.
    pub(crate) fn attach_index(&mut self, parent: &QualifiedName, child: &QualifiedName) {
        let Some(table) = self.indexes.get(child).map(|i| i.table.clone()) else {
            return;
        };
        if let Some(i) = self.indexes.get_mut(child) {
            Arc::make_mut(i).parent = Some(parent.clone());
        }
        // A constraint's index attached to a constraint's index: the constraint is the
        // parent's clone from now on.
        let parent_backs = self
            .indexes
            .get(parent)
            .and_then(|i| self.table(&i.table))
            .is_some_and(|t| t.constraint(&parent.name).is_some());
        if parent_backs {
            if let Some(t) = self.table_mut(&table) {
                for c in &mut t.constraints {
                    if c.name == child.name.as_str() {
                        c.inherited = true;
                    }
                }
            }
        }
    }

    /// Dropping an index of a partitioned table drops its partitions' indexes.
    pub(crate) fn drop_index_tree(&mut self, index: &QualifiedName) {
        let children: Vec<QualifiedName> = self
            .indexes
            .values()
            .filter(|i| i.parent.as_ref() == Some(index))
            .map(|i| i.name.clone())
            .collect();
        self.indexes.remove(index);
        for c in children {
            let table = self.indexes.get(&c).map(|i| i.table.clone());
            self.drop_index_tree(&c);
            // A cloned constraint goes with its index.
            if let Some(t) = table.and_then(|t| self.table_mut(&t)) {
                t.constraints
                    .retain(|k| !(k.inherited && k.name == c.name.as_str()));
            }
        }
    }

    /// Dropping a constraint of a partitioned table drops its clones on the partitions.
    pub(crate) fn drop_constraint_clones(&mut self, table: &QualifiedName, c: &Constraint) {
        for child in self.children_of(table) {
            let clone = self.table(&child).and_then(|t| {
                t.constraints
                    .iter()
                    .find(|k| k.inherited && k.kind == c.kind && k.columns == c.columns)
                    .cloned()
            });
            if let Some(k) = clone {
                if let Some(t) = self.table_mut(&child) {
                    t.constraints.retain(|x| x.name != k.name);
                }
                self.drop_constraint_clones(&child, &k);
            }
        }
    }
}

/// Whether two indexes index the same way (what PostgreSQL compares to attach one).
fn same_definition(a: &Index, b: &Index) -> bool {
    a.columns == b.columns
        && a.key_options == b.key_options
        && a.include == b.include
        && a.unique == b.unique
        && a.method == b.method
        && a.predicate == b.predicate
}
