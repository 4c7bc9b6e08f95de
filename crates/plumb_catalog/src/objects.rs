//! Interpreting DDL for the objects around tables: sequences, domains, composite types,
//! extensions, functions, triggers, row-level security policies, grants, comments, owners and
//! `SET SCHEMA`.

use std::sync::Arc;

use plumb_sql::ast::{self, strings};
use plumb_sql::canon::canonical_expr;
use plumb_sql::protobuf::{
    self, ConstrType, FunctionParameterMode, GrantTargetType, Node, ObjectType, RoleSpecType,
};
use plumb_sql::NodeEnum;

use crate::apply::{node, Applied};
use crate::model::{
    Aggregate, Catalog, Collation, CompositeType, Domain, DomainCheck, Extension, Function, Grant,
    GrantObject, Policy, PolicyCommand, QualifiedName, Sequence, TextSearchConfig, Trigger,
    Volatility,
};

/// The role a `RoleSpec` names: `public`, a role name, or `None` for CURRENT_USER and the like
/// (unknown without a connection).
pub(crate) fn role_name(r: &protobuf::RoleSpec) -> Option<String> {
    match RoleSpecType::try_from(r.roletype).unwrap_or(RoleSpecType::Undefined) {
        RoleSpecType::RolespecPublic => Some("public".to_owned()),
        RoleSpecType::RolespecCstring => Some(r.rolename.clone()),
        _ => None,
    }
}

fn role_of(n: &Node) -> Option<String> {
    match node(n)? {
        NodeEnum::RoleSpec(r) => role_name(r),
        _ => None,
    }
}

fn def_int(d: &protobuf::DefElem) -> Option<i64> {
    let arg = d.arg.as_deref()?;
    if let Some(i) = ast::int_const(arg) {
        return Some(i);
    }
    match node(arg)? {
        NodeEnum::Integer(i) => Some(i64::from(i.ival)),
        NodeEnum::Float(f) => f.fval.parse().ok(),
        _ => None,
    }
}

/// Applies `CREATE/ALTER SEQUENCE` options (and identity column sequence options).
///
/// `fresh`: the sequence is being created, so bounds left unset take the type's defaults.
pub(crate) fn apply_sequence_options(s: &mut Sequence, options: &[Node], fresh: bool) {
    let mut min = None;
    let mut max = None;
    let mut start = None;
    let mut new_type = None;
    let mut increment = None;
    for o in options {
        let Some(NodeEnum::DefElem(d)) = node(o) else {
            continue;
        };
        match d.defname.as_str() {
            "as" => {
                if let Some(NodeEnum::TypeName(t)) = d.arg.as_deref().and_then(node) {
                    new_type = Some(ast::type_name(t));
                }
            }
            "increment" => increment = def_int(d),
            // NO MINVALUE / NO MAXVALUE carry no argument: back to the default.
            "minvalue" => min = Some(def_int(d)),
            "maxvalue" => max = Some(def_int(d)),
            "start" => start = def_int(d),
            "cycle" => {
                s.cycle = d.arg.as_deref().and_then(node).is_none_or(|a| {
                    matches!(a, NodeEnum::Boolean(b) if b.boolval)
                        || ast::int_const(d.arg.as_deref().unwrap_or(&Node::default())) == Some(1)
                });
            }
            "owned_by" => {
                if let Some(NodeEnum::List(l)) = d.arg.as_deref().and_then(node) {
                    let parts = strings(&l.items);
                    s.owned_by = match parts.as_slice() {
                        ["none"] | [] => None,
                        [.., col] => QualifiedName::from_parts(&parts[..parts.len() - 1])
                            .map(|t| (t, (*col).to_owned())),
                    };
                }
            }
            _ => {}
        }
    }
    let old_type_max = crate::model::int_type_max(&s.data_type);
    if let Some(t) = new_type {
        if matches!(t.as_str(), "int2" | "int4" | "int8") {
            if !fresh && s.max_value == old_type_max {
                s.max_value = crate::model::int_type_max(&t);
            }
            if !fresh && s.min_value == -old_type_max - 1 {
                s.min_value = -crate::model::int_type_max(&t) - 1;
            }
            s.data_type = t;
        }
    }
    if let Some(i) = increment {
        s.increment = i;
    }
    let type_max = crate::model::int_type_max(&s.data_type);
    let asc = s.increment > 0;
    match min {
        Some(Some(v)) => s.min_value = v,
        Some(None) => s.min_value = if asc { 1 } else { -type_max - 1 },
        None if fresh => s.min_value = if asc { 1 } else { -type_max - 1 },
        None => {}
    }
    match max {
        Some(Some(v)) => s.max_value = v,
        Some(None) => s.max_value = if asc { type_max } else { -1 },
        None if fresh => s.max_value = if asc { type_max } else { -1 },
        None => {}
    }
    if let Some(v) = start {
        s.start = v;
    } else if fresh {
        s.start = if asc { s.min_value } else { s.max_value };
    }
}

pub(crate) fn function_args(params: &[Node]) -> Vec<String> {
    params
        .iter()
        .filter_map(|p| match node(p)? {
            NodeEnum::FunctionParameter(fp) => {
                let mode = FunctionParameterMode::try_from(fp.mode)
                    .unwrap_or(FunctionParameterMode::FuncParamIn);
                matches!(
                    mode,
                    FunctionParameterMode::FuncParamIn
                        | FunctionParameterMode::FuncParamInout
                        | FunctionParameterMode::FuncParamVariadic
                        | FunctionParameterMode::FuncParamDefault
                        | FunctionParameterMode::Undefined
                )
                .then(|| fp.arg_type.as_ref().map(ast::type_name))
                .flatten()
            }
            _ => None,
        })
        .collect()
}

fn object_with_args_key(
    o: &protobuf::ObjectWithArgs,
) -> Option<(QualifiedName, Option<Vec<String>>)> {
    let name = QualifiedName::from_parts(&strings(&o.objname))?;
    if o.args_unspecified {
        return Some((name, None));
    }
    let args = if o.objfuncargs.is_empty() {
        o.objargs
            .iter()
            .filter_map(|a| match node(a)? {
                NodeEnum::TypeName(t) => Some(ast::type_name(t)),
                _ => None,
            })
            .collect()
    } else {
        function_args(&o.objfuncargs)
    };
    Some((name, Some(args)))
}

/// `SET name = value` of a function, as PostgreSQL stores it in `proconfig`.
fn config_entry(v: &protobuf::VariableSetStmt) -> Option<String> {
    if v.name.is_empty() {
        return None;
    }
    let values: Vec<String> = v
        .args
        .iter()
        .filter_map(|a| {
            if let Some(s) = ast::str_const(a) {
                Some(if s.is_empty() {
                    "\"\"".to_owned()
                } else {
                    s.to_owned()
                })
            } else {
                ast::int_const(a).map(|i| i.to_string())
            }
        })
        .collect();
    Some(format!("{}={}", v.name, values.join(", ")))
}

/// The `CREATE FUNCTION` statement with its name schema-qualified, or `None` when the body was
/// left out of the parse (`plumb_sql::parse_abridged` empties it).
fn function_definition(f: &protobuf::CreateFunctionStmt, name: &QualifiedName) -> Option<String> {
    let body_given = f.sql_body.is_some()
        || f.options.iter().any(|o| {
            matches!(node(o), Some(NodeEnum::DefElem(d)) if d.defname == "as"
                && match d.arg.as_deref().and_then(node) {
                    Some(NodeEnum::List(l)) => l.items.iter().any(|i| ast::string_of(i).is_some_and(|b| !b.trim().is_empty())),
                    Some(NodeEnum::String(b)) => !b.sval.trim().is_empty(),
                    _ => false,
                })
        });
    if !body_given {
        return None;
    }
    let mut stmt = f.clone();
    stmt.funcname = [name.schema.as_str(), name.name.as_str()]
        .into_iter()
        .map(|s| Node {
            node: Some(NodeEnum::String(protobuf::String { sval: s.to_owned() })),
        })
        .collect();
    plumb_sql::deparse(&NodeEnum::CreateFunctionStmt(Box::new(stmt))).map(|sql| sql + ";")
}

fn apply_function_options(f: &mut Function, options: &[Node]) {
    for o in options {
        let Some(NodeEnum::DefElem(d)) = node(o) else {
            continue;
        };
        let arg = d.arg.as_deref();
        match d.defname.as_str() {
            "language" => {
                if let Some(l) = arg.and_then(ast::string_of) {
                    f.language = l.to_ascii_lowercase();
                }
            }
            "volatility" => {
                f.volatility = match arg.and_then(ast::string_of) {
                    Some("immutable") => Volatility::Immutable,
                    Some("stable") => Volatility::Stable,
                    _ => Volatility::Volatile,
                };
            }
            "security" => {
                f.security_definer = matches!(arg.and_then(node), Some(NodeEnum::Boolean(b)) if b.boolval)
                    || arg.and_then(ast::int_const) == Some(1);
            }
            "set" => {
                if let Some(NodeEnum::VariableSetStmt(v)) = arg.and_then(node) {
                    let reset = v.kind == protobuf::VariableSetKind::VarReset as i32;
                    let reset_all = v.kind == protobuf::VariableSetKind::VarResetAll as i32;
                    if reset_all {
                        f.config.clear();
                    } else {
                        let prefix = format!("{}=", v.name);
                        f.config.retain(|c| !c.starts_with(&prefix));
                        if !reset {
                            if let Some(e) = config_entry(v) {
                                f.config.push(e);
                                f.config.sort();
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn privileges_for(kind: GrantObject) -> &'static [&'static str] {
    match kind {
        GrantObject::Table => &[
            "DELETE",
            "INSERT",
            "REFERENCES",
            "SELECT",
            "TRIGGER",
            "TRUNCATE",
            "UPDATE",
        ],
        GrantObject::Sequence => &["SELECT", "UPDATE", "USAGE"],
        GrantObject::Schema => &["CREATE", "USAGE"],
        GrantObject::Function => &["EXECUTE"],
    }
}

impl Catalog {
    /// Statement forms other than tables, indexes, enums, views and plain DML.
    pub(crate) fn apply_object(&mut self, stmt: &NodeEnum) -> Applied {
        match stmt {
            NodeEnum::CreateSeqStmt(c) => {
                let Some(rv) = &c.sequence else {
                    return Applied::Changed;
                };
                let name = QualifiedName::from_range_var(rv);
                if c.if_not_exists && self.sequences.contains_key(&name) {
                    return Applied::Changed;
                }
                let mut s = Sequence::with_defaults(name.clone(), "int8", 1);
                apply_sequence_options(&mut s, &c.options, true);
                self.sequences.insert(name, Arc::new(s));
                Applied::Changed
            }
            NodeEnum::AlterSeqStmt(a) => {
                if let Some(rv) = &a.sequence {
                    let name = QualifiedName::from_range_var(rv);
                    if let Some(s) = self.sequences.get_mut(&name) {
                        apply_sequence_options(Arc::make_mut(s), &a.options, false);
                    }
                }
                Applied::Changed
            }
            NodeEnum::CreateDomainStmt(d) => {
                let Some(name) = QualifiedName::from_parts(&strings(&d.domainname)) else {
                    return Applied::Changed;
                };
                let mut domain = Domain {
                    name: name.clone(),
                    base_type: d.type_name.as_ref().map(ast::type_name).unwrap_or_default(),
                    not_null: false,
                    default: None,
                    checks: Vec::new(),
                };
                for c in &d.constraints {
                    if let Some(NodeEnum::Constraint(con)) = node(c) {
                        domain_constraint(&mut domain, con);
                    }
                }
                self.domains.insert(name, domain);
                Applied::Changed
            }
            NodeEnum::AlterDomainStmt(a) => {
                let Some(name) = QualifiedName::from_parts(&strings(&a.type_name)) else {
                    return Applied::Changed;
                };
                let Some(d) = self.domains.get_mut(&name) else {
                    return Applied::Changed;
                };
                match a.subtype.as_str() {
                    "T" => d.default = a.def.as_deref().and_then(canonical_expr),
                    "N" => d.not_null = false,
                    "O" => d.not_null = true,
                    "C" => {
                        if let Some(NodeEnum::Constraint(con)) = a.def.as_deref().and_then(node) {
                            domain_constraint(d, con);
                        }
                    }
                    "X" => d.checks.retain(|c| c.name != a.name),
                    "V" => {
                        for c in &mut d.checks {
                            if c.name == a.name {
                                c.validated = true;
                            }
                        }
                    }
                    _ => {}
                }
                Applied::Changed
            }
            NodeEnum::CompositeTypeStmt(c) => {
                let Some(rv) = &c.typevar else {
                    return Applied::Changed;
                };
                let name = QualifiedName::from_range_var(rv);
                let attributes = c
                    .coldeflist
                    .iter()
                    .filter_map(|n| match node(n)? {
                        NodeEnum::ColumnDef(col) => Some((
                            col.colname.clone(),
                            col.type_name
                                .as_ref()
                                .map(ast::type_name)
                                .unwrap_or_default(),
                        )),
                        _ => None,
                    })
                    .collect();
                self.composite_types
                    .insert(name.clone(), CompositeType { name, attributes });
                Applied::Changed
            }
            NodeEnum::CreateExtensionStmt(e) => {
                if !self.extensions.contains_key(&e.extname) {
                    self.extensions.insert(
                        e.extname.clone(),
                        Extension {
                            name: e.extname.clone(),
                            version: None,
                        },
                    );
                }
                Applied::Changed
            }
            NodeEnum::AlterExtensionStmt(_) => Applied::Changed,
            NodeEnum::CreateFunctionStmt(f) => {
                self.create_function(f);
                Applied::Changed
            }
            NodeEnum::AlterFunctionStmt(a) => {
                if let Some((name, args)) = a.func.as_ref().and_then(object_with_args_key) {
                    for key in self.function_keys(&name, args.as_deref()) {
                        if let Some(f) = self.functions.get_mut(&key) {
                            let f = Arc::make_mut(f);
                            apply_function_options(f, &a.actions);
                            // The statement no longer says what the function is.
                            f.definition = None;
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::CreateTrigStmt(t) => {
                let Some(rv) = &t.relation else {
                    return Applied::Changed;
                };
                let table = QualifiedName::from_range_var(rv);
                let function = match strings(&t.funcname).as_slice() {
                    // pg_catalog is searched first: a built-in trigger function is its.
                    [f] if crate::resolve::BUILTIN_TRIGGER_FUNCTIONS.contains(f) => {
                        Some(QualifiedName::new(Some("pg_catalog"), f))
                    }
                    parts => QualifiedName::from_parts(parts),
                };
                if let (Some(tb), Some(function)) = (self.table_mut(&table), function) {
                    tb.put_trigger(Trigger {
                        name: t.trigname.clone(),
                        function,
                        constraint: t.isconstraint,
                    });
                }
                Applied::Changed
            }
            NodeEnum::CreatePolicyStmt(p) => {
                let Some(rv) = &p.table else {
                    return Applied::Changed;
                };
                let table = QualifiedName::from_range_var(rv);
                let mut roles: Vec<String> = p.roles.iter().filter_map(role_of).collect();
                if roles.is_empty() {
                    roles.push("public".to_owned());
                }
                roles.sort();
                let policy = Policy {
                    name: p.policy_name.clone(),
                    command: match p.cmd_name.as_str() {
                        "select" => PolicyCommand::Select,
                        "insert" => PolicyCommand::Insert,
                        "update" => PolicyCommand::Update,
                        "delete" => PolicyCommand::Delete,
                        _ => PolicyCommand::All,
                    },
                    permissive: p.permissive,
                    roles,
                    using: p.qual.as_deref().and_then(|e| self.expr_on(&table, e)),
                    with_check: p
                        .with_check
                        .as_deref()
                        .and_then(|e| self.expr_on(&table, e)),
                };
                if let Some(t) = self.table_mut(&table) {
                    t.put_policy(policy);
                }
                Applied::Changed
            }
            NodeEnum::AlterPolicyStmt(p) => {
                let Some(rv) = &p.table else {
                    return Applied::Changed;
                };
                let table = QualifiedName::from_range_var(rv);
                let using = p.qual.as_deref().map(|q| self.expr_on(&table, q));
                let with_check = p.with_check.as_deref().map(|q| self.expr_on(&table, q));
                if let Some(t) = self.table_mut(&table) {
                    if let Some(pol) = t.policies.iter_mut().find(|x| x.name == p.policy_name) {
                        if !p.roles.is_empty() {
                            pol.roles = p.roles.iter().filter_map(role_of).collect();
                            pol.roles.sort();
                        }
                        if let Some(e) = using {
                            pol.using = e;
                        }
                        if let Some(e) = with_check {
                            pol.with_check = e;
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::GrantStmt(g) => self.grant(g),
            NodeEnum::CommentStmt(c) => {
                self.comment(c);
                Applied::Changed
            }
            NodeEnum::AlterOwnerStmt(o) => {
                let owner = o.newowner.as_ref().and_then(role_name);
                let kind = ObjectType::try_from(o.object_type).unwrap_or(ObjectType::Undefined);
                if matches!(
                    kind,
                    ObjectType::ObjectFunction | ObjectType::ObjectProcedure
                ) {
                    if let Some(NodeEnum::ObjectWithArgs(f)) = o.object.as_deref().and_then(node) {
                        if let Some((name, args)) = object_with_args_key(f) {
                            for key in self.function_keys(&name, args.as_deref()) {
                                if let Some(f) = self.functions.get_mut(&key) {
                                    Arc::make_mut(f).owner.clone_from(&owner);
                                }
                            }
                        }
                    }
                }
                Applied::Changed
            }
            NodeEnum::AlterObjectSchemaStmt(s) => self.set_schema(s),
            NodeEnum::AlterDefaultPrivilegesStmt(_) => {
                Applied::Unmodelled("ALTER DEFAULT PRIVILEGES")
            }
            // REFRESH VERSION, ALTER COLLATION's only form, changes no definition.
            NodeEnum::AlterCollationStmt(_)
            | NodeEnum::SecLabelStmt(_)
            | NodeEnum::AlterTableSpaceOptionsStmt(_)
            | NodeEnum::CreateTableSpaceStmt(_)
            | NodeEnum::DropTableSpaceStmt(_) => Applied::NoSchemaChange,
            NodeEnum::DefineStmt(d) => match ObjectType::try_from(d.kind) {
                Ok(ObjectType::ObjectAggregate) => self.create_aggregate(d),
                Ok(ObjectType::ObjectOperator) => Applied::Unmodelled("CREATE OPERATOR"),
                Ok(ObjectType::ObjectCollation) => self.create_collation(d),
                Ok(ObjectType::ObjectTsconfiguration) => self.create_ts_config(d),
                Ok(ObjectType::ObjectType) => Applied::Unmodelled("CREATE TYPE (base type)"),
                _ => Applied::Unmodelled("CREATE (text search object)"),
            },
            NodeEnum::CreateRangeStmt(_) => Applied::Unmodelled("CREATE TYPE AS RANGE"),
            NodeEnum::CreateCastStmt(_) => Applied::Unmodelled("CREATE CAST"),
            NodeEnum::RuleStmt(_) => Applied::Unmodelled("CREATE RULE"),
            NodeEnum::CreateEventTrigStmt(_) => Applied::Unmodelled("CREATE EVENT TRIGGER"),
            NodeEnum::CreateStatsStmt(_) => Applied::Unmodelled("CREATE STATISTICS"),
            NodeEnum::CreatePublicationStmt(_) | NodeEnum::AlterPublicationStmt(_) => {
                Applied::Unmodelled("CREATE/ALTER PUBLICATION")
            }
            NodeEnum::CreateForeignTableStmt(_) => Applied::Unmodelled("CREATE FOREIGN TABLE"),
            NodeEnum::CreateFdwStmt(_)
            | NodeEnum::CreateForeignServerStmt(_)
            | NodeEnum::CreateUserMappingStmt(_) => {
                Applied::Unmodelled("CREATE FOREIGN DATA WRAPPER/SERVER/USER MAPPING")
            }
            NodeEnum::AlterOpFamilyStmt(_)
            | NodeEnum::CreateOpClassStmt(_)
            | NodeEnum::CreateOpFamilyStmt(_) => Applied::Unmodelled("CREATE OPERATOR CLASS"),
            NodeEnum::AlterTsconfigurationStmt(a) => self.alter_ts_config(a),
            NodeEnum::AlterTsdictionaryStmt(_) => {
                Applied::Unmodelled("ALTER TEXT SEARCH DICTIONARY")
            }
            NodeEnum::CreateConversionStmt(_) => Applied::Unmodelled("CREATE CONVERSION"),
            NodeEnum::AlterTypeStmt(_) => Applied::Unmodelled("ALTER TYPE (options)"),
            _ => Applied::Unmodelled("other statement"),
        }
    }

    fn function_keys(&self, name: &QualifiedName, args: Option<&[String]>) -> Vec<QualifiedName> {
        match args {
            Some(args) => vec![Function::key(name, args)],
            None => self
                .functions
                .values()
                .filter(|f| &f.name == name)
                .map(|f| Function::key(&f.name, &f.arg_types))
                .collect(),
        }
    }

    /// `CREATE COLLATION name (provider = icu, locale = '...', deterministic = false)` or
    /// `CREATE COLLATION name FROM other` (of a collation the schema created).
    fn create_collation(&mut self, d: &protobuf::DefineStmt) -> Applied {
        let Some(name) = QualifiedName::from_parts(&strings(&d.defnames)) else {
            return Applied::Unmodelled("CREATE COLLATION");
        };
        let mut c = Collation {
            name: name.clone(),
            provider: "libc".to_owned(),
            locale: None,
            lc_collate: None,
            lc_ctype: None,
            deterministic: true,
        };
        let mut locale = None;
        for o in &d.definition {
            let Some(NodeEnum::DefElem(e)) = node(o) else {
                continue;
            };
            let arg = e.arg.as_deref();
            // `provider = icu` is a bare word (a type name to the parser), `locale = '...'` a
            // string.
            let text = arg.and_then(|a| match node(a) {
                Some(NodeEnum::TypeName(t)) => strings(&t.names).last().map(|s| (*s).to_owned()),
                _ => ast::str_const(a)
                    .or_else(|| ast::string_of(a))
                    .map(str::to_owned),
            });
            match e.defname.to_ascii_lowercase().as_str() {
                "from" => {
                    let from = match arg.and_then(node) {
                        Some(NodeEnum::List(l)) => QualifiedName::from_parts(&strings(&l.items)),
                        _ => None,
                    };
                    match from.and_then(|f| self.collations.get(&f)) {
                        Some(other) => {
                            c = Collation {
                                name: name.clone(),
                                ..other.clone()
                            };
                        }
                        None => {
                            return Applied::Unmodelled(
                                "CREATE COLLATION ... FROM (a built-in collation)",
                            )
                        }
                    }
                }
                "provider" => c.provider = text.unwrap_or_default().to_ascii_lowercase(),
                "locale" => locale = text,
                "lc_collate" => c.lc_collate = text,
                "lc_ctype" => c.lc_ctype = text,
                "deterministic" => {
                    c.deterministic = !matches!(
                        text.as_deref().map(str::to_ascii_lowercase).as_deref(),
                        Some("false" | "off" | "no" | "0")
                    ) && !matches!(arg.and_then(node), Some(NodeEnum::Boolean(b)) if !b.boolval);
                }
                _ => {}
            }
        }
        if let Some(l) = locale {
            if c.provider == "libc" {
                c.lc_collate.get_or_insert_with(|| l.clone());
                c.lc_ctype.get_or_insert(l);
            } else {
                c.locale = Some(l);
            }
        }
        if c.provider != "libc" {
            c.lc_collate = None;
            c.lc_ctype = None;
        }
        self.collations.insert(name, c);
        Applied::Changed
    }

    /// `CREATE AGGREGATE name(types) (SFUNC = f, STYPE = t [, FINALFUNC, COMBINEFUNC,
    /// INITCOND])`; an aggregate with other options (moving-aggregate, ordered-set,
    /// serialization, parallel, sort operator) is reported unmodelled.
    fn create_aggregate(&mut self, d: &protobuf::DefineStmt) -> Applied {
        let Some(name) = QualifiedName::from_parts(&strings(&d.defnames)) else {
            return Applied::Unmodelled("CREATE AGGREGATE");
        };
        // args: [the argument list, the number of direct arguments]; none for the old syntax.
        let Some(NodeEnum::List(args)) = d.args.first().and_then(node) else {
            return Applied::Unmodelled("CREATE AGGREGATE (old syntax)");
        };
        let arg_types = function_args(&args.items);
        let mut agg = Aggregate {
            name,
            arg_types,
            state_function: String::new(),
            state_type: String::new(),
            final_function: None,
            initial_condition: None,
            combine_function: None,
        };
        for o in &d.definition {
            let Some(NodeEnum::DefElem(e)) = node(o) else {
                continue;
            };
            let arg = e.arg.as_deref().and_then(node);
            let routine = || match arg {
                Some(NodeEnum::TypeName(t)) => Some(crate::model::routine_name(&strings(&t.names))),
                Some(NodeEnum::List(l)) => Some(crate::model::routine_name(&strings(&l.items))),
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            };
            match e.defname.to_ascii_lowercase().as_str() {
                "sfunc" => agg.state_function = routine().unwrap_or_default(),
                "stype" => {
                    if let Some(NodeEnum::TypeName(t)) = arg {
                        agg.state_type = ast::type_name(t);
                    }
                }
                "finalfunc" => agg.final_function = routine(),
                "combinefunc" => agg.combine_function = routine(),
                "initcond" => {
                    agg.initial_condition = e
                        .arg
                        .as_deref()
                        .and_then(|a| ast::str_const(a).or_else(|| ast::string_of(a)))
                        .map(str::to_owned);
                }
                "basetype" => return Applied::Unmodelled("CREATE AGGREGATE (old syntax)"),
                // Moving-aggregate, ordered-set, serialization, parallel and sort options are
                // not modelled: rather none than a statement that makes another aggregate.
                _ => {
                    return Applied::Unmodelled(
                        "CREATE AGGREGATE (options beyond SFUNC, STYPE, FINALFUNC, COMBINEFUNC, INITCOND)",
                    )
                }
            }
        }
        if agg.state_function.is_empty() || agg.state_type.is_empty() {
            return Applied::Unmodelled("CREATE AGGREGATE");
        }
        let key = Function::key(&agg.name, &agg.arg_types);
        self.aggregates.insert(key, agg);
        Applied::Changed
    }

    /// `CREATE TEXT SEARCH CONFIGURATION name (PARSER = p)` or `(COPY = other)`, where the
    /// other is `simple` or a configuration the schema created.
    fn create_ts_config(&mut self, d: &protobuf::DefineStmt) -> Applied {
        let Some(name) = QualifiedName::from_parts(&strings(&d.defnames)) else {
            return Applied::Unmodelled("CREATE TEXT SEARCH CONFIGURATION");
        };
        let mut config = None;
        for o in &d.definition {
            let Some(NodeEnum::DefElem(e)) = node(o) else {
                continue;
            };
            let target = match e.arg.as_deref().and_then(node) {
                Some(NodeEnum::List(l)) => strings(&l.items),
                Some(NodeEnum::TypeName(t)) => strings(&t.names),
                Some(NodeEnum::String(s)) => vec![s.sval.as_str()],
                _ => Vec::new(),
            };
            match e.defname.to_ascii_lowercase().as_str() {
                "parser" => {
                    config = Some(TextSearchConfig {
                        name: name.clone(),
                        parser: crate::model::routine_name(&target),
                        mappings: std::collections::BTreeMap::new(),
                    });
                }
                "copy" => {
                    let from = crate::model::routine_name(&target);
                    config = if from == "simple" {
                        Some(TextSearchConfig {
                            name: name.clone(),
                            parser: "default".to_owned(),
                            mappings: crate::model::SIMPLE_CONFIG_TOKENS
                                .iter()
                                .map(|t| ((*t).to_owned(), vec!["simple".to_owned()]))
                                .collect(),
                        })
                    } else {
                        let other = QualifiedName::from_parts(&target)
                            .and_then(|n| self.text_search_configs.get(&n));
                        match other {
                            Some(o) => Some(TextSearchConfig {
                                name: name.clone(),
                                ..o.clone()
                            }),
                            None => {
                                return Applied::Unmodelled(
                                    "CREATE TEXT SEARCH CONFIGURATION (COPY of a built-in language configuration)",
                                )
                            }
                        }
                    };
                }
                _ => {}
            }
        }
        match config {
            Some(c) => {
                self.text_search_configs.insert(name, c);
                Applied::Changed
            }
            None => Applied::Unmodelled("CREATE TEXT SEARCH CONFIGURATION"),
        }
    }

    /// `ALTER TEXT SEARCH CONFIGURATION`: ADD / ALTER / DROP MAPPING, REPLACE a dictionary.
    fn alter_ts_config(&mut self, a: &protobuf::AlterTsConfigurationStmt) -> Applied {
        use protobuf::AlterTsConfigType as Kind;
        let Some(name) = QualifiedName::from_parts(&strings(&a.cfgname)) else {
            return Applied::Unmodelled("ALTER TEXT SEARCH CONFIGURATION");
        };
        let Some(config) = self.text_search_configs.get_mut(&name) else {
            return Applied::Unmodelled(
                "ALTER TEXT SEARCH CONFIGURATION (of a configuration not modelled)",
            );
        };
        let tokens: Vec<String> = strings(&a.tokentype)
            .iter()
            .map(|t| (*t).to_owned())
            .collect();
        let dicts: Vec<String> = a
            .dicts
            .iter()
            .filter_map(|d| match node(d) {
                Some(NodeEnum::List(l)) => Some(crate::model::routine_name(&strings(&l.items))),
                Some(NodeEnum::String(s)) => Some(crate::model::routine_name(&[s.sval.as_str()])),
                _ => None,
            })
            .collect();
        match Kind::try_from(a.kind).unwrap_or(Kind::AlterTsconfigTypeUndefined) {
            Kind::AlterTsconfigAddMapping | Kind::AlterTsconfigAlterMappingForToken
                if !a.replace =>
            {
                for t in tokens {
                    config.mappings.insert(t, dicts.clone());
                }
            }
            Kind::AlterTsconfigReplaceDict
            | Kind::AlterTsconfigReplaceDictForToken
            | Kind::AlterTsconfigAlterMappingForToken => {
                let [old, new] = dicts.as_slice() else {
                    return Applied::Unmodelled("ALTER TEXT SEARCH CONFIGURATION");
                };
                for (t, ds) in &mut config.mappings {
                    if tokens.is_empty() || tokens.contains(t) {
                        for d in ds.iter_mut().filter(|d| *d == old) {
                            d.clone_from(new);
                        }
                    }
                }
            }
            Kind::AlterTsconfigDropMapping => {
                for t in &tokens {
                    config.mappings.remove(t);
                }
            }
            _ => return Applied::Unmodelled("ALTER TEXT SEARCH CONFIGURATION"),
        }
        Applied::Changed
    }

    fn create_function(&mut self, f: &protobuf::CreateFunctionStmt) {
        let Some(name) = QualifiedName::from_parts(&strings(&f.funcname)) else {
            return;
        };
        let arg_types = function_args(&f.parameters);
        let returns = if f.is_procedure {
            None
        } else {
            let out_params = f.parameters.iter().filter(|p| {
                matches!(node(p), Some(NodeEnum::FunctionParameter(fp))
                    if fp.mode == FunctionParameterMode::FuncParamOut as i32
                        || fp.mode == FunctionParameterMode::FuncParamInout as i32)
            });
            match f.return_type.as_ref() {
                Some(t) => {
                    let base = if t.names.is_empty() {
                        "record".to_owned()
                    } else {
                        ast::type_name(t)
                    };
                    Some(if t.setof {
                        format!("setof {base}")
                    } else {
                        base
                    })
                }
                None => Some(if out_params.count() == 1 {
                    "out".to_owned()
                } else {
                    "record".to_owned()
                }),
            }
        };
        let key = Function::key(&name, &arg_types);
        let definition = function_definition(f, &name);
        let mut function = Function {
            name,
            arg_types,
            returns,
            // LANGUAGE defaults to SQL (and SQL-standard bodies are SQL).
            language: "sql".to_owned(),
            volatility: Volatility::Volatile,
            security_definer: false,
            config: Vec::new(),
            owner: None,
            definition,
        };
        apply_function_options(&mut function, &f.options);
        let new = !self.functions.contains_key(&key);
        self.functions.insert(key.clone(), Arc::new(function));
        if new {
            // Functions are executable by PUBLIC unless revoked.
            self.grants.insert(Grant {
                object_kind: GrantObject::Function,
                object: key,
                grantee: "public".to_owned(),
                privilege: "EXECUTE".to_owned(),
            });
        }
    }

    fn grant(&mut self, g: &protobuf::GrantStmt) -> Applied {
        let objtype = ObjectType::try_from(g.objtype).unwrap_or(ObjectType::Undefined);
        let kind = match objtype {
            ObjectType::ObjectTable => GrantObject::Table,
            ObjectType::ObjectSequence => GrantObject::Sequence,
            ObjectType::ObjectSchema => GrantObject::Schema,
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => GrantObject::Function,
            // Types, databases, languages, large objects, ...: outside the model.
            _ => return Applied::NoSchemaChange,
        };
        let target = GrantTargetType::try_from(g.targtype).unwrap_or(GrantTargetType::Undefined);
        let mut objects: Vec<QualifiedName> = Vec::new();
        match target {
            GrantTargetType::AclTargetObject => {
                for o in &g.objects {
                    match node(o) {
                        Some(NodeEnum::RangeVar(rv)) => {
                            objects.push(QualifiedName::from_range_var(rv));
                        }
                        Some(NodeEnum::String(s)) if kind == GrantObject::Schema => {
                            objects.push(QualifiedName {
                                schema: crate::Name::default(),
                                name: crate::Name::from(s.sval.as_str()),
                            });
                        }
                        Some(NodeEnum::ObjectWithArgs(f)) => {
                            if let Some((name, args)) = object_with_args_key(f) {
                                objects.extend(self.function_keys(&name, args.as_deref()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            GrantTargetType::AclTargetAllInSchema => {
                for s in g.objects.iter().filter_map(ast::string_of) {
                    match kind {
                        GrantObject::Table => {
                            objects.extend(self.tables.keys().filter(|k| k.schema == s).cloned());
                            objects.extend(self.views.keys().filter(|k| k.schema == s).cloned());
                        }
                        GrantObject::Sequence => {
                            objects
                                .extend(self.sequences.keys().filter(|k| k.schema == s).cloned());
                        }
                        GrantObject::Function => {
                            objects
                                .extend(self.functions.keys().filter(|k| k.schema == s).cloned());
                        }
                        GrantObject::Schema => {}
                    }
                }
            }
            _ => return Applied::Unmodelled("GRANT (defaults)"),
        }
        let privileges: Vec<String> = if g.privileges.is_empty() {
            privileges_for(kind)
                .iter()
                .map(|p| (*p).to_owned())
                .collect()
        } else {
            let mut out = Vec::new();
            for p in &g.privileges {
                if let Some(NodeEnum::AccessPriv(a)) = node(p) {
                    if !a.cols.is_empty() {
                        // Column privileges are not modelled.
                        continue;
                    }
                    if a.priv_name.is_empty() || a.priv_name == "all" {
                        out.extend(privileges_for(kind).iter().map(|p| (*p).to_owned()));
                    } else {
                        out.push(a.priv_name.to_ascii_uppercase());
                    }
                }
            }
            out
        };
        let grantees: Vec<String> = g.grantees.iter().filter_map(role_of).collect();
        for object in &objects {
            for grantee in &grantees {
                for privilege in &privileges {
                    let grant = Grant {
                        object_kind: kind,
                        object: object.clone(),
                        grantee: grantee.clone(),
                        privilege: privilege.clone(),
                    };
                    // USAGE on schema public for PUBLIC is every database's default, not listed
                    // (a live catalog leaves it out as well).
                    let default = kind == GrantObject::Schema
                        && grant.object.name == crate::DEFAULT_SCHEMA
                        && grant.grantee == "public"
                        && grant.privilege == "USAGE";
                    if default {
                        continue;
                    }
                    if g.is_grant {
                        self.grants.insert(grant);
                    } else {
                        self.grants.remove(&grant);
                    }
                }
            }
        }
        Applied::Changed
    }

    fn comment(&mut self, c: &protobuf::CommentStmt) {
        let kind = ObjectType::try_from(c.objtype).unwrap_or(ObjectType::Undefined);
        let text = (!c.comment.is_empty()).then(|| c.comment.clone());
        let Some(object) = c.object.as_deref().and_then(node) else {
            return;
        };
        let parts: Vec<&str> = match object {
            NodeEnum::List(l) => strings(&l.items),
            NodeEnum::TypeName(t) => strings(&t.names),
            NodeEnum::String(s) => vec![s.sval.as_str()],
            _ => return,
        };
        match kind {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                if let Some(t) = QualifiedName::from_parts(&parts).and_then(|n| self.table_mut(&n))
                {
                    t.comment = text;
                }
            }
            ObjectType::ObjectColumn => {
                let Some((col, table)) = parts.split_last() else {
                    return;
                };
                if let Some(t) = QualifiedName::from_parts(table).and_then(|n| self.table_mut(&n)) {
                    if let Some(c) = t.column_mut(col) {
                        c.comment = text;
                    }
                }
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => {
                if let Some(v) =
                    QualifiedName::from_parts(&parts).and_then(|n| self.views.get_mut(&n))
                {
                    v.comment = text;
                }
            }
            ObjectType::ObjectIndex => {
                if let Some(i) =
                    QualifiedName::from_parts(&parts).and_then(|n| self.indexes.get_mut(&n))
                {
                    Arc::make_mut(i).comment = text;
                }
            }
            ObjectType::ObjectType => {
                if let Some(e) =
                    QualifiedName::from_parts(&parts).and_then(|n| self.enums.get_mut(&n))
                {
                    e.comment = text;
                }
            }
            _ => {}
        }
    }

    fn set_schema(&mut self, s: &protobuf::AlterObjectSchemaStmt) -> Applied {
        let kind = ObjectType::try_from(s.object_type).unwrap_or(ObjectType::Undefined);
        let to = |n: &QualifiedName| QualifiedName::new(Some(&s.newschema), &n.name);
        match kind {
            ObjectType::ObjectTable => {
                let Some(old) = s.relation.as_ref().map(QualifiedName::from_range_var) else {
                    return Applied::Changed;
                };
                let new = to(&old);
                self.rename_table(&old, &new);
                // The table's indexes and owned sequences move with it.
                let moved: Vec<_> = self
                    .indexes
                    .values()
                    .filter(|i| i.table == new)
                    .map(|i| i.name.clone())
                    .collect();
                for n in moved {
                    if let Some(mut i) = self.indexes.remove(&n) {
                        Arc::make_mut(&mut i).name = to(&n);
                        self.indexes.insert(to(&n), i);
                    }
                }
                let seqs: Vec<_> = self
                    .sequences
                    .values()
                    .filter(|q| q.owned_by.as_ref().is_some_and(|(t, _)| *t == new))
                    .map(|q| q.name.clone())
                    .collect();
                for n in seqs {
                    if let Some(mut q) = self.sequences.remove(&n) {
                        Arc::make_mut(&mut q).name = to(&n);
                        self.sequences.insert(q.name.clone(), q);
                    }
                }
                Applied::Changed
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => {
                if let Some(old) = s.relation.as_ref().map(QualifiedName::from_range_var) {
                    if let Some(mut v) = self.views.remove(&old) {
                        v.name = to(&old);
                        v.definition = None;
                        self.views.insert(v.name.clone(), v);
                    }
                }
                Applied::Changed
            }
            ObjectType::ObjectSequence => {
                if let Some(old) = s.relation.as_ref().map(QualifiedName::from_range_var) {
                    if let Some(mut q) = self.sequences.remove(&old) {
                        Arc::make_mut(&mut q).name = to(&old);
                        self.sequences.insert(q.name.clone(), q);
                    }
                }
                Applied::Changed
            }
            _ => Applied::Unmodelled("ALTER ... SET SCHEMA (this object type)"),
        }
    }

    /// DROP of objects other than relations and schemas.
    pub(crate) fn drop_object(&mut self, kind: ObjectType, obj: &Node) -> Applied {
        let list_name = || match node(obj) {
            Some(NodeEnum::List(l)) => Some(strings(&l.items)),
            Some(NodeEnum::TypeName(t)) => Some(strings(&t.names)),
            Some(NodeEnum::String(s)) => Some(vec![s.sval.as_str()]),
            _ => None,
        };
        match kind {
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                if let Some(n) = list_name().and_then(|p| QualifiedName::from_parts(&p)) {
                    self.enums.remove(&n);
                    self.domains.remove(&n);
                    self.composite_types.remove(&n);
                }
            }
            ObjectType::ObjectCollation => {
                if let Some(n) = list_name().and_then(|p| QualifiedName::from_parts(&p)) {
                    self.collations.remove(&n);
                }
            }
            ObjectType::ObjectTsconfiguration => {
                if let Some(n) = list_name().and_then(|p| QualifiedName::from_parts(&p)) {
                    self.text_search_configs.remove(&n);
                }
            }
            ObjectType::ObjectAggregate => {
                if let Some(NodeEnum::ObjectWithArgs(f)) = node(obj) {
                    if let Some((name, args)) = object_with_args_key(f) {
                        match args {
                            Some(args) => {
                                self.aggregates.remove(&Function::key(&name, &args));
                            }
                            None => {
                                crate::apply::retain(&mut self.aggregates, |_, a| a.name != name);
                            }
                        }
                    }
                }
            }
            ObjectType::ObjectExtension => {
                if let Some(p) = list_name() {
                    for e in p {
                        self.extensions.remove(e);
                    }
                }
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                if let Some(NodeEnum::ObjectWithArgs(f)) = node(obj) {
                    if let Some((name, args)) = object_with_args_key(f) {
                        for key in self.function_keys(&name, args.as_deref()) {
                            self.functions.remove(&key);
                            self.drop_grants_on(&key);
                        }
                        // A dropped trigger function takes its triggers with it (CASCADE;
                        // without it the drop fails while triggers use the function).
                        if !self.functions.values().any(|f| f.name == name) {
                            crate::apply::for_each_mut(
                                &mut self.tables,
                                |t| t.triggers.iter().any(|tr| tr.function == name),
                                |t| t.triggers.retain(|tr| tr.function != name),
                            );
                        }
                    }
                }
            }
            ObjectType::ObjectTrigger | ObjectType::ObjectPolicy => {
                let Some(p) = list_name() else {
                    return Applied::Changed;
                };
                let Some((name, table)) = p.split_last() else {
                    return Applied::Changed;
                };
                if let Some(t) = QualifiedName::from_parts(table).and_then(|n| self.table_mut(&n)) {
                    if kind == ObjectType::ObjectTrigger {
                        t.triggers.retain(|x| x.name != *name);
                    } else {
                        t.policies.retain(|x| x.name != *name);
                    }
                }
            }
            ObjectType::ObjectRule => return Applied::Unmodelled("DROP RULE"),
            ObjectType::ObjectCast
            | ObjectType::ObjectOperator
            | ObjectType::ObjectEventTrigger
            | ObjectType::ObjectPublication
            | ObjectType::ObjectStatisticExt
            | ObjectType::ObjectForeignServer
            | ObjectType::ObjectFdw => {
                return Applied::Unmodelled("DROP (object outside the model)")
            }
            _ => {}
        }
        Applied::Changed
    }

    pub(crate) fn rename_object(&mut self, kind: ObjectType, r: &protobuf::RenameStmt) -> Applied {
        match kind {
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                let parts = match r.object.as_deref().and_then(node) {
                    Some(NodeEnum::List(l)) => strings(&l.items),
                    Some(NodeEnum::TypeName(t)) => strings(&t.names),
                    _ => return Applied::Changed,
                };
                let Some(old) = QualifiedName::from_parts(&parts) else {
                    return Applied::Changed;
                };
                let new = QualifiedName::new(Some(&old.schema), &r.newname);
                self.retype_columns(&old, &new);
                if let Some(mut e) = self.enums.remove(&old) {
                    e.name = new.clone();
                    self.enums.insert(new.clone(), e);
                }
                if let Some(mut d) = self.domains.remove(&old) {
                    d.name = new.clone();
                    self.domains.insert(new.clone(), d);
                }
                if let Some(mut c) = self.composite_types.remove(&old) {
                    c.name = new.clone();
                    self.composite_types.insert(new, c);
                }
            }
            ObjectType::ObjectSchema => {
                let Some(old) = (!r.subname.is_empty()).then(|| r.subname.clone()) else {
                    return Applied::Changed;
                };
                return if self.schemas.remove(&old).is_some() {
                    self.schemas.insert(r.newname.clone());
                    Applied::Unmodelled("ALTER SCHEMA RENAME (objects keep their old schema)")
                } else {
                    Applied::Changed
                };
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                if let Some(NodeEnum::ObjectWithArgs(f)) = r.object.as_deref().and_then(node) {
                    if let Some((name, args)) = object_with_args_key(f) {
                        for key in self.function_keys(&name, args.as_deref()) {
                            if let Some(mut f) = self.functions.remove(&key) {
                                let fm = Arc::make_mut(&mut f);
                                fm.definition = None;
                                let old_name = fm.name.clone();
                                fm.name = QualifiedName::new(Some(&name.schema), &r.newname);
                                let new_name = fm.name.clone();
                                let new_key = Function::key(&fm.name, &fm.arg_types);
                                self.rename_grant_object(&key, &new_key);
                                self.functions.insert(new_key, f);
                                // Triggers refer to their function by OID.
                                crate::apply::for_each_mut(
                                    &mut self.tables,
                                    |t| t.triggers.iter().any(|tr| tr.function == old_name),
                                    |t| {
                                        for tr in &mut t.triggers {
                                            if tr.function == old_name {
                                                tr.function = new_name.clone();
                                            }
                                        }
                                    },
                                );
                            }
                        }
                    }
                }
            }
            ObjectType::ObjectDomconstraint => {
                if let Some(NodeEnum::List(l)) = r.object.as_deref().and_then(node) {
                    if let Some(d) = QualifiedName::from_parts(&strings(&l.items))
                        .and_then(|n| self.domains.get_mut(&n))
                    {
                        for c in &mut d.checks {
                            if c.name == r.subname {
                                c.name.clone_from(&r.newname);
                            }
                        }
                        d.checks.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                }
            }
            _ => return Applied::Unmodelled("ALTER ... RENAME (this object type)"),
        }
        Applied::Changed
    }

    /// Columns, domains and composite attributes of a renamed type show the new name.
    fn retype_columns(&mut self, old: &QualifiedName, new: &QualifiedName) {
        let spell = |n: &QualifiedName| {
            if n.schema == crate::DEFAULT_SCHEMA {
                n.name.to_string()
            } else {
                format!("{}.{}", n.schema, n.name)
            }
        };
        let (from, to) = (spell(old), spell(new));
        let renamed = |t: &str| {
            let base = t.trim_end_matches("[]");
            (base == from).then(|| format!("{to}{}", &t[base.len()..]))
        };
        let rename = |t: &mut String| {
            if let Some(n) = renamed(t) {
                *t = n;
            }
        };
        let rename_name = |t: &mut crate::Name| {
            if let Some(n) = renamed(t) {
                *t = crate::Name::from(n);
            }
        };
        crate::apply::for_each_mut(
            &mut self.tables,
            |t| {
                t.columns
                    .iter()
                    .any(|c| c.type_name.trim_end_matches("[]") == from)
            },
            |t| {
                for c in &mut t.columns {
                    rename_name(&mut c.type_name);
                }
            },
        );
        let is_old = |t: &String| t.trim_end_matches("[]") == from;
        crate::model::update_where(
            &mut self.domains,
            |d| is_old(&d.base_type),
            |d| rename(&mut d.base_type),
        );
        crate::model::update_where(
            &mut self.composite_types,
            |c| c.attributes.iter().any(|(_, t)| is_old(t)),
            |c| {
                for (_, t) in &mut c.attributes {
                    rename(t);
                }
            },
        );
    }

    pub(crate) fn drop_grants_on(&mut self, object: &QualifiedName) {
        let gone: Vec<Grant> = self
            .grants
            .iter()
            .filter(|g| &g.object == object)
            .cloned()
            .collect();
        for g in gone {
            self.grants.remove(&g);
        }
    }

    pub(crate) fn rename_grant_object(&mut self, old: &QualifiedName, new: &QualifiedName) {
        let moved: Vec<Grant> = self
            .grants
            .iter()
            .filter(|g| &g.object == old)
            .cloned()
            .collect();
        for g in moved {
            self.grants.remove(&g);
            self.grants.insert(Grant {
                object: new.clone(),
                ..g
            });
        }
    }
}

fn domain_constraint(d: &mut Domain, con: &protobuf::Constraint) {
    match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
        ConstrType::ConstrNotnull => d.not_null = true,
        ConstrType::ConstrNull => d.not_null = false,
        ConstrType::ConstrDefault => d.default = con.raw_expr.as_deref().and_then(canonical_expr),
        ConstrType::ConstrCheck => {
            let name = if con.conname.is_empty() {
                crate::apply::make_object_name(&d.name.name, "", "check")
            } else {
                con.conname.clone()
            };
            let check = DomainCheck {
                name,
                expr: con
                    .raw_expr
                    .as_deref()
                    .and_then(canonical_expr)
                    .unwrap_or_default(),
                validated: !con.skip_validation,
            };
            crate::model::put_sorted(&mut d.checks, check, |c| &c.name);
        }
        _ => {}
    }
}
