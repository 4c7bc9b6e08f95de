//! Reading SQL files with clear errors for what is not SQL text.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file could not be read as SQL.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file does not exist.
    #[error("{path}: no such file or directory; check the path")]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// Any other IO error.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file holds NUL bytes: it is binary, not SQL.
    #[error("{path}: is a binary file, not SQL text; pass .sql files or a migrations folder")]
    Binary {
        /// The path.
        path: PathBuf,
    },
    /// The file is not UTF-8.
    #[error("{path}: is not UTF-8 text (invalid byte at offset {offset}); convert it to UTF-8")]
    NotUtf8 {
        /// The path.
        path: PathBuf,
        /// First invalid byte.
        offset: usize,
    },
    /// A folder holds no migrations plumb recognizes, and none is beneath it.
    #[error("{path}: no migrations found in it or beneath it (looked for .sql files and migration folders such as migrations/, db/migrations/, prisma/migrations/, src/main/resources/db/migration/); pass the migrations folder")]
    Empty {
        /// The folder.
        path: PathBuf,
    },
    /// A layout was forced (`--layout` or `layout` in plumb.toml) that the folder's files do
    /// not follow.
    #[error("{path}: no {layout} migrations here: --layout {layout} expects {expected}; {hint}")]
    LayoutMismatch {
        /// The folder.
        path: PathBuf,
        /// The forced layout.
        layout: &'static str,
        /// What its scripts are named like.
        expected: &'static str,
        /// What to do.
        hint: String,
    },
}

/// Reads a file as SQL text: UTF-8 (a BOM is dropped), no NUL bytes.
pub fn read_sql_file(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| io_error(path, source))?;
    decode(path, bytes)
}

/// Reads standard input as SQL text.
pub fn read_stdin() -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|source| io_error(Path::new("-"), source))?;
    decode(Path::new("-"), bytes)
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> ReadError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ReadError::NotFound {
            path: path.to_owned(),
        }
    } else {
        ReadError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.contains(&0) {
        return Err(ReadError::Binary {
            path: path.to_owned(),
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.to_owned(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        // Keep byte offsets meaningful for editors: replace the BOM with nothing visible.
        text.replace_range(..3, "");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_binary_and_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("x.sql");
        std::fs::write(&bin, b"select 1;\0\x01").unwrap();
        assert!(matches!(read_sql_file(&bin), Err(ReadError::Binary { .. })));
        std::fs::write(&bin, b"select '\xff';").unwrap();
        assert!(matches!(
            read_sql_file(&bin),
            Err(ReadError::NotUtf8 { offset: 8, .. })
        ));
        std::fs::write(&bin, "\u{feff}select 1;").unwrap();
        assert_eq!(read_sql_file(&bin).unwrap(), "select 1;");
        let missing = dir.path().join("missing.sql");
        let err = read_sql_file(&missing).unwrap_err();
        assert!(matches!(err, ReadError::NotFound { .. }));
        assert!(err
            .to_string()
            .ends_with("no such file or directory; check the path"));
    }
}
