//! The lint engine: parse in parallel, then walk each migration set in order with context.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use plumb_catalog::{Catalog, QualifiedName};
use plumb_diagnostics::{Finding, Location};
use plumb_migrations::{compare_versions, Migration, MigrationSet, Script};
use plumb_sql::protobuf::{self, TransactionStmtKind, VariableSetKind};
use plumb_sql::{LineIndex, NodeEnum, ParsedSql, SuppressionScope};
use rayon::prelude::*;

use crate::context::{MigrationContext, Source, StatementContext, StatementSummary};
use crate::locks::{statement_locks, LockMode, Work};
use crate::registry::{find_rule, Rule, RULES};
use crate::rules::syntax::{syntax_error::SyntaxError, unused_suppression::UnusedSuppression};
use crate::settings::Settings;

/// What a lint run produced.
#[derive(Debug, Default)]
pub struct LintOutput {
    /// Findings: sets in the order given; within a set, by migration version, each up script
    /// before its down script; within a script, by position and rule.
    pub findings: Vec<Finding>,
    /// Scripts linted (context-only scripts excluded).
    pub files: usize,
    /// Statements linted, including those PostgreSQL rejects (each is a syntax-error finding).
    pub statements: usize,
}

/// A script and its parse.
struct Parsed<'a> {
    script: &'a Script,
    /// `None` for a big script (see [`Pieces`]): it is parsed a piece at a time while it is
    /// linted, so its parse trees are never all in memory at once.
    parsed: Option<ParsedSql>,
    lines: LineIndex,
    piece: usize,
}

/// Parses a big script a piece at a time on threads of its own (one per core), sending the
/// pieces' parses in order, offsets relative to the whole script. Each parser thread holds at
/// most one finished piece waiting to be sent, so memory stays bounded by the pieces in flight.
/// (Not rayon: the linting thread that receives the pieces may be a rayon worker, and a worker
/// blocked on a channel would leave the parsing to one core.)
fn parse_pieces(text: &str, piece: usize, send: &std::sync::mpsc::SyncSender<ParsedSql>) {
    let ends = plumb_sql::chunk_ends(text, piece);
    let spans: Vec<(usize, usize)> = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied())
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .clamp(1, spans.len().max(1));
    std::thread::scope(|scope| {
        let receivers: Vec<std::sync::mpsc::Receiver<ParsedSql>> = (0..threads)
            .map(|t| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<ParsedSql>(1);
                let spans = &spans;
                scope.spawn(move || {
                    for &(a, b) in spans.iter().skip(t).step_by(threads) {
                        if tx.send(plumb_sql::parse_abridged(&text[a..b])).is_err() {
                            break;
                        }
                    }
                });
                rx
            })
            .collect();
        let mut statements = 0usize;
        for (i, &(a, _)) in spans.iter().enumerate() {
            let Ok(mut part) = receivers[i % threads].recv() else {
                break;
            };
            part.shift(a, statements);
            statements += part.statements.len();
            if send.send(part).is_err() {
                break;
            }
        }
        // Dropping the receivers ends the parser threads early when the linter stopped.
        drop(receivers);
    });
}

/// Lints migration sets. Within a set, migrations before `since` (a version or a script path)
/// give context but report nothing.
pub fn lint(sets: &[MigrationSet], settings: &Settings, since: Option<&str>) -> LintOutput {
    lint_with_progress(sets, settings, since, &AtomicUsize::new(0))
}

/// [`lint`], counting the statements read in `progress` as it goes (for a progress display on
/// another thread).
pub fn lint_with_progress(
    sets: &[MigrationSet],
    settings: &Settings,
    since: Option<&str>,
    progress: &AtomicUsize,
) -> LintOutput {
    lint_in_pieces(sets, settings, since, progress, Pieces::DEFAULT)
}

/// How big scripts are cut up for parsing (see [`Pieces::DEFAULT`]).
#[derive(Clone, Copy)]
struct Pieces {
    /// Scripts above this size are parsed a piece at a time.
    big_script: usize,
    /// The size of a piece.
    piece: usize,
}

impl Pieces {
    /// Scripts above 1 MiB are parsed in pieces of 32 KiB, one piece per core in
    /// parallel: the parse tree of a whole 50 MB file would take gigabytes.
    const DEFAULT: Pieces = Pieces {
        big_script: 1 << 20,
        piece: 32 << 10,
    };
}

fn lint_in_pieces(
    sets: &[MigrationSet],
    settings: &Settings,
    since: Option<&str>,
    progress: &AtomicUsize,
    pieces: Pieces,
) -> LintOutput {
    let rules: Vec<&'static dyn Rule> = RULES
        .iter()
        .copied()
        .filter(|r| {
            let m = r.meta();
            m.applies_to(settings.pg_version) && !settings.disabled.contains(m.name)
        })
        .collect();
    // Sets are independent: lint them in parallel. Within a set, parsing dominates the cost and
    // is independent per file, so it is parallel too, a chunk of migrations at a time: memory
    // stays bounded by the chunk, not by the whole input.
    let outputs: Vec<LintOutput> = sets
        .par_iter()
        .map(|set| {
            // Sets keep the order they were given in; within a set, findings follow the
            // migrations' version order, each up script before its down script, and within a
            // script they are sorted by position and rule.
            lint_set(set, settings, &rules, since, progress, pieces)
        })
        .collect();
    // One allocation for all findings: growing a vector of hundreds of thousands of findings
    // copies it each time it doubles.
    let mut out = LintOutput {
        findings: Vec::with_capacity(outputs.iter().map(|o| o.findings.len()).sum()),
        ..LintOutput::default()
    };
    for o in outputs {
        out.findings.extend(o.findings);
        out.files += o.files;
        out.statements += o.statements;
    }
    out
}

/// Whether `since` (a version, a date such as `2024-01-15` read as a prefix of timestamp
/// versions, or a script path) names a point in `set` from which migrations are reported.
pub fn since_matches(set: &MigrationSet, since: &str) -> bool {
    first_reported(set, Some(since)) < set.migrations.len()
}

/// `2024-01-15` or `2024-01-15 10:30` as the digits of a timestamp version (`20240115`,
/// `202401151030`), if it is a date.
fn since_date(since: &str) -> Option<String> {
    let digits: String = since.chars().filter(char::is_ascii_digit).collect();
    let date_like = since.len() >= 8
        && since
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | ' ' | 'T' | '_'))
        && since.contains('-');
    date_like.then_some(digits)
}

fn first_reported(set: &MigrationSet, since: Option<&str>) -> usize {
    let Some(since) = since else { return 0 };
    let by_path = set.migrations.iter().position(|m| {
        m.scripts().any(|s| {
            s.path == since
                || s.path.ends_with(since)
                || std::path::Path::new(&s.path)
                    .parent()
                    .is_some_and(|p| p.ends_with(since))
        })
    });
    // A date, or a run of digits shorter than timestamp versions (`2024`, `202403`), is a
    // prefix of those versions.
    let date = since_date(since).or_else(|| {
        (since.len() >= 4 && since.bytes().all(|b| b.is_ascii_digit())).then(|| since.to_owned())
    });
    by_path.unwrap_or_else(|| {
        set.migrations
            .iter()
            .position(|m| match &date {
                // A date is a prefix of timestamp versions: compare that many digits.
                Some(d)
                    if m.version.len() >= 12
                        && m.version.len() > d.len()
                        && m.version.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    m.version[..d.len()] >= **d
                }
                _ => m.version == since || compare_versions(&m.version, since).is_ge(),
            })
            .unwrap_or(set.migrations.len())
    })
}

/// Migrations parsed ahead of the one being linted.
const PARSE_CHUNK: usize = 64;

fn parse_script(script: &Script, pieces: Pieces) -> Parsed<'_> {
    Parsed {
        script,
        parsed: (script.text.len() <= pieces.big_script)
            .then(|| plumb_sql::parse_abridged(&script.text)),
        lines: LineIndex::new(&script.text),
        piece: pieces.piece,
    }
}

fn lint_set(
    set: &MigrationSet,
    settings: &Settings,
    rules: &[&'static dyn Rule],
    since: Option<&str>,
    progress: &AtomicUsize,
    pieces: Pieces,
) -> LintOutput {
    let mut out = LintOutput::default();
    let first = first_reported(set, since);
    let mut catalog = Catalog::default();
    let mut parsed = std::collections::VecDeque::new();
    for (mi, migration) in set.migrations.iter().enumerate() {
        if parsed.is_empty() {
            let chunk: Vec<&Script> = set.migrations[mi..]
                .iter()
                .take(PARSE_CHUNK)
                .flat_map(Migration::scripts)
                .collect();
            parsed.extend(
                chunk
                    .par_iter()
                    .map(|s| parse_script(s, pieces))
                    .collect::<Vec<_>>(),
            );
        }
        let mut parsed = std::iter::from_fn(|| parsed.pop_front());
        let report = mi >= first;
        let up = migration
            .up
            .as_ref()
            .map(|_| parsed.next().expect("one parse per script"));
        let down = migration
            .down
            .as_ref()
            .map(|_| parsed.next().expect("one parse per script"));
        let mut fresh = Fresh::default();
        let run = Run {
            set,
            settings,
            rules,
            report,
            progress,
        };
        if let Some(up) = up {
            run.script(up, &mut catalog, &mut fresh, &Fresh::default(), &mut out);
        }
        if let Some(down) = down {
            // A down script runs after its up script, by hand and rarely, once the up's tables
            // hold production data: nothing is new to it (dropping what the up created loses
            // that data), and its findings rank one level lower (see `rank_down`).
            let mut after_down = catalog.clone();
            let mut down_fresh = Fresh::default();
            run.script(down, &mut after_down, &mut down_fresh, &fresh, &mut out);
        }
    }
    out
}

/// Objects created in the current migration: locking them is harmless.
#[derive(Clone, Default)]
struct Fresh {
    tables: BTreeSet<QualifiedName>,
    columns: BTreeSet<(QualifiedName, String)>,
    /// Tables whose rows an earlier statement of this migration copied elsewhere
    /// (`INSERT INTO ... SELECT ... FROM t`, `CREATE TABLE ... AS SELECT ... FROM t`).
    copied_from: BTreeSet<QualifiedName>,
}

/// The tables a SELECT reads in its FROM clause (joins included, subqueries not).
fn select_sources(select: &protobuf::SelectStmt, out: &mut BTreeSet<QualifiedName>) {
    fn walk(n: &protobuf::Node, out: &mut BTreeSet<QualifiedName>) {
        match n.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => {
                out.insert(QualifiedName::from_range_var(rv));
            }
            Some(NodeEnum::JoinExpr(j)) => {
                for side in [&j.larg, &j.rarg].into_iter().flatten() {
                    walk(side, out);
                }
            }
            _ => {}
        }
    }
    for f in &select.from_clause {
        walk(f, out);
    }
}

/// Per-script transaction and timeout state.
#[derive(Default)]
struct TxState {
    in_tx: bool,
    explicit: bool,
    tx_number: usize,
    session_timeout: bool,
    local_timeout: Option<bool>,
    session_utc: bool,
    local_utc: Option<bool>,
    /// Enum values added by `ALTER TYPE ... ADD VALUE` in the open transaction block (they
    /// cannot be used until it commits), unless the type was created in it too.
    enum_added: Vec<(QualifiedName, String)>,
    /// Enum types created in the open transaction block.
    enums_created: BTreeSet<QualifiedName>,
    /// The first existing table the open transaction block holds ACCESS EXCLUSIVE on, with
    /// the byte where the lock was taken.
    held_exclusive: Option<(QualifiedName, usize)>,
}

impl TxState {
    fn lock_timeout(&self) -> bool {
        self.local_timeout.unwrap_or(self.session_timeout)
    }

    fn session(&self) -> crate::locks::Session {
        crate::locks::Session {
            timezone_utc: self.local_utc.unwrap_or(self.session_utc),
        }
    }
}

/// Whether a TimeZone value has no offset and no daylight time, as UTC.
fn is_utc(zone: &str) -> bool {
    matches!(
        zone.trim().to_ascii_lowercase().as_str(),
        "utc"
            | "etc/utc"
            | "gmt"
            | "etc/gmt"
            | "uct"
            | "etc/uct"
            | "zulu"
            | "etc/zulu"
            | "universal"
            | "etc/universal"
            | "greenwich"
            | "gmt0"
            | "etc/gmt0"
            | "+00"
            | "+00:00"
            | "00:00"
    )
}

/// What every script of a set is linted with.
struct Run<'a> {
    set: &'a MigrationSet,
    settings: &'a Settings,
    rules: &'a [&'static dyn Rule],
    report: bool,
    progress: &'a AtomicUsize,
}

impl Run<'_> {
    fn script(
        &self,
        mut p: Parsed<'_>,
        catalog: &mut Catalog,
        fresh: &mut Fresh,
        up: &Fresh,
        out: &mut LintOutput,
    ) {
        let (set, settings, rules, report) = (self.set, self.settings, self.rules, self.report);
        let runner_tx = match &p.parsed {
            Some(parsed) => {
                let statements = &parsed.statements;
                let all_non_tx = !statements.is_empty()
                    && statements
                        .iter()
                        .all(|s| cannot_run_in_transaction(&s.node));
                p.script.transaction.resolve(statements.len(), all_non_tx)
            }
            // A script too big to hold parsed at once has many statements, and not all of them
            // are CREATE INDEX CONCURRENTLY and the like.
            None => p.script.transaction.resolve(usize::MAX, false),
        };
        let script = p.script;
        let lines = std::mem::replace(&mut p.lines, LineIndex::new(""));
        let source = Source {
            file: &script.path,
            text: &script.text,
            lines: &lines,
            direction: script.direction,
            layout: set.layout,
            runner_transaction: runner_tx,
        };
        let mut tx = TxState {
            in_tx: runner_tx,
            ..TxState::default()
        };
        let mut names = plumb_catalog::Session::new(runner_tx);
        let mut findings: Vec<(Option<usize>, Finding)> = Vec::new();
        let mut summaries = Vec::new();
        let mut rest = ParsedSql::default();
        // A big script is parsed on another thread, a batch ahead of the linting: at most three
        // batches of parse trees exist at a time (one linted, one queued, one being parsed).
        let whole = p.parsed.take();
        let claimed = whole
            .as_ref()
            .map(|w| claimed_names(&w.statements))
            .unwrap_or_default();
        let piece = p.piece;
        std::thread::scope(|scope| {
            let (send, batches) = std::sync::mpsc::sync_channel::<ParsedSql>(1);
            if let Some(whole) = whole {
                // The receiver is alive and the channel has room: this cannot fail.
                let _ = send.send(whole);
                drop(send);
            } else {
                let text = script.text.as_str();
                scope.spawn(move || parse_pieces(text, piece, &send));
            }
            for mut batch in batches {
                for stmt in &mut batch.statements {
                    // Names resolve through the search_path the script set: every rule, the
                    // lock model and the catalog see them qualified.
                    names.observe(&stmt.node);
                    if let Some(q) = plumb_catalog::qualify(&stmt.node, catalog, &names) {
                        stmt.node = q;
                    }
                    let stmt = &*stmt;
                    let i = summaries.len();
                    let locks =
                        statement_locks(&stmt.node, catalog, settings.pg_version, tx.session());
                    // Transaction control changes the state the statement itself runs in.
                    if let NodeEnum::TransactionStmt(t) = &stmt.node {
                        handle_transaction(t, &mut tx);
                    }
                    if let NodeEnum::VariableSetStmt(v) = &stmt.node {
                        handle_set(v, &mut tx);
                    }
                    if let NodeEnum::SelectStmt(s) = &stmt.node {
                        handle_set_config(s, &mut tx);
                    }
                    if report {
                        let alter_cmds = crate::rules::alter_table_cmds(&stmt.node);
                        let cx = StatementContext {
                            stmt: &stmt.node,
                            start: stmt.start,
                            end: stmt.end,
                            base: stmt.base,
                            source,
                            catalog,
                            settings,
                            in_transaction: tx.in_tx,
                            lock_timeout: tx.lock_timeout(),
                            locks: &locks,
                            session: tx.session(),
                            enum_values_added: &tx.enum_added,
                            held_exclusive: tx.held_exclusive.as_ref(),
                            alter_cmds: &alter_cmds,
                            new_tables: &fresh.tables,
                            new_columns: &fresh.columns,
                            copied_from: &fresh.copied_from,
                            up_tables: &up.tables,
                            index: i,
                            claimed: &claimed,
                            up_columns: &up.columns,
                        };
                        let mut buf = Vec::new();
                        for rule in rules {
                            rule.check_statement(&cx, &mut buf);
                        }
                        combine_edits(&mut buf, &script.text, stmt.start, stmt.end);
                        findings.extend(buf.into_iter().map(|f| (Some(i), f)));
                    }
                    // Script rules look only at locks that block traffic or come with a scan
                    // or rewrite; keeping the rest would cost memory on million-statement files.
                    let mut existing_locks = locks
                        .into_iter()
                        .filter(|l| {
                            (blocks_traffic(l.mode) || is_slow(l.work))
                                && !fresh.tables.contains(&l.table)
                                && !settings.small_tables.contains(l.table.name.as_str())
                                && !settings.small_tables.contains(&l.table.to_string())
                        })
                        .collect::<Vec<_>>();
                    // Collected in place, the vector would keep the room for four locks the
                    // first push gave it, on every statement of the script.
                    existing_locks.shrink_to_fit();
                    if tx.in_tx && tx.held_exclusive.is_none() {
                        tx.held_exclusive = existing_locks
                            .iter()
                            .find(|l| l.mode == LockMode::AccessExclusive)
                            .map(|l| (l.table.clone(), stmt.start));
                    }
                    summaries.push(StatementSummary {
                        start: stmt.start,
                        end: stmt.end,
                        large_dml: is_large_dml(&stmt.node, fresh),
                        existing_locks,
                        lock_timeout: tx.lock_timeout(),
                        in_transaction: tx.in_tx,
                        transaction: tx.tx_number,
                        is_ddl: is_ddl(&stmt.node),
                    });
                    record_fresh(&stmt.node, catalog, fresh);
                    track_enums(&stmt.node, &mut tx);
                    catalog.apply(&stmt.node);
                    if let NodeEnum::TransactionStmt(t) = &stmt.node {
                        after_transaction(t, &mut tx);
                    }
                }
                self.progress
                    .fetch_add(batch.statements.len(), Ordering::Relaxed);
                rest.errors.append(&mut batch.errors);
                rest.suppressions.append(&mut batch.suppressions);
            }
        });
        if !report {
            return;
        }
        let mcx = MigrationContext {
            source,
            statements: &summaries,
            settings,
        };
        let mut buf = Vec::new();
        for rule in rules {
            rule.check_migration(&mcx, &mut buf);
        }
        for f in buf {
            let idx = match &f.location {
                Location::Span { start_byte, .. } => statement_at(&summaries, *start_byte),
                _ => None,
            };
            findings.push((idx, f));
        }
        for err in &rest.errors {
            let meta = &SyntaxError::META;
            let mut f = source.finding(
                meta,
                err.offset,
                (err.offset + 1).min(err.statement_end.max(err.offset + 1)),
                format!("PostgreSQL rejects this statement: {}", err.message),
            );
            f.help = "Fix the syntax: PostgreSQL will refuse to run this migration".to_owned();
            findings.push((None, f));
        }
        out.files += 1;
        // A statement PostgreSQL rejects was still read: it counts, and its finding says why.
        out.statements += summaries.len() + rest.errors.len();
        let findings = merge_per_statement(findings);
        let from = out.findings.len();
        apply_suppressions(&rest, &source, findings, settings, out);
        out.findings[from..].sort_unstable();
    }
}

/// The relation names statements create or rename to, with each statement's index.
fn claimed_names(statements: &[plumb_sql::Statement]) -> Vec<(usize, QualifiedName)> {
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let name = match &s.node {
            NodeEnum::CreateStmt(c) => c.relation.as_ref().map(QualifiedName::from_range_var),
            NodeEnum::ViewStmt(v) => v.view.as_ref().map(QualifiedName::from_range_var),
            NodeEnum::CreateTableAsStmt(c) => c
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(QualifiedName::from_range_var),
            NodeEnum::RenameStmt(r) if r.subname.is_empty() && !r.newname.is_empty() => {
                r.relation.as_ref().map(|rv| {
                    let old = QualifiedName::from_range_var(rv);
                    QualifiedName::new(Some(&old.schema), &r.newname)
                })
            }
            _ => None,
        };
        if let Some(n) = name {
            out.push((i, n));
        }
    }
    out
}

/// The index of the statement whose span holds `byte` (statements are in source order).
fn statement_at(summaries: &[StatementSummary], byte: usize) -> Option<usize> {
    let i = summaries.partition_point(|s| s.end < byte);
    summaries
        .get(i)
        .filter(|s| s.start <= byte && byte <= s.end)
        .map(|_| i)
}

/// Rules whose finding in a down script means the rollback itself fails: they keep their
/// severity there.
const ROLLBACK_FAILS: &[&str] = &[
    // These two set their own severity in a down script (what its up created, or not).
    "drop-table",
    "drop-column",
    "add-not-null-column-without-default",
    "syntax-error",
    "object-already-exists",
    "concurrently-in-transaction",
    "add-enum-value-in-transaction",
    "transaction-nesting",
];

/// A down script's finding one severity lower, unless it means the rollback fails.
fn rank_down(f: &mut Finding) {
    use plumb_diagnostics::Severity;
    if ROLLBACK_FAILS.contains(&f.rule) {
        return;
    }
    f.severity = match f.severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    };
}

/// Gives a statement one fix when several findings on it (of one rule or several) each rewrite
/// the statement's own text: their replacements are applied together to one copy of the
/// statement, which the first such finding carries; the others say it covers them. Overlapping
/// replacements keep the first.
fn combine_edits(findings: &mut [Finding], text: &str, start: usize, end: usize) {
    let with_edits: Vec<usize> = (0..findings.len())
        .filter(|&i| {
            findings[i]
                .fix
                .as_ref()
                .is_some_and(|f| !f.edits.is_empty())
        })
        .collect();
    if with_edits.is_empty() {
        return;
    }
    if with_edits.len() == 1 {
        // One fix: its text is the statement with its edits; keep it only if it parses.
        let i = with_edits[0];
        if findings[i]
            .fix
            .as_ref()
            .is_some_and(|f| !plumb_sql::parses(&f.sql))
        {
            findings[i].fix = None;
        }
        return;
    }
    let mut edits: Vec<plumb_diagnostics::Edit> = with_edits
        .iter()
        .flat_map(|&i| {
            findings[i]
                .fix
                .as_ref()
                .map(|f| f.edits.clone())
                .unwrap_or_default()
        })
        .collect();
    edits.sort();
    edits.dedup();
    let mut kept: Vec<plumb_diagnostics::Edit> = Vec::new();
    for e in edits {
        if e.start >= start && e.end <= end && kept.last().is_none_or(|k| k.end <= e.start) {
            kept.push(e);
        }
    }
    let mut sql = String::new();
    let mut at = start;
    for e in &kept {
        sql.push_str(&text[at..e.start]);
        sql.push_str(&e.text);
        at = e.end;
    }
    sql.push_str(&text[at..end]);
    sql.push(';');
    if !plumb_sql::parses(&sql) {
        // Some edit breaks the statement: keep only the fixes that parse on their own.
        for &i in &with_edits {
            if findings[i]
                .fix
                .as_ref()
                .is_some_and(|f| !plumb_sql::parses(&f.sql))
            {
                findings[i].fix = None;
            }
        }
        return;
    }
    let mut rollback: Vec<String> = Vec::new();
    for &i in &with_edits {
        if let Some(rb) = findings[i].fix.as_ref().and_then(|f| f.rollback.as_deref()) {
            for line in rb.lines() {
                if !rollback.iter().any(|l| l == line) {
                    rollback.push(line.to_owned());
                }
            }
        }
    }
    let first = with_edits[0];
    let owner = findings[first].rule;
    for &i in &with_edits[1..] {
        findings[i].fix = None;
        findings[i].notes.push(format!(
            "the fix of {owner} on this statement covers this finding too"
        ));
    }
    if let Some(fx) = findings[first].fix.as_mut() {
        fx.title = "define every flagged column as suggested".to_owned();
        fx.sql = sql;
        fx.rollback = (!rollback.is_empty()).then(|| rollback.join("\n"));
        fx.edits = kept;
    }
}

/// Folds several findings of one rule on one statement (e.g. `SET NOT NULL` on five columns of
/// one `ALTER TABLE`) into one: PostgreSQL takes the lock and does the scan or rewrite once per
/// statement, so one finding per statement is the truth and the rest is noise. The merged finding
/// keeps every column's message as a note and every fix, in order.
fn merge_per_statement(findings: Vec<(Option<usize>, Finding)>) -> Vec<(Option<usize>, Finding)> {
    let mut out: Vec<(Option<usize>, Finding)> = Vec::with_capacity(findings.len());
    // (statement, rule) → position in `out`: one lookup per finding, so a script with hundreds
    // of thousands of findings stays linear. The merged finding keeps the first one's location
    // (its column or clause).
    let mut seen: std::collections::HashMap<(usize, &'static str), usize> =
        std::collections::HashMap::new();
    for (idx, f) in findings {
        let Some(i) = idx else {
            out.push((idx, f));
            continue;
        };
        let key = (i, f.rule);
        let Some(&at) = seen.get(&key) else {
            seen.insert(key, out.len());
            out.push((idx, f));
            continue;
        };
        let g = &mut out[at].1;
        if g.notes.iter().all(|n| !n.starts_with("also: ")) {
            let first = g.message.clone();
            g.notes.insert(0, format!("also: {first}"));
        }
        g.notes.push(format!("also: {}", f.message));
        g.severity = g.severity.max(f.severity);
        match (&mut g.fix, f.fix) {
            (Some(a), Some(b)) => {
                a.sql = format!("{}\n{}", a.sql, b.sql);
                a.rollback = match (a.rollback.take(), b.rollback) {
                    (Some(x), Some(y)) => Some(format!("{y}\n{x}")),
                    (x, y) => x.or(y),
                };
                a.applicability = a.applicability.max(b.applicability);
            }
            (slot @ None, Some(b)) => *slot = Some(b),
            _ => {}
        }
    }
    for (_, f) in &mut out {
        let extra = f.notes.iter().filter(|n| n.starts_with("also: ")).count();
        if extra > 1 {
            f.message = format!("{} (and {} more in this statement)", f.message, extra - 1);
            f.notes.remove(0);
        }
    }
    out
}

fn apply_suppressions(
    parsed: &ParsedSql,
    source: &Source<'_>,
    findings: Vec<(Option<usize>, Finding)>,
    settings: &Settings,
    out: &mut LintOutput,
) {
    let mut used = vec![false; parsed.suppressions.len()];
    for (idx, mut f) in findings {
        let code = find_rule(f.rule).map(|r| r.meta().code);
        let names = |r: &String| r == f.rule || Some(r.as_str()) == code;
        let hit = parsed.suppressions.iter().position(|s| match s.scope {
            SuppressionScope::File => s.rules.iter().any(names),
            SuppressionScope::Statement(Some(si)) => Some(si) == idx && s.rules.iter().any(names),
            SuppressionScope::Statement(None) => false,
        });
        if let Some(h) = hit {
            used[h] = true;
            continue;
        }
        if source.direction == plumb_migrations::Direction::Down {
            rank_down(&mut f);
        }
        if let Some(&sev) = settings.severity.get(f.rule) {
            f.severity = sev;
        }
        out.findings.push(f);
    }
    if settings.disabled.contains(UnusedSuppression::META.name) {
        return;
    }
    for (s, used) in parsed.suppressions.iter().zip(used) {
        if used {
            continue;
        }
        let unknown: Vec<&String> = s.rules.iter().filter(|r| find_rule(r).is_none()).collect();
        let message = if s.rules.is_empty() {
            "plumb:ignore names no rule".to_owned()
        } else if !unknown.is_empty() {
            format!(
                "plumb:ignore names unknown rule {}",
                unknown
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("plumb:ignore {} suppresses nothing", s.rules.join(","))
        };
        let mut f = source.finding(&UnusedSuppression::META, s.start, s.end, message);
        f.help =
            "Remove the comment, or correct the rule name (`plumb rules` lists them)".to_owned();
        if let Some(&sev) = settings.severity.get(f.rule) {
            f.severity = sev;
        }
        out.findings.push(f);
    }
}

fn handle_transaction(t: &protobuf::TransactionStmt, tx: &mut TxState) {
    if let Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart) =
        TransactionStmtKind::try_from(t.kind)
    {
        tx.in_tx = true;
        tx.explicit = true;
    }
}

fn after_transaction(t: &protobuf::TransactionStmt, tx: &mut TxState) {
    if let Ok(
        TransactionStmtKind::TransStmtCommit
        | TransactionStmtKind::TransStmtRollback
        | TransactionStmtKind::TransStmtCommitPrepared
        | TransactionStmtKind::TransStmtRollbackPrepared
        | TransactionStmtKind::TransStmtPrepare,
    ) = TransactionStmtKind::try_from(t.kind)
    {
        tx.in_tx = false;
        tx.explicit = false;
        tx.tx_number += 1;
        tx.local_timeout = None;
        tx.local_utc = None;
        tx.enum_added.clear();
        tx.enums_created.clear();
        tx.held_exclusive = None;
    }
}

/// Remembers enum types created and values added inside a transaction block.
fn track_enums(stmt: &NodeEnum, tx: &mut TxState) {
    if !tx.in_tx {
        return;
    }
    match stmt {
        NodeEnum::CreateEnumStmt(e) => {
            if let Some(name) = QualifiedName::from_parts(&plumb_sql::ast::strings(&e.type_name)) {
                tx.enums_created.insert(name);
            }
        }
        NodeEnum::AlterEnumStmt(e) if e.old_val.is_empty() => {
            if let Some(name) = QualifiedName::from_parts(&plumb_sql::ast::strings(&e.type_name)) {
                // A type created in this transaction may use its new values at once.
                if !tx.enums_created.contains(&name) {
                    tx.enum_added.push((name, e.new_val.clone()));
                }
            }
        }
        _ => {}
    }
}

fn timeout_value_on(args: &[protobuf::Node]) -> bool {
    let Some(arg) = args.first() else {
        return false;
    };
    if let Some(i) = plumb_sql::ast::int_const(arg) {
        return i != 0;
    }
    plumb_sql::ast::str_const(arg).is_some_and(|s| {
        let s = s.trim();
        !(s.is_empty()
            || s == "0"
            || s.starts_with("0 ")
            || s.starts_with("0m")
            || s.starts_with("0s"))
    })
}

fn handle_set(v: &protobuf::VariableSetStmt, tx: &mut TxState) {
    let kind = VariableSetKind::try_from(v.kind).unwrap_or(VariableSetKind::Undefined);
    if kind == VariableSetKind::VarResetAll {
        tx.session_timeout = false;
        tx.local_timeout = None;
        tx.session_utc = false;
        tx.local_utc = None;
        return;
    }
    if v.name.eq_ignore_ascii_case("timezone") {
        // SET TIME ZONE 'UTC' / SET timezone = 'UTC' / SET TIME ZONE INTERVAL '+00:00' ...
        let utc = kind == VariableSetKind::VarSetValue
            && v.args.first().is_some_and(|a| {
                plumb_sql::ast::str_const(a).is_some_and(is_utc)
                    || plumb_sql::ast::int_const(a) == Some(0)
            });
        set_setting(
            tx.in_tx,
            v.is_local,
            utc,
            &mut tx.session_utc,
            &mut tx.local_utc,
        );
        return;
    }
    if !v.name.eq_ignore_ascii_case("lock_timeout") {
        return;
    }
    let on = kind == VariableSetKind::VarSetValue && timeout_value_on(&v.args);
    set_setting(
        tx.in_tx,
        v.is_local,
        on,
        &mut tx.session_timeout,
        &mut tx.local_timeout,
    );
}

/// `SET` or `SET LOCAL` of a tracked setting: SET LOCAL lasts until the transaction ends (and
/// does nothing outside one); a session-level SET inside a transaction also overrides an
/// earlier SET LOCAL.
fn set_setting(
    in_tx: bool,
    is_local: bool,
    value: bool,
    session: &mut bool,
    local: &mut Option<bool>,
) {
    if is_local {
        if in_tx {
            *local = Some(value);
        }
    } else {
        *session = value;
        *local = None;
    }
}

/// `SELECT set_config('lock_timeout', '5s', is_local)`.
fn handle_set_config(s: &protobuf::SelectStmt, tx: &mut TxState) {
    for (value, local) in plumb_sql::ast::set_config_calls(s, "lock_timeout") {
        let on = timeout_value_on(std::slice::from_ref(value));
        set_setting(
            tx.in_tx,
            local,
            on,
            &mut tx.session_timeout,
            &mut tx.local_timeout,
        );
    }
}

/// Statements PostgreSQL refuses inside a transaction block.
pub(crate) fn cannot_run_in_transaction(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::IndexStmt(i) => i.concurrent,
        NodeEnum::DropStmt(d) => d.concurrent,
        NodeEnum::ReindexStmt(r) => r.params.iter().any(|o| matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")),
        NodeEnum::VacuumStmt(v) => v.is_vacuumcmd,
        NodeEnum::CreatedbStmt(_) | NodeEnum::DropdbStmt(_) => true,
        NodeEnum::AlterTableStmt(a) => a.cmds.iter().any(|c| matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(cmd)) if matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent))),
        _ => false,
    }
}

fn is_ddl(node: &NodeEnum) -> bool {
    !matches!(
        node,
        NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::TransactionStmt(_)
            | NodeEnum::CopyStmt(_)
            | NodeEnum::DoStmt(_)
            | NodeEnum::CallStmt(_)
            | NodeEnum::NotifyStmt(_)
            | NodeEnum::ExplainStmt(_)
    )
}

/// UPDATE or DELETE without WHERE (or INSERT ... SELECT) on an existing table.
fn is_large_dml(node: &NodeEnum, fresh: &Fresh) -> bool {
    let existing = |rv: &Option<protobuf::RangeVar>| {
        rv.as_ref()
            .is_some_and(|rv| !fresh.tables.contains(&QualifiedName::from_range_var(rv)))
    };
    match node {
        NodeEnum::UpdateStmt(u) => u.where_clause.is_none() && existing(&u.relation),
        NodeEnum::DeleteStmt(d) => d.where_clause.is_none() && existing(&d.relation),
        _ => false,
    }
}

fn record_fresh(node: &NodeEnum, catalog: &Catalog, fresh: &mut Fresh) {
    match node {
        NodeEnum::InsertStmt(i) => {
            if let Some(NodeEnum::SelectStmt(sel)) =
                i.select_stmt.as_deref().and_then(|n| n.node.as_ref())
            {
                select_sources(sel, &mut fresh.copied_from);
            }
        }
        NodeEnum::CreateStmt(c) => {
            if let Some(rv) = &c.relation {
                let name = QualifiedName::from_range_var(rv);
                if !(c.if_not_exists && catalog.tables.contains_key(&name)) {
                    fresh.tables.insert(name);
                }
            }
        }
        NodeEnum::CreateTableAsStmt(c) => {
            if let Some(rel) = c.into.as_ref().and_then(|i| i.rel.as_ref()) {
                fresh.tables.insert(QualifiedName::from_range_var(rel));
            }
            if let Some(NodeEnum::SelectStmt(sel)) =
                c.query.as_deref().and_then(|n| n.node.as_ref())
            {
                select_sources(sel, &mut fresh.copied_from);
            }
        }
        NodeEnum::ViewStmt(v) => {
            if let Some(rv) = &v.view {
                fresh.tables.insert(QualifiedName::from_range_var(rv));
            }
        }
        NodeEnum::RenameStmt(r) => {
            // A fresh table renamed stays fresh under its new name.
            if let Some(rv) = &r.relation {
                let old = QualifiedName::from_range_var(rv);
                if r.rename_type == protobuf::ObjectType::ObjectTable as i32
                    && fresh.tables.contains(&old)
                {
                    fresh
                        .tables
                        .insert(QualifiedName::new(Some(&old.schema), &r.newname));
                }
            }
        }
        NodeEnum::AlterTableStmt(a) => {
            let Some(rv) = &a.relation else { return };
            let table = QualifiedName::from_range_var(rv);
            for cmd in &a.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    continue;
                };
                if cmd.subtype == protobuf::AlterTableType::AtAddColumn as i32 {
                    if let Some(NodeEnum::ColumnDef(col)) =
                        cmd.def.as_deref().and_then(|d| d.node.as_ref())
                    {
                        fresh.columns.insert((table.clone(), col.colname.clone()));
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether a lock is dangerous enough for lock-discipline rules: it blocks reads or writes.
pub(crate) fn blocks_traffic(mode: LockMode) -> bool {
    mode >= LockMode::Share
}

/// Whether work under a lock takes time proportional to the table size.
pub(crate) fn is_slow(work: Work) -> bool {
    work != Work::Catalog
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_migrations::{Direction, Layout, TxMode};

    /// A big script parsed in pieces gives exactly the findings of parsing it whole.
    #[test]
    fn pieces_lint_like_the_whole_script() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut text = String::new();
        for family in std::fs::read_dir(&fixtures).expect("fixtures") {
            let family = family.expect("entry").path();
            if !family.is_dir() || family.ends_with("snapshots") {
                continue;
            }
            let mut files: Vec<_> = std::fs::read_dir(&family)
                .expect("family")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .collect();
            files.sort();
            for f in files {
                text.push_str(&std::fs::read_to_string(f).expect("fixture"));
                text.push_str(";\n");
            }
        }
        text.push_str(
            "-- plumb:ignore drop-table\nDROP TABLE users;\nSELECT (1;\nDROP TABLE orders;\n",
        );
        let set = MigrationSet {
            layout: Layout::Plain,
            migrations: vec![Migration {
                version: "1".into(),
                name: String::new(),
                up: Some(Script {
                    path: "all.sql".into(),
                    text: text.clone(),
                    direction: Direction::Up,
                    transaction: TxMode::Never,
                }),
                down: None,
            }],
        };
        let settings = Settings::default();
        let n = AtomicUsize::new(0);
        let whole = lint_in_pieces(
            std::slice::from_ref(&set),
            &settings,
            None,
            &n,
            Pieces::DEFAULT,
        );
        assert!(whole.findings.len() > 50, "{}", whole.findings.len());
        for piece in [1, 500, 4096] {
            let pieces = Pieces {
                big_script: 0,
                piece,
            };
            let cut = lint_in_pieces(std::slice::from_ref(&set), &settings, None, &n, pieces);
            assert_eq!(cut.statements, whole.statements, "piece {piece}");
            assert_eq!(cut.findings, whole.findings, "piece {piece}");
        }
    }
}
