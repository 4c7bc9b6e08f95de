//! Reading a live database's schema into a [`Catalog`].
//!
//! A dozen catalog queries, not one per table: they run pipelined on one connection inside one
//! REPEATABLE READ READ ONLY transaction, so the snapshot is consistent and the cost is a few
//! round trips whatever the size of the schema. No query opens a user relation except the
//! sequence reads at the end (ACCESS SHARE, in short autocommit statements), so no lock beyond
//! ACCESS SHARE is taken and none is held across the whole load. Sizes come from `relpages`
//! (updated by VACUUM, ANALYZE and index builds) rather than `pg_relation_size`, which would
//! lock every relation and overflow the lock table on large schemas.
//!
//! Objects that belong to extensions are left out, as are the catalog schemas. Partitions list
//! only what they declare themselves: constraints cloned from the partitioned parent
//! (`conparentid <> 0`) and indexes attached to a parent index are represented on the parent.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::try_join_all;
use plumb_catalog::{
    Aggregate, Catalog, Collation, Column, CompositeType, Constraint, ConstraintKind, DatabaseInfo,
    Domain, DomainCheck, EnumType, Extension, FkAction, Function, Grant, GrantObject, Identity,
    Index, IndexStats, Policy, PolicyCommand, QualifiedName, Sequence, Table, TableKind,
    TableStats, TextSearchConfig, Trigger, View, Volatility,
};
use plumb_sql::canon;
use tokio_postgres::Row;

use crate::{PgError, Session};

/// How the queries (by position in [`queries`]) are spread over connections, balanced by their
/// cost on a large schema: the first connection reads what no group names.
const GROUPS: [&[usize]; 3] = [&[], &[3, 4], &[5, 13, 14]];

const USER_NS: &str = "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'";

/// Leaves out objects that belong to an extension. The members are collected once per query
/// (an InitPlan) rather than looked up per row.
fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "{oid} <> ALL (ARRAY(SELECT e.objid FROM pg_depend e WHERE e.deptype = 'e' \
         AND e.classid = '{catalog}'::regclass))"
    )
}

fn ts(expr: &str) -> String {
    format!("to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
}

/// The introspection queries, with what each reads (for benchmarks and diagnostics).
#[doc(hidden)]
pub fn queries() -> Vec<(&'static str, String)> {
    let bs = "current_setting('block_size')::int8";
    let rel_ext = not_extension_member("pg_class", "c.oid");
    let type_ext = not_extension_member("pg_type", "t.oid");
    // A composite type an extension creates is recorded as the extension's through its type.
    let rowtype_ext = not_extension_member("pg_type", "c.reltype");
    let proc_ext = not_extension_member("pg_proc", "p.oid");
    vec![
        (
            "reading database facts",
            "SELECT current_database()::text, current_setting('server_version_num')::int4, \
             current_user::text, \
             ARRAY(SELECT rolname::text FROM pg_roles WHERE rolsuper ORDER BY 1), \
             (SELECT to_char(stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
              FROM pg_stat_database WHERE datname = current_database()), \
             (SELECT extract(epoch FROM now() - coalesce(stats_reset, pg_postmaster_start_time()))::int8 \
              FROM pg_stat_database WHERE datname = current_database())"
                .to_owned(),
        ),
        (
            "reading schemas",
            format!(
                "SELECT n.nspname::text FROM pg_namespace n WHERE {USER_NS} AND n.nspname <> 'public' \
                 AND {}",
                not_extension_member("pg_namespace", "n.oid")
            ),
        ),
        (
            "reading tables",
            format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind, c.relpersistence = 'u', \
                 pg_get_userbyid(c.relowner)::text, d.description, c.relrowsecurity, c.relforcerowsecurity, \
                 pn.nspname::text, pc.relname::text, c.reltuples::float8, c.relpages::int8 * {bs}, \
                 coalesce(t.relpages, 0)::int8 * {bs}, \
                 pg_stat_get_numscans(c.oid), pg_stat_get_live_tuples(c.oid), pg_stat_get_dead_tuples(c.oid), \
                 {}, {}, {}, {}, pg_stat_get_tuples_inserted(c.oid), pt.partattrs::int2[], \
                 CASE WHEN pt.partexprs IS NOT NULL THEN pg_get_partkeydef(c.oid) END, \
                 pg_stat_get_tuples_updated(c.oid), pg_stat_get_tuples_deleted(c.oid), \
                 CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, \
                 c.reloptions::text[], c.relispopulated \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0 \
                 LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND c.relispartition \
                 LEFT JOIN pg_class pc ON pc.oid = i.inhparent \
                 LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
                 LEFT JOIN pg_class t ON t.oid = c.reltoastrelid \
                 LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND {USER_NS} AND {rel_ext} \
                   AND (c.relkind <> 'c' OR {rowtype_ext})",
                ts("pg_stat_get_last_vacuum_time(c.oid)"),
                ts("pg_stat_get_last_autovacuum_time(c.oid)"),
                ts("pg_stat_get_last_analyze_time(c.oid)"),
                ts("pg_stat_get_last_autoanalyze_time(c.oid)"),
            ),
        ),
        (
            "reading columns",
            format!(
                "SELECT a.attrelid, a.attnum, a.attname::text, a.atttypid, a.attnotnull, \
                 a.attidentity, a.attgenerated, a.attcollation, a.atttypmod \
                 FROM pg_attribute a WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN \
                 (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE c.relkind IN ('r', 'p', 'f', 'c') AND {USER_NS})"
            ),
        ),
        (
            "reading constraints",
            format!(
                "SELECT con.conrelid, con.conname::text, con.contype, con.conkey, con.condeferrable, \
                 con.condeferred, con.convalidated, \
                 CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END, \
                 fn.nspname::text, fc.relname::text, con.confkey, \
                 con.confdeltype, con.confupdtype, con.confrelid, con.conparentid <> 0 \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_class fc ON fc.oid = con.confrelid \
                 LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
                 WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND {USER_NS} \
                 AND (con.conparentid = 0 OR NOT EXISTS (SELECT 1 FROM pg_constraint pc \
                      WHERE pc.oid = con.conparentid AND pc.conrelid = con.conrelid))"
            ),
        ),
        (
            "reading indexes",
            format!(
                "SELECT i.indexrelid, n.nspname::text, ic.relname::text, i.indrelid, i.indkey::int2[], \
                 i.indnkeyatts::int4, i.indisunique, i.indisvalid, am.amname::text, \
                 CASE WHEN i.indexprs IS NOT NULL THEN ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) \
                      FROM generate_series(1, i.indnkeyatts::int4) k ORDER BY k) END, \
                 pg_get_expr(i.indpred, i.indrelid, true), ic.relpages::int8 * {bs}, \
                 pg_stat_get_numscans(i.indexrelid), d.description, \
                 CASE WHEN EXISTS (SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) k \
                      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k] \
                      LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k] \
                      WHERE i.indoption[k] <> 0 OR NOT oc.opcdefault \
                         OR (i.indcollation[k] <> 0 AND i.indcollation[k] IS DISTINCT FROM a.attcollation)) \
                      THEN pg_get_indexdef(i.indexrelid) END \
                 , pin.nspname::text, pic.relname::text \
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = ic.relnamespace \
                 JOIN pg_am am ON am.oid = ic.relam \
                 LEFT JOIN pg_description d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0 \
                 LEFT JOIN pg_inherits ii ON ii.inhrelid = i.indexrelid AND ic.relispartition \
                 LEFT JOIN pg_class pic ON pic.oid = ii.inhparent \
                 LEFT JOIN pg_namespace pin ON pin.oid = pic.relnamespace \
                 WHERE {USER_NS}"
            ),
        ),
        (
            "reading sequences",
            format!(
                "SELECT n.nspname::text, c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, \
                 s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, dep.refobjid, dep.refobjsubid, \
                 has_sequence_privilege(c.oid, 'SELECT') \
                 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid \
                      AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0 \
                 WHERE {USER_NS} AND {rel_ext}"
            ),
        ),
        (
            "reading enum types",
            format!(
                "SELECT n.nspname::text, t.typname::text, \
                 ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
                 d.description \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0 \
                 WHERE t.typtype = 'e' AND {USER_NS} AND {type_ext}"
            ),
        ),
        (
            "reading domains",
            format!(
                "SELECT n.nspname::text, t.typname::text, format_type(t.typbasetype, t.typtypmod), \
                 t.typnotnull, pg_get_expr(t.typdefaultbin, 0), \
                 ARRAY(SELECT con.conname::text FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.oid), \
                 ARRAY(SELECT pg_get_expr(con.conbin, 0) FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.oid), \
                 ARRAY(SELECT con.convalidated FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.oid) \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype = 'd' AND {USER_NS} AND {type_ext}"
            ),
        ),
        (
            "reading functions",
            format!(
                "SELECT p.oid, n.nspname::text, p.proname::text, p.prokind, \
                 ARRAY(SELECT format_type(a.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o) ORDER BY a.o), \
                 CASE WHEN p.prokind = 'p' THEN NULL \
                      ELSE (CASE WHEN p.proretset THEN 'setof ' ELSE '' END) || format_type(p.prorettype, NULL) END, \
                 l.lanname::text, p.provolatile, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner)::text, \
                 pg_get_functiondef(p.oid) \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 JOIN pg_language l ON l.oid = p.prolang \
                 WHERE p.prokind IN ('f', 'p') AND {USER_NS} AND {proc_ext}"
            ),
        ),
        (
            "reading triggers",
            format!(
                "SELECT t.tgrelid, t.tgname::text, pn.nspname::text, p.proname::text, t.tgconstraint <> 0 \
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace \
                 WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {USER_NS}"
            ),
        ),
        (
            "reading row-level security policies",
            format!(
                "SELECT pol.polrelid, pol.polname::text, pol.polcmd, pol.polpermissive, \
                 ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(pol.polroles) r), \
                 pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid) \
                 FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_NS}"
            ),
        ),
        (
            "reading extensions",
            "SELECT extname::text, extversion FROM pg_extension WHERE extname <> 'plpgsql'".to_owned(),
        ),
        (
            "reading column defaults",
            // Defaults cannot refer to columns, so they deparse without a relation (much
            // cheaper than with one); generated columns' expressions (stored trees with a Var
            // node) need theirs.
            "SELECT ad.adrelid, ad.adnum, pg_get_expr(ad.adbin, \
             CASE WHEN strpos(ad.adbin::text, '{VAR ') > 0 THEN ad.adrelid ELSE 0 END) \
             FROM pg_attrdef ad"
                .to_owned(),
        ),
        (
            "reading column comments",
            "SELECT objoid, objsubid, description FROM pg_description \
             WHERE classoid = 'pg_class'::regclass AND objsubid > 0"
                .to_owned(),
        ),
        (
            "reading privileges",
            format!(
                "SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, n.nspname::text, \
                        c.relname::text, 0::oid, \
                        CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END, a.privilege_type \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a \
                 WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') \
                   AND a.grantee <> c.relowner AND {USER_NS} AND {rel_ext} \
                 UNION ALL \
                 SELECT 'schema', '', n.nspname::text, 0::oid, \
                        CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END, a.privilege_type \
                 FROM pg_namespace n, aclexplode(n.nspacl) a \
                 WHERE n.nspacl IS NOT NULL AND a.grantee <> n.nspowner AND {USER_NS} \
                   AND NOT (n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'USAGE') \
                 UNION ALL \
                 SELECT 'function', n.nspname::text, p.proname::text, p.oid, \
                        CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END, a.privilege_type \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, \
                      aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a \
                 WHERE p.prokind IN ('f', 'p') AND a.grantee <> p.proowner AND {USER_NS} AND {proc_ext}"
            ),
        ),
        (
            "reading view dependencies",
            format!(
                "SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r \
                 JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class \
                 JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('v', 'm') AND {USER_NS}"
            ),
        ),
        (
            "reading collations",
            // The ICU locale column is `colliculocale` up to PostgreSQL 16 and `colllocale`
            // from 17: read whichever the row has.
            format!(
                "SELECT n.nspname::text, c.collname::text, c.collprovider, \
                 coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'), \
                 c.collcollate::text, c.collctype::text, c.collisdeterministic \
                 FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace \
                 WHERE {USER_NS} AND {}",
                not_extension_member("pg_collation", "c.oid")
            ),
        ),
        (
            "reading text search configurations",
            // One `token=dict,dict` entry per mapped token type; names unqualified in
            // pg_catalog and public, as DDL writes them.
            format!(
                "SELECT n.nspname::text, c.cfgname::text, \
                 CASE WHEN pn.nspname = 'pg_catalog' THEN p.prsname::text ELSE pn.nspname || '.' || p.prsname END, \
                 ARRAY(SELECT t.alias || '=' || string_agg(CASE WHEN dn.nspname IN ('pg_catalog', 'public') \
                              THEN d.dictname::text ELSE dn.nspname || '.' || d.dictname END, ',' ORDER BY m.mapseqno) \
                       FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict \
                       JOIN pg_namespace dn ON dn.oid = d.dictnamespace \
                       JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype \
                       WHERE m.mapcfg = c.oid GROUP BY t.alias, t.tokid ORDER BY t.tokid) \
                 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace \
                 JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace \
                 WHERE {USER_NS} AND {}",
                not_extension_member("pg_ts_config", "c.oid")
            ),
        ),
        (
            "reading aggregates",
            // Those with only the options the model has (as DDL with others is unmodelled).
            format!(
                "SELECT n.nspname::text, p.proname::text, \
                 ARRAY(SELECT format_type(a.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o) ORDER BY a.o), \
                 g.aggtransfn::regproc::text, format_type(g.aggtranstype, NULL), \
                 NULLIF(g.aggfinalfn::regproc::text, '-'), g.agginitval, \
                 NULLIF(g.aggcombinefn::regproc::text, '-') \
                 FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE {USER_NS} AND {proc_ext} \
                   AND g.aggkind = 'n' AND g.aggmtransfn = 0 AND g.aggserialfn = 0 \
                   AND g.aggsortop = 0 AND NOT g.aggfinalextra AND g.aggfinalmodify = 'r' \
                   AND p.proparallel = 'u'"
            ),
        ),
    ]
}

/// Canonicalizes types and expressions, caching by text: big schemas repeat the same few.
#[derive(Default)]
struct Canon {
    types: HashMap<String, String>,
    exprs: HashMap<String, Option<String>>,
}

impl Canon {
    fn type_name(&mut self, display: &str) -> String {
        if let Some(t) = self.types.get(display) {
            return t.clone();
        }
        let t = canon::canonical_type_text(display).unwrap_or_else(|| display.to_owned());
        self.types.insert(display.to_owned(), t.clone());
        t
    }

    /// An expression over a table's columns: a cast of a column (`(flags)::bit(31)`) is kept
    /// or dropped by the column's type.
    fn expr_on(&mut self, sql: &str, table: Option<&Table>) -> String {
        match table {
            Some(t) if sql.contains("::") => {
                let types = |c: &str| t.column(c).map(|c| c.type_name.to_string());
                canon::canonical_expr_text_in(sql, &types).unwrap_or_else(|| sql.to_owned())
            }
            _ => self.expr(sql),
        }
    }

    fn expr(&mut self, sql: &str) -> String {
        if let Some(e) = self.exprs.get(sql) {
            return e.clone().unwrap_or_else(|| sql.to_owned());
        }
        let e = canon::canonical_expr_text(sql);
        self.exprs.insert(sql.to_owned(), e.clone());
        e.unwrap_or_else(|| sql.to_owned())
    }
}

fn char_of(row: &Row, i: usize) -> u8 {
    // "char" columns arrive as i8.
    row.get::<_, i8>(i).to_ne_bytes()[0]
}

fn fk_action(code: u8) -> FkAction {
    FkAction::from_code(std::str::from_utf8(&[code]).unwrap_or("a"))
}

/// Reads the schema of the database a session is connected to.
pub async fn load_catalog(session: &Session) -> Result<Catalog, PgError> {
    let trace = std::env::var_os("PLUMB_TRACE").is_some();
    let started = std::time::Instant::now();
    let phase = |what: &str| {
        if trace {
            eprintln!(
                "plumb_pg: {what} at {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    };
    let client = &session.client;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(|e| session.query_error("starting a read-only transaction", &e))?;
    // Two more connections read parts of the catalogs in parallel, in the same snapshot
    // (exported by the first, as pg_dump -j does). When they cannot be opened (connection
    // limit, a pooler), fewer connections read everything.
    let mut extra = Vec::new();
    if let Ok(row) = client.query_one("SELECT pg_export_snapshot()", &[]).await {
        let snapshot: String = row.get(0);
        let sync = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{}'",
            snapshot.replace('\'', "")
        );
        for _ in 1..GROUPS.len() {
            let Ok(c) = session.fork().await else { break };
            if c.batch_execute(&sync).await.is_err() {
                break;
            }
            extra.push(c);
        }
    }
    phase("snapshot shared");
    let qs = queries();
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); extra.len() + 1];
    for i in 0..qs.len() {
        let g = GROUPS.iter().position(|g| g.contains(&i)).unwrap_or(0);
        groups[g.min(extra.len())].push(i);
    }
    let mut runs = Vec::new();
    for (g, idx) in groups.into_iter().enumerate() {
        let c = if g == 0 { client } else { &extra[g - 1] };
        runs.push(run_queries(session, c, &qs, idx));
    }
    let results = try_join_all(runs)
        .await
        .map(|v| v.into_iter().flatten().collect::<Vec<_>>());
    let _ = client.batch_execute("COMMIT").await;
    for c in &extra {
        let _ = c.batch_execute("COMMIT").await;
    }
    phase("catalog queries done");
    let mut results = results?;
    results.sort_by_key(|(i, _)| *i);
    let results: Vec<Vec<Row>> = results.into_iter().map(|(_, rows)| rows).collect();
    let mut results = results.into_iter();
    let mut next = || results.next().unwrap_or_default();
    let (info, schemas, relations, columns, constraints, indexes, sequences, enums, domains) = (
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
    );
    let (functions, triggers, policies, extensions, defaults, comments, grants, view_deps) = (
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
        next(),
    );
    let collation_rows = next();
    let ts_config_rows = next();
    let aggregate_rows = next();

    let mut canon = Canon::default();
    // Column types are formatted once per distinct (type, modifier) pair, not once per column.
    let mut pairs: Vec<(u32, i32)> = columns.iter().map(|r| (r.get(3), r.get(8))).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let (oids, mods): (Vec<u32>, Vec<i32>) = pairs.into_iter().unzip();
    let mut type_names: HashMap<(u32, i32), String> = HashMap::new();
    let mut type_collation: HashMap<u32, u32> = HashMap::new();
    for r in client
        .query(
            "SELECT x.t, x.m, format_type(x.t, x.m), ty.typcollation \
             FROM unnest($1::oid[], $2::int4[]) AS x(t, m) JOIN pg_type ty ON ty.oid = x.t",
            &[&oids, &mods],
        )
        .await
        .map_err(|e| session.query_error("reading column types", &e))?
    {
        let display: String = r.get(2);
        type_names.insert((r.get(0), r.get(1)), canon.type_name(&display));
        type_collation.insert(r.get(0), r.get(3));
    }
    // Collations other than the type's default, by name.
    let mut collations: Vec<u32> = columns
        .iter()
        .filter(|r| {
            let c: u32 = r.get(7);
            c != 0 && type_collation.get(&r.get::<_, u32>(3)) != Some(&c)
        })
        .map(|r| r.get(7))
        .collect();
    collations.sort_unstable();
    collations.dedup();
    let mut collation_names: HashMap<u32, String> = HashMap::new();
    if !collations.is_empty() {
        for r in client
            .query(
                "SELECT oid, collname::text FROM pg_collation WHERE oid = ANY($1)",
                &[&collations],
            )
            .await
            .map_err(|e| session.query_error("reading collations", &e))?
        {
            collation_names.insert(r.get(0), r.get(1));
        }
    }
    let mut default_of: HashMap<(u32, i16), &str> = HashMap::new();
    for r in &defaults {
        if let Some(expr) = r.get::<_, Option<&str>>(2) {
            default_of.insert((r.get(0), r.get(1)), expr);
        }
    }
    let mut comment_of: HashMap<(u32, i32), String> = HashMap::new();
    for r in &comments {
        comment_of.insert((r.get(0), r.get(1)), r.get(2));
    }
    let mut columns = columns;
    columns.sort_by_cached_key(|r| (r.get::<_, u32>(0), r.get::<_, i16>(1)));
    let mut catalog = Catalog::default();
    if let Some(r) = info.first() {
        catalog.database = Some(DatabaseInfo {
            name: r.get(0),
            server_version_num: r.get(1),
            current_user: r.get(2),
            superusers: r.get(3),
            stats_reset: r.get(4),
            stats_age_seconds: r.get(5),
            unreadable: Vec::new(),
        });
    }
    for r in &schemas {
        catalog.schemas.insert(r.get(0));
    }

    // Relations by oid, with their column names by attnum for constraint and index keys.
    let mut rel_names: HashMap<u32, QualifiedName> = HashMap::new();
    let mut attnames: HashMap<u32, HashMap<i16, String>> = HashMap::new();
    let mut tables: HashMap<u32, Table> = HashMap::new();
    let mut composite: HashMap<u32, CompositeType> = HashMap::new();
    let mut partition_keys: HashMap<u32, (Vec<i16>, Option<String>)> = HashMap::new();
    for r in &relations {
        let oid: u32 = r.get(0);
        let name = QualifiedName::new(Some(r.get(1)), r.get(2));
        rel_names.insert(oid, name.clone());
        match char_of(r, 3) {
            b'r' | b'p' | b'f' => {
                let mut t = Table::new(name);
                if char_of(r, 3) == b'p' {
                    t.kind = TableKind::Partitioned;
                }
                t.unlogged = r.get(4);
                t.owner = r.get(5);
                t.comment = r.get(6);
                t.rls_enabled = r.get(7);
                t.rls_forced = r.get(8);
                let parent: Option<String> = r.get(10);
                t.partition_of = parent.map(|p| QualifiedName::new(r.get(9), &p));
                let reltuples: f64 = r.get(11);
                #[allow(clippy::cast_possible_truncation)]
                let estimated_rows = (reltuples >= 0.0).then_some(reltuples as i64);
                t.stats = Some(Box::new(TableStats {
                    estimated_rows,
                    table_bytes: r.get(12),
                    toast_bytes: r.get(13),
                    index_bytes: 0,
                    seq_scan: r.get(14),
                    idx_scan: None,
                    n_live_tup: r.get(15),
                    n_dead_tup: r.get(16),
                    last_vacuum: r.get(17),
                    last_autovacuum: r.get(18),
                    last_analyze: r.get(19),
                    last_autoanalyze: r.get(20),
                    n_tup_ins: r.get(21),
                    n_tup_upd: r.get(24),
                    n_tup_del: r.get(25),
                }));
                if let Some(attrs) = r.get::<_, Option<Vec<i16>>>(22) {
                    partition_keys.insert(oid, (attrs, r.get(23)));
                }
                tables.insert(oid, t);
            }
            b'v' | b'm' => {
                catalog.views.insert(
                    name.clone(),
                    View {
                        definition: view_statement(&name, r),
                        name,
                        materialized: char_of(r, 3) == b'm',
                        owner: r.get(5),
                        comment: r.get(6),
                        depends_on: Vec::new(),
                    },
                );
            }
            _ => {
                composite.insert(
                    oid,
                    CompositeType {
                        name,
                        attributes: Vec::new(),
                    },
                );
            }
        }
    }

    for r in &columns {
        let relid: u32 = r.get(0);
        let attnum: i16 = r.get(1);
        let name: String = r.get(2);
        attnames
            .entry(relid)
            .or_default()
            .insert(attnum, name.clone());
        let type_name = type_names
            .get(&(r.get::<_, u32>(3), r.get::<_, i32>(8)))
            .cloned()
            .unwrap_or_default();
        if let Some(c) = composite.get_mut(&relid) {
            c.attributes.push((name, type_name));
            continue;
        }
        let Some(t) = tables.get_mut(&relid) else {
            continue;
        };
        let mut col = Column::new(&name, &type_name);
        col.not_null = r.get(4);
        let expr = default_of.get(&(relid, attnum)).map(|e| canon.expr(e));
        if char_of(r, 6) == b's' {
            col.generated = expr;
        } else {
            col.default = expr;
        }
        col.identity = match char_of(r, 5) {
            b'a' => Some(Identity::Always),
            b'd' => Some(Identity::ByDefault),
            _ => None,
        };
        col.collation = collation_names.get(&r.get::<_, u32>(7)).cloned();
        col.comment = comment_of.remove(&(relid, i32::from(attnum)));
        t.columns.push(col);
    }

    for (oid, (attrs, def)) in &partition_keys {
        let Some(t) = tables.get_mut(oid) else {
            continue;
        };
        if attrs.iter().all(|a| *a != 0) {
            t.partition_key = attrs
                .iter()
                .filter_map(|a| attnames.get(oid).and_then(|m| m.get(a)).cloned())
                .collect();
        } else if let Some(def) = def {
            // Expression keys: the text between the strategy's parentheses, split by the parser.
            t.partition_key = partition_key_exprs(def, &mut canon);
        }
    }
    // Foreign keys to tables outside the introspected schemas (an extension's table): read the
    // referenced column names directly.
    // Likewise the columns of materialized views, which indexes name.
    let mut missing: Vec<u32> = constraints
        .iter()
        .filter(|r| char_of(r, 2) == b'f')
        .map(|r| r.get::<_, u32>(13))
        .chain(indexes.iter().map(|r| r.get::<_, u32>(3)))
        .filter(|oid| !attnames.contains_key(oid))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        for r in client
            .query(
                "SELECT attrelid, attnum, attname::text FROM pg_attribute WHERE attrelid = ANY($1) AND attnum > 0",
                &[&missing],
            )
            .await
            .map_err(|e| session.query_error("reading referenced columns", &e))?
        {
            attnames.entry(r.get(0)).or_default().insert(r.get(1), r.get(2));
        }
    }
    let col_names = |relid: u32, keys: &[i16]| -> Vec<String> {
        keys.iter()
            .map(|k| {
                attnames
                    .get(&relid)
                    .and_then(|m| m.get(k))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    };
    for r in &constraints {
        let relid: u32 = r.get(0);
        if !tables.contains_key(&relid) {
            continue;
        }
        let keys: Option<Vec<i16>> = r.get(3);
        let columns = col_names(relid, &keys.unwrap_or_default());
        let kind = match char_of(r, 2) {
            b'p' => ConstraintKind::PrimaryKey,
            b'u' => ConstraintKind::Unique,
            b'x' => ConstraintKind::Exclusion,
            b'f' => ConstraintKind::ForeignKey {
                references: QualifiedName::new(
                    r.get(8),
                    r.get::<_, Option<&str>>(9).unwrap_or_default(),
                ),
                ref_columns: col_names(
                    r.get(13),
                    &r.get::<_, Option<Vec<i16>>>(10).unwrap_or_default(),
                ),
                on_delete: fk_action(char_of(r, 11)),
                on_update: fk_action(char_of(r, 12)),
            },
            _ => {
                let text: Option<&str> = r.get(7);
                let node = text.and_then(canon::parse_expr);
                let table = tables.get(&relid);
                let types = |c: &str| table?.column(c).map(|c| c.type_name.to_string());
                ConstraintKind::Check {
                    expr: node
                        .as_ref()
                        .and_then(|n| canon::canonical_expr_in(n, &types))
                        .or_else(|| text.map(str::to_owned))
                        .unwrap_or_default(),
                    not_null_column: node.as_ref().and_then(plumb_sql::ast::is_not_null_test),
                }
            }
        };
        let constraint = Constraint {
            name: r.get(1),
            kind,
            columns,
            validated: r.get(6),
            deferrable: r.get(4),
            initially_deferred: r.get(5),
            inherited: r.get(14),
        };
        if let Some(t) = tables.get_mut(&relid) {
            t.put_constraint(constraint);
        }
    }

    let mut index_bytes: HashMap<u32, (i64, i64)> = HashMap::new();
    for r in &indexes {
        let relid: u32 = r.get(3);
        let Some(table) = rel_names.get(&relid) else {
            continue;
        };
        let indkey: Vec<i16> = r.get(4);
        let nkey = usize::try_from(r.get::<_, i32>(5)).unwrap_or(0);
        let exprs: Option<Vec<String>> = r.get(9);
        let mut columns = Vec::with_capacity(nkey);
        for (i, k) in indkey.iter().take(nkey).enumerate() {
            if *k == 0 {
                let e = exprs
                    .as_ref()
                    .and_then(|x| x.get(i))
                    .map(String::as_str)
                    .unwrap_or_default();
                columns.push(canon.expr_on(e, tables.get(&relid)));
            } else {
                columns.extend(col_names(relid, &[*k]));
            }
        }
        let include = col_names(relid, indkey.get(nkey..).unwrap_or_default());
        let predicate: Option<&str> = r.get(10);
        let bytes: i64 = r.get(11);
        let scans: Option<i64> = r.get(12);
        let e = index_bytes.entry(relid).or_default();
        e.0 += bytes;
        e.1 += scans.unwrap_or(0);
        let name = QualifiedName::new(Some(r.get(1)), r.get(2));
        catalog.indexes.insert(
            name.clone(),
            Arc::new(Index {
                name,
                table: table.clone(),
                parent: r
                    .get::<_, Option<&str>>(16)
                    .map(|n| QualifiedName::new(r.get(15), n)),
                columns,
                // Only definitions with a non-default collation, operator class or ordering
                // are fetched; they are parsed like DDL so both sources agree.
                key_options: r
                    .get::<_, Option<&str>>(14)
                    .map(index_def_key_options)
                    .unwrap_or_default(),
                include,
                unique: r.get(6),
                method: r.get(8),
                predicate: predicate.map(|p| canon.expr_on(p, tables.get(&relid))),
                valid: r.get(7),
                comment: r.get(13),
                stats: Some(Box::new(IndexStats {
                    bytes,
                    idx_scan: scans,
                })),
            }),
        );
    }

    // What each view reads: the tables and views its query names (pg_depend of its rule).
    for r in &view_deps {
        let used_oid: u32 = r.get(1);
        let (Some(view), Some(used)) =
            (rel_names.get(&r.get::<_, u32>(0)), rel_names.get(&used_oid))
        else {
            continue;
        };
        if !(tables.contains_key(&used_oid) || catalog.views.contains_key(used)) {
            continue;
        }
        if let Some(v) = catalog.views.get_mut(view) {
            // Sorted as it grows: a view reads few relations.
            if let Err(at) = v.depends_on.binary_search(used) {
                v.depends_on.insert(at, used.clone());
            }
        }
    }

    let mut readable_sequences = Vec::new();
    let mut unreadable_sequences = Vec::new();
    for r in &sequences {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        let owner: Option<u32> = r.get(8);
        let owned_by = owner.and_then(|relid| {
            let attnum = i16::try_from(r.get::<_, Option<i32>>(9)?).ok()?;
            let table = rel_names.get(&relid)?.clone();
            let column = attnames.get(&relid)?.get(&attnum)?.clone();
            Some((table, column))
        });
        if r.get::<_, bool>(10) {
            readable_sequences.push(name.clone());
        } else {
            unreadable_sequences.push(name.clone());
        }
        catalog.sequences.insert(
            name.clone(),
            Arc::new(Sequence {
                name,
                data_type: canon.type_name(r.get(2)),
                start: r.get(3),
                increment: r.get(4),
                min_value: r.get(5),
                max_value: r.get(6),
                cycle: r.get(7),
                owned_by,
                last_value: None,
            }),
        );
    }

    for r in &enums {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        catalog.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: r.get(2),
                comment: r.get(3),
            },
        );
    }
    for r in &domains {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        let default: Option<&str> = r.get(4);
        let names: Vec<String> = r.get(5);
        let exprs: Vec<String> = r.get(6);
        let valid: Vec<bool> = r.get(7);
        let mut checks: Vec<DomainCheck> = names
            .into_iter()
            .zip(exprs)
            .zip(valid)
            .map(|((name, expr), validated)| DomainCheck {
                name,
                expr: canon.expr(&expr),
                validated,
            })
            .collect();
        checks.sort_by(|a, b| a.name.cmp(&b.name));
        catalog.domains.insert(
            name.clone(),
            Domain {
                name,
                base_type: canon.type_name(r.get(2)),
                not_null: r.get(3),
                default: default.map(|d| canon.expr(d)),
                checks,
            },
        );
    }
    for c in composite.into_values() {
        catalog.composite_types.insert(c.name.clone(), c);
    }

    let mut function_keys: HashMap<u32, QualifiedName> = HashMap::new();
    for r in &functions {
        let name = QualifiedName::new(Some(r.get(1)), r.get(2));
        let args: Vec<String> = r.get(4);
        let arg_types: Vec<String> = args.iter().map(|a| canon.type_name(a)).collect();
        let returns: Option<String> =
            r.get::<_, Option<&str>>(5)
                .map(|t| match t.strip_prefix("setof ") {
                    Some(rest) => format!("setof {}", canon.type_name(rest)),
                    None => canon.type_name(t),
                });
        let key = Function::key(&name, &arg_types);
        function_keys.insert(r.get(0), key.clone());
        let mut config: Vec<String> = r.get::<_, Option<Vec<String>>>(9).unwrap_or_default();
        config.sort();
        catalog.functions.insert(
            key,
            Arc::new(Function {
                name,
                arg_types,
                returns,
                language: r.get(6),
                volatility: match char_of(r, 7) {
                    b'i' => Volatility::Immutable,
                    b's' => Volatility::Stable,
                    _ => Volatility::Volatile,
                },
                security_definer: r.get(8),
                config,
                owner: r.get(10),
                definition: r
                    .get::<_, Option<String>>(11)
                    .map(|d| format!("{};", d.trim_end())),
            }),
        );
    }

    for r in &collation_rows {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        let libc = char_of(r, 2) == b'c';
        let collation = Collation {
            name: name.clone(),
            provider: match char_of(r, 2) {
                b'i' => "icu",
                b'b' => "builtin",
                _ => "libc",
            }
            .to_owned(),
            locale: if libc { None } else { r.get(3) },
            lc_collate: if libc { r.get(4) } else { None },
            lc_ctype: if libc { r.get(5) } else { None },
            deterministic: r.get(6),
        };
        catalog.collations.insert(name, collation);
    }
    let routine = |text: &str| {
        let parts: Vec<&str> = text.split('.').collect();
        plumb_catalog::routine_name(&parts)
    };
    for r in &aggregate_rows {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        let args: Vec<String> = r.get(2);
        let arg_types: Vec<String> = args.iter().map(|a| canon.type_name(a)).collect();
        let aggregate = Aggregate {
            name: name.clone(),
            state_function: routine(r.get(3)),
            state_type: canon.type_name(r.get(4)),
            final_function: r.get::<_, Option<&str>>(5).map(routine),
            initial_condition: r.get(6),
            combine_function: r.get::<_, Option<&str>>(7).map(routine),
            arg_types,
        };
        catalog
            .aggregates
            .insert(Function::key(&name, &aggregate.arg_types), aggregate);
    }
    for r in &ts_config_rows {
        let name = QualifiedName::new(Some(r.get(0)), r.get(1));
        let entries: Vec<String> = r.get(3);
        let mappings = entries
            .iter()
            .filter_map(|e| e.split_once('='))
            .map(|(t, d)| (t.to_owned(), d.split(',').map(str::to_owned).collect()))
            .collect();
        catalog.text_search_configs.insert(
            name.clone(),
            TextSearchConfig {
                name,
                parser: r.get(2),
                mappings,
            },
        );
    }
    for r in &triggers {
        let relid: u32 = r.get(0);
        if let Some(t) = tables.get_mut(&relid) {
            t.put_trigger(Trigger {
                name: r.get(1),
                function: QualifiedName::new(Some(r.get(2)), r.get(3)),
                constraint: r.get(4),
            });
        }
    }
    for r in &policies {
        let relid: u32 = r.get(0);
        let mut roles: Vec<String> = r.get(4);
        roles.sort();
        let using: Option<&str> = r.get(5);
        let with_check: Option<&str> = r.get(6);
        let policy = Policy {
            name: r.get(1),
            command: match char_of(r, 2) {
                b'r' => PolicyCommand::Select,
                b'a' => PolicyCommand::Insert,
                b'w' => PolicyCommand::Update,
                b'd' => PolicyCommand::Delete,
                _ => PolicyCommand::All,
            },
            permissive: r.get(3),
            roles,
            using: using.map(|e| canon.expr_on(e, tables.get(&relid))),
            with_check: with_check.map(|e| canon.expr_on(e, tables.get(&relid))),
        };
        if let Some(t) = tables.get_mut(&relid) {
            t.put_policy(policy);
        }
    }
    for r in &extensions {
        let name: String = r.get(0);
        catalog.extensions.insert(
            name.clone(),
            Extension {
                name,
                version: r.get(1),
            },
        );
    }
    for r in &grants {
        let kind = match r.get::<_, &str>(0) {
            "sequence" => GrantObject::Sequence,
            "schema" => GrantObject::Schema,
            "function" => GrantObject::Function,
            _ => GrantObject::Table,
        };
        let object = match kind {
            GrantObject::Schema => QualifiedName {
                schema: plumb_catalog::Name::default(),
                name: plumb_catalog::Name::from(r.get::<_, &str>(2)),
            },
            GrantObject::Function => match function_keys.get(&r.get::<_, u32>(3)) {
                Some(k) => k.clone(),
                None => continue,
            },
            _ => QualifiedName::new(Some(r.get(1)), r.get(2)),
        };
        catalog.grants.insert(Grant {
            object_kind: kind,
            object,
            grantee: r.get(4),
            privilege: r.get(5),
        });
    }

    for (oid, mut t) in tables {
        if let (Some(s), Some((bytes, scans))) = (t.stats.as_mut(), index_bytes.get(&oid)) {
            s.index_bytes = *bytes;
            s.idx_scan = Some(*scans);
        }
        catalog.tables.insert(t.name.clone(), Arc::new(t));
    }

    // Only sequences that can run out in practice are read: those whose own maximum, or whose
    // column's type, stops at 2^31 - 1 or below. A bigint sequence feeding a bigint column would
    // need 9.2e18 values; reading every sequence costs a relation open and a lock each.
    let can_run_out = |catalog: &Catalog, n: &QualifiedName| {
        let Some(s) = catalog.sequences.get(n) else {
            return false;
        };
        let column_type = s.owned_by.as_ref().and_then(|(t, c)| {
            catalog
                .table(t)
                .and_then(|t| t.column(c))
                .map(|c| c.type_name.clone())
        });
        s.max_value <= i64::from(i32::MAX)
            || matches!(column_type.as_deref(), Some("int2" | "int4"))
    };
    // Sequences that could run out but whose position the role may not read: the review
    // says so instead of passing them as fine.
    let mut unreadable: Vec<QualifiedName> = unreadable_sequences
        .into_iter()
        .filter(|n| can_run_out(&catalog, n))
        .collect();
    unreadable.sort();
    if let (false, Some(db)) = (unreadable.is_empty(), catalog.database.as_mut()) {
        db.unreadable.push(plumb_catalog::Unreadable {
            what: plumb_catalog::SEQUENCE_POSITIONS.to_owned(),
            objects: unreadable,
            needs: "SELECT on each sequence (or membership in pg_read_all_data, PostgreSQL 14+)"
                .to_owned(),
            unchecked: "how close these sequences are to running out (sequence-exhaustion)"
                .to_owned(),
        });
    }
    let to_read: Vec<QualifiedName> = readable_sequences
        .into_iter()
        .filter(|n| can_run_out(&catalog, n))
        .collect();
    phase("catalog built");
    read_sequence_positions(session, &mut catalog, &to_read).await?;
    phase("sequence positions read");
    Ok(catalog)
}

/// Runs some of the queries on one connection, pipelined, returning each result with its index.
async fn run_queries(
    session: &Session,
    client: &tokio_postgres::Client,
    qs: &[(&'static str, String)],
    idx: Vec<usize>,
) -> Result<Vec<(usize, Vec<Row>)>, PgError> {
    let futures = idx.iter().map(|&i| {
        let (what, sql) = &qs[i];
        async move {
            client
                .query(sql.as_str(), &[])
                .await
                .map_err(|e| session.query_error(what, &e))
        }
    });
    let rows = try_join_all(futures).await?;
    Ok(idx.into_iter().zip(rows).collect())
}

/// Reads `last_value` of sequences in short autocommit statements of a few hundred each, so the
/// ACCESS SHARE locks they take are released at once rather than piling up in one transaction.
async fn read_sequence_positions(
    session: &Session,
    catalog: &mut Catalog,
    names: &[QualifiedName],
) -> Result<(), PgError> {
    const CHUNK: usize = 400;
    let statements: Vec<String> = names
        .chunks(CHUNK)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    format!(
                        "SELECT {i}::int4, CASE WHEN is_called THEN last_value END FROM {}.{}",
                        plumb_catalog::quote_ident(&n.schema),
                        plumb_catalog::quote_ident(&n.name)
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        })
        .collect();
    let client = &session.client;
    let results = try_join_all(statements.iter().map(|sql| async move {
        client
            .query(sql.as_str(), &[])
            .await
            .map_err(|e| session.query_error("reading sequence positions", &e))
    }))
    .await?;
    for (chunk, rows) in names.chunks(CHUNK).zip(results) {
        for r in rows {
            let i = usize::try_from(r.get::<_, i32>(0)).unwrap_or(usize::MAX);
            if let Some(name) = chunk.get(i) {
                if let Some(s) = catalog.sequences.get_mut(name) {
                    Arc::make_mut(s).last_value = r.get(1);
                }
            }
        }
    }
    Ok(())
}

/// The `CREATE [MATERIALIZED] VIEW` statement of a view row of the relations query.
fn view_statement(name: &QualifiedName, r: &Row) -> Option<String> {
    let query: String = r.get::<_, Option<String>>(26)?;
    let options: Option<Vec<String>> = r.get(27);
    let materialized = char_of(r, 3) == b'm';
    let with = options
        .filter(|o| !o.is_empty())
        .map(|o| format!(" WITH ({})", o.join(", ")))
        .unwrap_or_default();
    let query = query.trim().trim_end_matches(';');
    Some(if materialized {
        let data = if r.get::<_, bool>(28) {
            ""
        } else {
            " WITH NO DATA"
        };
        format!(
            "CREATE MATERIALIZED VIEW {}{with} AS\n{query}{data};",
            name.sql()
        )
    } else {
        format!("CREATE VIEW {}{with} AS\n{query};", name.sql())
    })
}

/// The key elements of `pg_get_partkeydef` output (`RANGE (lower(name), id)`), canonical.
fn partition_key_exprs(def: &str, canon: &mut Canon) -> Vec<String> {
    let Some(open) = def.find('(') else {
        return Vec::new();
    };
    let inner = def[open + 1..].trim_end().trim_end_matches(')');
    // Parse the list as a row so commas inside calls stay with their call.
    let Some(node) = canon::parse_expr(&format!("ROW({inner})")) else {
        return Vec::new();
    };
    match node.node {
        Some(plumb_sql::NodeEnum::RowExpr(r)) => r
            .args
            .iter()
            .map(|a| match &a.node {
                Some(plumb_sql::NodeEnum::ColumnRef(_)) => {
                    plumb_sql::ast::column_ref_name(a).unwrap_or_default()
                }
                _ => canon::canonical_expr(a).unwrap_or_default(),
            })
            .collect(),
        _ => vec![canon.expr(inner)],
    }
}

/// The key options of a `pg_get_indexdef` definition, read with the same parser and rule as DDL.
fn index_def_key_options(def: &str) -> Vec<plumb_catalog::IndexKeyOptions> {
    plumb_sql::parse(def)
        .statements
        .first()
        .and_then(|s| match &s.node {
            plumb_sql::NodeEnum::IndexStmt(i) => {
                Some(plumb_catalog::index_key_options(&i.index_params))
            }
            _ => None,
        })
        .unwrap_or_default()
}
