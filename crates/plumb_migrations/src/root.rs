//! Finding the migration folders of a project from its root (`plumb lint .`).

use std::path::{Path, PathBuf};

use crate::layout::{detect, holds_migrations};
use crate::read::ReadError;
use crate::Layout;

/// Where the migrations under a folder are.
#[derive(Debug)]
pub struct Found {
    /// The folder to read.
    pub dir: PathBuf,
    /// Its layout as recognized (or as forced).
    pub layout: Layout,
    /// Whether `dir` was found beneath the folder given (so the user should be told).
    pub searched: bool,
    /// Other folders beneath that also hold migrations, best first.
    pub others: Vec<PathBuf>,
}

/// Folders never searched: dependencies, build output, version control.
const SKIP: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "dist",
    "build",
    "venv",
    "__pycache__",
    "bower_components",
];

/// The usual places of migration folders, as path endings, best first.
const USUAL: &[&str] = &[
    "prisma/migrations",
    "db/migrations",
    "db/migrate",
    "src/main/resources/db/migration",
    "make/migrations/postgresql",
    "migrations/postgres",
    "migrations/postgresql",
    "migrations",
    "migration",
    "migrate",
];

/// How deep beneath the folder given to look.
const MAX_DEPTH: usize = 7;

/// The migrations of `dir`: `dir` itself when it holds migrations, otherwise the best of the
/// migration folders beneath it (usual places such as `prisma/migrations` and `db/migrations` first), with the others listed.
pub fn find_migrations(dir: &Path, forced: Option<Layout>) -> Result<Found, ReadError> {
    if holds_migrations(dir)? {
        return Ok(Found {
            dir: dir.to_owned(),
            layout: forced.map_or_else(|| detect(dir), Ok)?,
            searched: false,
            others: Vec::new(),
        });
    }
    let mut found = Vec::new();
    walk(dir, 0, &mut found);
    let rel = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    found.sort_by_key(|p| {
        (
            std::cmp::Reverse(score(&rel(p))),
            p.components().count(),
            p.clone(),
        )
    });
    let mut found = found.into_iter();
    let Some(best) = found.next() else {
        return Err(ReadError::Empty {
            path: dir.to_owned(),
        });
    };
    Ok(Found {
        layout: forced.map_or_else(|| detect(&best), Ok)?,
        dir: best,
        searched: true,
        others: found.collect(),
    })
}

/// How well a folder's path (relative to the root) fits a PostgreSQL migration folder.
fn score(rel: &str) -> i32 {
    let lower = rel.to_ascii_lowercase();
    let mut s = 0;
    if let Some(i) = USUAL
        .iter()
        .position(|u| lower == *u || lower.ends_with(&format!("/{u}")))
    {
        s += 100 - i32::try_from(i).unwrap_or(0);
    }
    if lower.contains("postgres") || lower.contains("pgsql") {
        s += 50;
    }
    for other in [
        "mysql",
        "mariadb",
        "sqlite",
        "mssql",
        "sqlserver",
        "oracle",
        "clickhouse",
    ] {
        if lower.contains(other) {
            s -= 80;
        }
    }
    for aside in ["test", "fixture", "example", "sample", "seed", "docs"] {
        if lower.split('/').any(|part| part.contains(aside)) {
            s -= 40;
        }
    }
    s
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subs: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.') && !SKIP.contains(&n))
        })
        .collect();
    subs.sort();
    for sub in subs {
        if holds_versioned_migrations(&sub) {
            // Its own subfolders are its migrations (diesel, Prisma), not other sets.
            out.push(sub);
        } else {
            walk(&sub, depth + 1, out);
        }
    }
}

/// Whether a folder found while searching holds migrations: files or folders named with a
/// version, or plain `.sql` files in a folder named like a migration folder. (A folder of
/// unversioned `.sql` files elsewhere is more often schema dumps or queries.)
fn holds_versioned_migrations(dir: &Path) -> bool {
    if !holds_migrations(dir).unwrap_or(false) {
        return false;
    }
    let named = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n.contains("migrat") || n == "postgres" || n == "postgresql"
    });
    named || detect(dir).is_ok_and(|l| l != Layout::Plain) || has_versioned_sql(dir)
}

fn has_versioned_sql(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".sql") && name.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "SELECT 1;\n").unwrap();
    }

    #[test]
    fn finds_the_postgresql_migrations_beneath_a_project_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "make/migrations/postgresql/0001_initial.up.sql");
        touch(root, "make/migrations/mysql/0001_initial.up.sql");
        touch(root, "tests/fixtures/queries/q.sql");
        touch(root, "node_modules/x/migrations/1_a.sql");
        let found = find_migrations(root, None).unwrap();
        assert!(found.searched);
        assert!(
            found.dir.ends_with("make/migrations/postgresql"),
            "{found:?}"
        );
        assert_eq!(found.layout, Layout::Sqlx);
        assert_eq!(found.others.len(), 1, "{found:?}");
        assert!(found.others[0].ends_with("mysql"));
    }

    #[test]
    fn a_folder_of_migrations_is_used_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "20240101_a/migration.sql");
        let found = find_migrations(dir.path(), None).unwrap();
        assert!(!found.searched);
        assert_eq!(found.layout, Layout::Prisma);
    }

    #[test]
    fn prisma_and_diesel_folders_are_found_and_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            "packages/prisma/migrations/20240101_a/migration.sql",
        );
        let found = find_migrations(dir.path(), None).unwrap();
        assert!(found.dir.ends_with("packages/prisma/migrations"));
        assert!(found.others.is_empty());
    }

    #[test]
    fn nothing_beneath_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "docs/readme.txt");
        assert!(matches!(
            find_migrations(dir.path(), None),
            Err(ReadError::Empty { .. })
        ));
    }
}
