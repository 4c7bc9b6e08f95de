//! What a rule sees: one statement with its schema and transaction context, or a whole script.

use std::collections::BTreeSet;

use plumb_catalog::{Catalog, QualifiedName};
use plumb_diagnostics::{Finding, Fix, Location, RuleMeta};
use plumb_migrations::{Direction, Layout};
use plumb_sql::{LineIndex, NodeEnum};

use crate::locks::TableLock;
use crate::settings::Settings;

/// The source a context points into.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// Path as given.
    pub file: &'a str,
    /// Whole script text.
    pub text: &'a str,
    /// Its line index.
    pub lines: &'a LineIndex,
    /// Up or down.
    pub direction: Direction,
    /// The migration layout.
    pub layout: Layout,
    /// Whether the runner wraps the script in a transaction.
    pub runner_transaction: bool,
}

impl Source<'_> {
    /// A location for a byte range of the script.
    pub fn location(&self, start: usize, end: usize) -> Location {
        let last = if end > start { end - 1 } else { end };
        Location::Span {
            file: self.file.to_owned(),
            start_byte: start,
            end_byte: end,
            start: self.lines.line_col(self.text, start),
            end: self.lines.line_col(self.text, last),
        }
    }

    /// A new finding of `meta` at a byte range, with the rule's default severity.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) -> Finding {
        let mut f = Finding::new(meta, self.location(start, end), message);
        f.label = (self.direction == Direction::Down).then(|| "down".to_owned());
        f
    }
}

/// One statement and everything known at the moment it runs.
pub struct StatementContext<'a> {
    /// The statement.
    pub stmt: &'a NodeEnum,
    /// Byte range of the statement in the script.
    pub start: usize,
    /// End of the statement (the `;` excluded).
    pub end: usize,
    /// Offset the parse tree's `location` fields are relative to.
    pub base: usize,
    /// The script.
    pub source: Source<'a>,
    /// The schema before this statement.
    pub catalog: &'a Catalog,
    /// User settings.
    pub settings: &'a Settings,
    /// Whether the statement runs inside a transaction block (the runner's or an explicit BEGIN).
    pub in_transaction: bool,
    /// Whether a non-zero `lock_timeout` is in effect at this statement.
    pub lock_timeout: bool,
    /// The table-level locks this statement takes.
    pub locks: &'a [TableLock],
    /// Session settings in effect (TimeZone).
    pub session: crate::locks::Session,
    /// Enum values added earlier in the open transaction block (`ALTER TYPE ... ADD VALUE`):
    /// PostgreSQL 12+ refuses to use them before the block commits.
    pub enum_values_added: &'a [(QualifiedName, String)],
    /// An existing table an earlier statement of the open transaction block locked ACCESS
    /// EXCLUSIVE (held until commit), with the byte where that statement starts.
    pub held_exclusive: Option<&'a (QualifiedName, usize)>,
    /// For `ALTER TABLE`: each subcommand with the table's name (computed once per statement).
    pub alter_cmds: &'a [(QualifiedName, &'a plumb_sql::protobuf::AlterTableCmd)],
    pub(crate) new_tables: &'a BTreeSet<QualifiedName>,
    pub(crate) new_columns: &'a BTreeSet<(QualifiedName, String)>,
    pub(crate) copied_from: &'a BTreeSet<QualifiedName>,
    /// For a down script: what its up script created.
    pub(crate) up_tables: &'a BTreeSet<QualifiedName>,
    /// The statement's index in its script, and the relation names later statements of the
    /// script create or rename to (with their indexes), when the script was parsed whole.
    pub(crate) index: usize,
    pub(crate) claimed: &'a [(usize, QualifiedName)],
    pub(crate) up_columns: &'a BTreeSet<(QualifiedName, String)>,
}

impl StatementContext<'_> {
    /// The statement's SQL text.
    pub fn sql(&self) -> &str {
        &self.source.text[self.start..self.end]
    }

    /// Target PostgreSQL major version.
    pub fn pg_version(&self) -> u32 {
        self.settings.pg_version
    }

    /// Whether `table` exists in production, so is assumed large and busy: not created in this
    /// migration (or, for a down script, by its up script) and not configured as small.
    pub fn is_existing(&self, table: &QualifiedName) -> bool {
        !self.new_tables.contains(table)
            && !self.settings.small_tables.contains(table.name.as_str())
            && !self.settings.small_tables.contains(&table.to_string())
    }

    /// Whether `column` of `table` was added in this migration (so every existing row holds its
    /// default: a backfill over it touches the whole table).
    pub fn is_new_column(&self, table: &QualifiedName, column: &str) -> bool {
        self.new_columns
            .contains(&(table.clone(), column.to_owned()))
    }

    /// Whether an earlier statement of this migration copied the rows of `table` into another
    /// table (copy-and-swap): dropping it then loses no data the migration has not kept.
    pub fn rows_copied_from(&self, table: &QualifiedName) -> bool {
        self.copied_from.contains(table)
    }

    /// In a down script, whether its up script created `table` (or, with `column`, added that
    /// column): dropping it is the rollback's purpose, and loses only the data written since.
    pub fn created_by_up(&self, table: &QualifiedName, column: Option<&str>) -> bool {
        self.source.direction == plumb_migrations::Direction::Down
            && match column {
                None => self.up_tables.contains(table),
                Some(c) => {
                    self.up_tables.contains(table)
                        || self.up_columns.contains(&(table.clone(), c.to_owned()))
                }
            }
    }

    /// Whether a later statement of this script creates a table or view named `name`, or
    /// renames one to it (a table swap, or a view that takes the old name).
    pub fn name_taken_later(&self, name: &QualifiedName) -> bool {
        self.claimed
            .iter()
            .any(|(i, n)| *i > self.index && n == name)
    }

    /// `DROP ... IF EXISTS` of an object (a `kind`: table, column, schema...) that no earlier
    /// migration created: a guard, not a loss of known data. Whatever the kind, it is reported
    /// at medium, saying so.
    pub fn guard_drop(&self, f: &mut Finding, kind: &str) {
        f.severity = plumb_diagnostics::Severity::Medium;
        f.notes.push(format!(
            "no earlier migration created this {kind}; IF EXISTS suggests a guard"
        ));
    }

    /// A down script's severity for dropping data: medium for what its up created (the point
    /// of the rollback, losing what was written since), one level below `usual` otherwise.
    pub fn down_drop_severity(
        &self,
        created_by_up: bool,
        usual: plumb_diagnostics::Severity,
    ) -> plumb_diagnostics::Severity {
        use plumb_diagnostics::Severity;
        if self.source.direction != plumb_migrations::Direction::Down {
            return usual;
        }
        if created_by_up {
            return Severity::Medium;
        }
        match usual {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    /// A new finding of `meta` on the whole statement.
    pub fn finding(&self, meta: &RuleMeta, message: impl Into<String>) -> Finding {
        self.source.finding(meta, self.start, self.end, message)
    }

    /// The script byte of a parse-tree `location`, if it is known (not -1) and inside the
    /// statement.
    fn byte_at(&self, location: i32) -> Option<usize> {
        usize::try_from(location)
            .ok()
            .map(|l| self.base + l)
            .filter(|&at| at >= self.start && at < self.end)
    }

    /// The byte range of the token at a parse-tree `location` (a quoted literal or identifier,
    /// a word, or one character), clipped to the statement; the whole statement when the
    /// location is unknown (-1).
    pub fn token_at(&self, location: i32) -> (usize, usize) {
        let Some(at) = self.byte_at(location) else {
            return (self.start, self.end);
        };
        let rest = &self.source.text.as_bytes()[at..self.end];
        let len = match rest.first() {
            Some(&q @ (b'\'' | b'"')) => {
                let mut i = 1;
                loop {
                    match rest.get(i) {
                        None => break i,
                        Some(&c) if c == q && rest.get(i + 1) == Some(&q) => i += 2,
                        Some(&c) if c == q => break i + 1,
                        Some(_) => i += 1,
                    }
                }
            }
            _ => rest
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c >= 0x80))
                .unwrap_or(rest.len())
                .max(1),
        };
        // Never split a UTF-8 character.
        let mut end = (at + len).min(self.end);
        while !self.source.text.is_char_boundary(end) {
            end += 1;
        }
        (at, end)
    }

    /// The clause that starts at a parse-tree `location` (a column definition, a table
    /// constraint, an ALTER TABLE subcommand's definition): up to the `,` or `)` that ends it at
    /// its own nesting level, or the statement's end; quotes are skipped. The whole statement
    /// when the location is unknown (-1).
    pub fn clause_span(&self, location: i32) -> (usize, usize) {
        let Some(start) = self.byte_at(location) else {
            return (self.start, self.end);
        };
        let end = plumb_sql::clause_end(self.source.text, start, self.end);
        if end <= start {
            (self.start, self.end)
        } else {
            (start, end)
        }
    }

    /// The text of one `ALTER TABLE` subcommand (`ALTER COLUMN c SET NOT NULL` in `ALTER TABLE t
    /// ADD COLUMN a int, ALTER COLUMN c SET NOT NULL`), so a finding points at the part it is
    /// about. The whole statement when the statement is not an ALTER TABLE, `cmd` is not one of
    /// [`Self::alter_cmds`], or the text cannot be cut into as many subcommands as the parse tree
    /// holds.
    pub fn cmd_span(&self, cmd: &plumb_sql::protobuf::AlterTableCmd) -> (usize, usize) {
        let whole = (self.start, self.end);
        let NodeEnum::AlterTableStmt(a) = self.stmt else {
            return whole;
        };
        let Some(name_at) = a.relation.as_ref().and_then(|rv| self.byte_at(rv.location)) else {
            return whole;
        };
        let Some(index) = self
            .alter_cmds
            .iter()
            .position(|(_, c)| std::ptr::eq(*c, cmd))
        else {
            return whole;
        };
        match plumb_sql::list_items_after_name(self.sql(), name_at - self.start) {
            Some(items) if items.len() == self.alter_cmds.len() => {
                let (s, e) = items[index];
                (self.start + s, self.start + e)
            }
            _ => whole,
        }
    }

    /// A finding on one `ALTER TABLE` subcommand (see [`Self::cmd_span`]).
    pub fn cmd_finding(
        &self,
        meta: &RuleMeta,
        cmd: &plumb_sql::protobuf::AlterTableCmd,
        message: impl Into<String>,
    ) -> Finding {
        self.finding_at(meta, self.cmd_span(cmd), message)
    }

    /// A finding on a clause of the statement (see [`Self::clause_span`]) rather than all of it.
    pub fn finding_at(
        &self,
        meta: &RuleMeta,
        (start, end): (usize, usize),
        message: impl Into<String>,
    ) -> Finding {
        self.source.finding(meta, start, end, message)
    }

    /// How to take this statement out of the runner's transaction, for fix text.
    pub fn no_transaction_hint(&self) -> &'static str {
        self.source.layout.no_transaction_hint()
    }
}

/// A per-statement summary for script-level rules.
#[derive(Clone, Debug)]
pub struct StatementSummary {
    /// Byte range.
    pub start: usize,
    /// End of the range.
    pub end: usize,
    /// Locks taken on tables that exist in production that block traffic (SHARE or stronger) or
    /// come with a scan or rewrite; locks on tables created in the same migration or configured
    /// as small are left out.
    pub existing_locks: Vec<TableLock>,
    /// Whether `lock_timeout` was in effect.
    pub lock_timeout: bool,
    /// Whether it ran inside a transaction block.
    pub in_transaction: bool,
    /// Which transaction block (counts COMMIT/ROLLBACK; meaningful when `in_transaction`).
    pub transaction: usize,
    /// Whether it is DDL (CREATE/ALTER/DROP/...).
    pub is_ddl: bool,
    /// Whether it is an unbounded data change on an existing table.
    pub large_dml: bool,
}

/// A whole script, after its statements were checked one by one.
pub struct MigrationContext<'a> {
    /// The script.
    pub source: Source<'a>,
    /// Statements in order.
    pub statements: &'a [StatementSummary],
    /// User settings.
    pub settings: &'a Settings,
}

/// Builds a [`Fix`] from SQL text and its rollback.
// Findings hold their fix boxed (most have none).
#[allow(clippy::unnecessary_box_returns)]
pub fn fix(
    title: &str,
    sql: impl Into<String>,
    rollback: Option<String>,
    applicability: plumb_diagnostics::Applicability,
) -> Box<Fix> {
    Box::new(Fix {
        title: title.to_owned(),
        sql: sql.into(),
        rollback,
        applicability,
        placement: plumb_diagnostics::Placement::Replace,
        edits: Vec::new(),
    })
}
