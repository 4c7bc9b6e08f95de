//! Recognizing migration layouts.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::read::{io_error, read_sql_file, read_stdin, ReadError};
use crate::version::compare_versions;
use crate::{Direction, Migration, MigrationSet, Script, TxMode};

/// A migration tool's folder layout, which fixes file naming, ordering and transaction handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Plain `.sql` files applied in name order by psql or similar: no implicit transaction.
    Plain,
    /// sqlx: `<version>_<name>.sql` or `.up.sql`/`.down.sql`; each script in a transaction unless
    /// its first line is `-- no-transaction`.
    Sqlx,
    /// golang-migrate: `<version>_<title>.up.sql`/`.down.sql`; no BEGIN, but a multi-statement
    /// script is one query, which PostgreSQL runs as one implicit transaction.
    GolangMigrate,
    /// diesel: `<timestamp>_<name>/up.sql` + `down.sql`; each in a transaction unless
    /// its `metadata.toml` lacks `run_in_transaction = true` (a missing file means true).
    Diesel,
    /// dbmate: one file with `-- migrate:up` / `-- migrate:down` sections; transaction unless
    /// the section marker says `transaction:false`.
    Dbmate,
    /// Flyway: `V<version>__<name>.sql` (and `U<version>__` undo scripts); each in a
    /// transaction unless `<script>.conf` says `executeInTransaction=false` or every statement
    /// cannot run in a transaction.
    Flyway,
    /// Prisma: `<timestamp>_<name>/migration.sql`; sent as one query, so a multi-statement
    /// script is one implicit transaction.
    Prisma,
}

impl Layout {
    /// Every layout.
    pub const ALL: [Layout; 7] = [
        Layout::Plain,
        Layout::Sqlx,
        Layout::GolangMigrate,
        Layout::Diesel,
        Layout::Dbmate,
        Layout::Flyway,
        Layout::Prisma,
    ];

    /// The kebab-case name used on the command line and in config.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Plain => "plain",
            Layout::Sqlx => "sqlx",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Diesel => "diesel",
            Layout::Dbmate => "dbmate",
            Layout::Flyway => "flyway",
            Layout::Prisma => "prisma",
        }
    }

    /// Parses a layout name.
    pub fn parse(s: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// How a script opts out of the implicit transaction in this layout, for fix text.
    pub fn no_transaction_hint(self) -> &'static str {
        match self {
            Layout::Plain => "run the statement outside any transaction block",
            Layout::GolangMigrate | Layout::Prisma => {
                "put the statement alone in its own migration (a multi-statement script runs as one implicit transaction)"
            }
            Layout::Sqlx => "put the statement in its own migration whose first line is `-- no-transaction`",
            Layout::Diesel => {
                "put the statement in its own migration with `run_in_transaction = false` in its metadata.toml"
            }
            Layout::Dbmate => {
                "put the statement in its own migration whose marker is `-- migrate:up transaction:false`"
            }
            Layout::Flyway => {
                "put the statement in its own script with `executeInTransaction=false` in its .conf file"
            }
        }
    }

    /// How the runner wraps a script by default.
    pub fn default_transaction(self) -> TxMode {
        match self {
            Layout::Sqlx | Layout::Diesel | Layout::Dbmate => TxMode::Always,
            Layout::Flyway => TxMode::FlywayAutoDetect,
            Layout::GolangMigrate | Layout::Prisma => TxMode::ImplicitMultiStatement,
            Layout::Plain => TxMode::Never,
        }
    }
}

/// The layout of the migrations directly in `dir`, recognized from file and folder names.
pub(crate) fn detect(dir: &Path) -> Result<Layout, ReadError> {
    let entries = list_dir(dir)?;
    Ok(detect_in(&entries))
}

fn detect_in(entries: &[PathBuf]) -> Layout {
    let has_subdir_file = |file: &str| entries.iter().any(|e| e.is_dir() && e.join(file).is_file());
    let sql_files: Vec<&PathBuf> = sql_files(entries);
    if has_subdir_file("up.sql") {
        Layout::Diesel
    } else if has_subdir_file("migration.sql") {
        Layout::Prisma
    } else if sql_files.iter().any(|p| flyway_name(p).is_some()) {
        Layout::Flyway
    } else if sql_files.iter().any(|p| up_down_name(p).is_some()) {
        Layout::Sqlx
    } else if sql_files.iter().any(|p| is_dbmate(p)) {
        Layout::Dbmate
    } else {
        Layout::Plain
    }
}

fn sql_files(entries: &[PathBuf]) -> Vec<&PathBuf> {
    entries
        .iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")))
        .collect()
}

/// Whether `dir` itself holds migrations: `.sql` files, or folders with `up.sql` (diesel) or
/// `migration.sql` (Prisma).
pub(crate) fn holds_migrations(dir: &Path) -> Result<bool, ReadError> {
    let entries = list_dir(dir)?;
    Ok(!sql_files(&entries).is_empty()
        || entries.iter().any(|e| {
            e.is_dir() && (e.join("up.sql").is_file() || e.join("migration.sql").is_file())
        }))
}

/// What the scripts of a layout are named like, for errors.
fn expected_names(layout: Layout) -> &'static str {
    match layout {
        Layout::Plain => "`.sql` files",
        Layout::Sqlx => "`<version>_<name>.sql` or `<version>_<name>.up.sql`/`.down.sql` files",
        Layout::GolangMigrate => "`<version>_<title>.up.sql`/`.down.sql` files",
        Layout::Diesel => "`<version>_<name>/up.sql` folders",
        Layout::Dbmate => "`.sql` files with `-- migrate:up` sections",
        Layout::Flyway => "`V<version>__<name>.sql` files",
        Layout::Prisma => "`<timestamp>_<name>/migration.sql` folders",
    }
}

/// Finds the migrations under `dir`, recognizing its layout unless `forced`.
pub fn discover(dir: &Path, forced: Option<Layout>) -> Result<MigrationSet, ReadError> {
    let entries = list_dir(dir)?;
    let sql_files = sql_files(&entries);
    let detected = detect_in(&entries);
    let layout = forced.unwrap_or(detected);
    let mut migrations = match layout {
        Layout::Diesel | Layout::Prisma => folder_migrations(&entries, layout)?,
        _ => file_migrations(&sql_files, layout)?,
    };
    migrations
        .sort_by(|a, b| compare_versions(&a.version, &b.version).then_with(|| a.name.cmp(&b.name)));
    if migrations.is_empty() {
        let recognized = detected != layout
            && match detected {
                Layout::Diesel | Layout::Prisma => {
                    !folder_migrations(&entries, detected)?.is_empty()
                }
                _ => !sql_files.is_empty(),
            };
        return Err(match forced {
            Some(l) => ReadError::LayoutMismatch {
                path: dir.to_owned(),
                layout: l.as_str(),
                expected: expected_names(l),
                hint: if recognized {
                    format!(
                        "it looks like {}: pass --layout {} or leave --layout out",
                        detected.as_str(),
                        detected.as_str()
                    )
                } else {
                    "check the folder or the --layout value".to_owned()
                },
            },
            None => ReadError::Empty {
                path: dir.to_owned(),
            },
        });
    }
    Ok(MigrationSet { layout, migrations })
}

/// Treats explicit files as migrations in the order given, each classified by its name.
pub fn from_files(files: &[PathBuf], forced: Option<Layout>) -> Result<MigrationSet, ReadError> {
    let refs: Vec<&PathBuf> = files.iter().collect();
    let layout = forced.unwrap_or_else(|| {
        if refs.iter().any(|p| flyway_name(p).is_some()) {
            Layout::Flyway
        } else if refs.iter().any(|p| {
            matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("up.sql" | "down.sql")
            )
        }) {
            Layout::Diesel
        } else if refs
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == "migration.sql"))
        {
            Layout::Prisma
        } else if refs.iter().any(|p| up_down_name(p).is_some()) {
            Layout::Sqlx
        } else {
            Layout::Plain
        }
    });
    let mut migrations = Vec::new();
    for path in files {
        let text = read_sql_file(path)?;
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if layout == Layout::Dbmate || (forced.is_none() && text.contains("-- migrate:up")) {
            migrations.push(dbmate_migration(path, &text));
            continue;
        }
        let direction = if file_name == "down.sql"
            || file_name.ends_with(".down.sql")
            || (layout == Layout::Flyway && file_name.starts_with('U'))
        {
            Direction::Down
        } else {
            Direction::Up
        };
        let transaction = transaction_for(layout, path, &text);
        let script = Script {
            path: display(path),
            text,
            direction,
            transaction,
        };
        let (up, down) = match direction {
            Direction::Up => (Some(script), None),
            Direction::Down => (None, Some(script)),
        };
        migrations.push(Migration {
            version: file_name.to_owned(),
            name: String::new(),
            up,
            down,
        });
    }
    Ok(MigrationSet { layout, migrations })
}

/// Reads standard input as one migration script named `-`.
pub fn from_stdin(forced: Option<Layout>) -> Result<MigrationSet, ReadError> {
    let text = read_stdin()?;
    let layout = forced.unwrap_or(Layout::Plain);
    let migration = if layout == Layout::Dbmate || text.contains("-- migrate:up") {
        dbmate_migration(Path::new("-"), &text)
    } else {
        Migration {
            version: "-".to_owned(),
            name: String::new(),
            up: Some(Script {
                path: "-".to_owned(),
                transaction: transaction_for(layout, Path::new("-"), &text),
                text,
                direction: Direction::Up,
            }),
            down: None,
        }
    };
    Ok(MigrationSet {
        layout,
        migrations: vec![migration],
    })
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let rd = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        out.push(entry.path());
    }
    out.sort();
    Ok(out)
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Splits `<version>_<name>` (or `<version>` alone) at the first underscore or dash.
fn split_version(stem: &str) -> (String, String) {
    // Versions are digits, possibly with dashes (diesel's `2020-01-31-120000`).
    let digits = stem
        .char_indices()
        .take_while(|&(_, c)| c.is_ascii_digit() || c == '-')
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    let digits = stem[..digits].trim_end_matches('-').len();
    if digits == 0 {
        return (stem.to_owned(), String::new());
    }
    let rest = stem[digits..].trim_start_matches(['_', '-', '.']);
    (stem[..digits].to_owned(), rest.to_owned())
}

fn flyway_name(p: &Path) -> Option<(Direction, String, String)> {
    let name = p.file_name()?.to_str()?;
    let stem = name.strip_suffix(".sql")?;
    let (direction, rest) = if let Some(r) = stem.strip_prefix('V') {
        (Direction::Up, r)
    } else {
        (Direction::Down, stem.strip_prefix('U')?)
    };
    let (version, desc) = rest.split_once("__")?;
    if version.is_empty()
        || !version
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
    {
        return None;
    }
    Some((direction, version.replace('_', "."), desc.to_owned()))
}

fn up_down_name(p: &Path) -> Option<(Direction, String)> {
    let name = p.file_name()?.to_str()?;
    if let Some(stem) = name.strip_suffix(".up.sql") {
        Some((Direction::Up, stem.to_owned()))
    } else {
        name.strip_suffix(".down.sql")
            .map(|stem| (Direction::Down, stem.to_owned()))
    }
}

fn is_dbmate(p: &Path) -> bool {
    std::fs::read_to_string(p).is_ok_and(|t| t.contains("-- migrate:up"))
}

/// How the runner of `layout` wraps this script.
fn transaction_for(layout: Layout, path: &Path, text: &str) -> TxMode {
    let never_if = |opt_out: bool| {
        if opt_out {
            TxMode::Never
        } else {
            layout.default_transaction()
        }
    };
    match layout {
        // sqlx checks the very first bytes of the file.
        Layout::Sqlx => never_if(text.starts_with("-- no-transaction")),
        Layout::Diesel => {
            // diesel: a metadata.toml without `run_in_transaction = true` means false.
            let meta = path.parent().map(|d| d.join("metadata.toml"));
            let opt_out = meta
                .and_then(|m| std::fs::read_to_string(m).ok())
                .is_some_and(|m| {
                    !m.lines().any(|l| {
                        let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                        l == "run_in_transaction=true"
                    })
                });
            never_if(opt_out)
        }
        Layout::Flyway => {
            let conf = PathBuf::from(format!("{}.conf", path.display()));
            never_if(std::fs::read_to_string(conf).is_ok_and(|c| {
                c.lines()
                    .any(|l| l.replace(' ', "") == "executeInTransaction=false")
            }))
        }
        Layout::Plain | Layout::GolangMigrate | Layout::Prisma | Layout::Dbmate => {
            layout.default_transaction()
        }
    }
}

fn folder_migrations(entries: &[PathBuf], layout: Layout) -> Result<Vec<Migration>, ReadError> {
    let mut out = Vec::new();
    for sub in entries.iter().filter(|e| e.is_dir()) {
        let Some(folder) = sub.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let (version, name) = split_version(folder);
        let script = |file: &str, direction| -> Result<Option<Script>, ReadError> {
            let path = sub.join(file);
            if !path.is_file() {
                return Ok(None);
            }
            let text = read_sql_file(&path)?;
            let transaction = transaction_for(layout, &path, &text);
            Ok(Some(Script {
                path: display(&path),
                text,
                direction,
                transaction,
            }))
        };
        let (up, down) = if layout == Layout::Prisma {
            (script("migration.sql", Direction::Up)?, None)
        } else {
            (
                script("up.sql", Direction::Up)?,
                script("down.sql", Direction::Down)?,
            )
        };
        if up.is_some() || down.is_some() {
            out.push(Migration {
                version,
                name,
                up,
                down,
            });
        }
    }
    Ok(out)
}

fn file_migrations(files: &[&PathBuf], layout: Layout) -> Result<Vec<Migration>, ReadError> {
    let mut out: Vec<Migration> = Vec::new();
    for path in files {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if layout == Layout::Dbmate {
            let text = read_sql_file(path)?;
            out.push(dbmate_migration(path, &text));
            continue;
        }
        let (direction, version, name) = match layout {
            Layout::Flyway => match flyway_name(path) {
                Some((d, v, n)) => (d, v, n),
                // Repeatable (R__) and other scripts are not versioned migrations.
                None => continue,
            },
            _ => {
                if let Some((d, stem)) = up_down_name(path) {
                    let (v, n) = split_version(&stem);
                    (d, v, n)
                } else {
                    let stem = file_name.trim_end_matches(".sql");
                    let (v, n) = split_version(stem);
                    (Direction::Up, v, n)
                }
            }
        };
        let text = read_sql_file(path)?;
        let transaction = transaction_for(layout, path, &text);
        let script = Script {
            path: display(path),
            text,
            direction,
            transaction,
        };
        let existing = out
            .iter_mut()
            .find(|m| m.version == version && m.name == name);
        let m = if let Some(m) = existing {
            m
        } else {
            out.push(Migration {
                version,
                name,
                up: None,
                down: None,
            });
            out.last_mut().expect("just pushed")
        };
        match direction {
            Direction::Up => m.up = Some(script),
            Direction::Down => m.down = Some(script),
        }
    }
    Ok(out)
}

/// `text` with everything outside `start..end` replaced by spaces (line breaks kept), so that a
/// section of a file keeps the byte offsets, lines and columns it has in the whole file.
pub fn blank_outside(text: &str, start: usize, end: usize) -> String {
    text.char_indices()
        .map(|(at, c)| {
            if (start..end).contains(&at) || c == '\n' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// Splits a dbmate file into its sections, blanking the other section so positions stay true.
fn dbmate_migration(path: &Path, text: &str) -> Migration {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("-");
    let (version, name) = split_version(file_name.trim_end_matches(".sql"));
    let mut sections: Vec<(Direction, usize, TxMode)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        for (marker, dir) in [
            ("-- migrate:up", Direction::Up),
            ("-- migrate:down", Direction::Down),
        ] {
            if let Some(opts) = t.strip_prefix(marker) {
                let in_tx = if opts.split_whitespace().any(|o| o == "transaction:false") {
                    TxMode::Never
                } else {
                    TxMode::Always
                };
                sections.push((dir, offset + line.len(), in_tx));
            }
        }
        offset += line.len();
    }
    let mut up = None;
    let mut down = None;
    for (i, &(dir, start, in_tx)) in sections.iter().enumerate() {
        let end = sections.get(i + 1).map_or(text.len(), |&(_, s, _)| {
            // The next section starts after its marker line; blank from the marker's line start.
            text[..s]
                .trim_end_matches('\n')
                .rfind('\n')
                .map_or(0, |p| p + 1)
        });
        let blanked = blank_outside(text, start, end);
        let script = Script {
            path: display(path),
            text: blanked,
            direction: dir,
            transaction: in_tx,
        };
        match dir {
            Direction::Up => up = Some(script),
            Direction::Down => down = Some(script),
        }
    }
    if sections.is_empty() {
        up = Some(Script {
            path: display(path),
            text: text.to_owned(),
            direction: Direction::Up,
            transaction: TxMode::Always,
        });
    }
    Migration {
        version,
        name,
        up,
        down,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn diesel_with_metadata() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "2020-01-02-000000_b/up.sql", "select 2;");
        write(d.path(), "2020-01-02-000000_b/down.sql", "select -2;");
        write(
            d.path(),
            "2020-01-02-000000_b/metadata.toml",
            "run_in_transaction = false\n",
        );
        write(d.path(), "2020-01-01-000000_a/up.sql", "select 1;");
        let set = discover(d.path(), None).unwrap();
        assert_eq!(set.layout, Layout::Diesel);
        assert_eq!(set.migrations.len(), 2);
        assert_eq!(set.migrations[0].name, "a");
        assert_eq!(set.migrations[0].version, "2020-01-01-000000");
        assert_eq!(
            set.migrations[0].up.as_ref().unwrap().transaction,
            TxMode::Always
        );
        let b = &set.migrations[1];
        assert_eq!(b.up.as_ref().unwrap().transaction, TxMode::Never);
        assert_eq!(b.down.as_ref().unwrap().direction, Direction::Down);
    }

    #[test]
    fn sqlx_flyway_plain_prisma_ordering() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "10_c.up.sql", "select 10;");
        write(d.path(), "10_c.down.sql", "select -10;");
        write(d.path(), "9_b.up.sql", "-- no-transaction\nselect 9;");
        let set = discover(d.path(), None).unwrap();
        assert_eq!(set.layout, Layout::Sqlx);
        let versions: Vec<&str> = set.migrations.iter().map(|m| m.version.as_str()).collect();
        assert_eq!(versions, ["9", "10"]);
        assert_eq!(
            set.migrations[0].up.as_ref().unwrap().transaction,
            TxMode::Never
        );
        assert!(set.migrations[1].down.is_some());

        let f = tempfile::tempdir().unwrap();
        write(f.path(), "V1_10__x.sql", "select 2;");
        write(f.path(), "V1_9__y.sql", "select 1;");
        write(f.path(), "R__views.sql", "select 3;");
        let set = discover(f.path(), None).unwrap();
        assert_eq!(set.layout, Layout::Flyway);
        let versions: Vec<&str> = set.migrations.iter().map(|m| m.version.as_str()).collect();
        assert_eq!(versions, ["1.9", "1.10"]);

        let p = tempfile::tempdir().unwrap();
        write(p.path(), "002_more.sql", "select 2;");
        write(p.path(), "001_init.sql", "select 1;");
        let set = discover(p.path(), None).unwrap();
        assert_eq!(set.layout, Layout::Plain);
        assert_eq!(set.migrations[0].name, "init");
        assert_eq!(
            set.migrations[0].up.as_ref().unwrap().transaction,
            TxMode::Never
        );

        let q = tempfile::tempdir().unwrap();
        write(q.path(), "20240101_init/migration.sql", "select 1;");
        write(q.path(), "migration_lock.toml", "provider = \"postgresql\"");
        assert_eq!(discover(q.path(), None).unwrap().layout, Layout::Prisma);

        let e = tempfile::tempdir().unwrap();
        assert!(matches!(
            discover(e.path(), None),
            Err(ReadError::Empty { .. })
        ));
        assert!(matches!(
            discover(&e.path().join("nope"), None),
            Err(ReadError::NotFound { .. })
        ));
    }

    #[test]
    fn dbmate_sections_keep_positions() {
        let d = tempfile::tempdir().unwrap();
        let text = "-- migrate:up transaction:false\ncreate index concurrently i on t (a);\n\n-- migrate:down\ndrop index i;\n";
        write(d.path(), "20240101000000_idx.sql", text);
        let set = discover(d.path(), None).unwrap();
        assert_eq!(set.layout, Layout::Dbmate);
        let m = &set.migrations[0];
        let up = m.up.as_ref().unwrap();
        let down = m.down.as_ref().unwrap();
        assert_eq!(up.transaction, TxMode::Never);
        assert_eq!(down.transaction, TxMode::Always);
        assert_eq!(up.text.len(), text.len());
        assert!(up.text.contains("create index concurrently") && !up.text.contains("drop index"));
        assert!(down.text.contains("drop index i;") && !down.text.contains("create index"));
        assert_eq!(down.text.find("drop"), text.find("drop"));
    }
}
