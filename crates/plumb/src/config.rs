//! `plumb.toml`: project configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The configuration file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Target PostgreSQL major version.
    pub pg_version: Option<u32>,
    /// Default `--fail-on`.
    pub fail_on: Option<String>,
    /// Default layout.
    pub layout: Option<String>,
    /// Glob patterns of migration paths to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Tables known to be small.
    #[serde(default)]
    pub small_tables: Vec<String>,
    /// Rule name to `"off"` or a severity.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
}

impl Config {
    /// Loads `path`, or `plumb.toml` in the current folder when it exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
        let (path, required) = match path {
            Some(p) => (p.to_owned(), true),
            None => (PathBuf::from("plumb.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok((Config::default(), None))
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("{}: cannot read the config file", path.display()))
            }
        };
        let at = |line: usize| format!("{}:{line}", path.display());
        let config: Config = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |span| {
                text[..span.start.min(text.len())].lines().count().max(1)
            });
            anyhow::anyhow!("{}: invalid config: {}", at(line), e.message())
        })?;
        for (rule, value) in &config.rules {
            let line = line_of(&text, Some("rules"), rule);
            if plumb_rules::find_rule(rule).is_none() {
                bail!(
                    "{}: unknown rule `{rule}` in [rules]; `plumb rules` lists them",
                    at(line)
                );
            }
            if value != "off" && plumb_diagnostics::Severity::parse(value).is_none() {
                bail!("{}: rule `{rule}` = `{value}`: expected \"off\" or a severity (critical, high, medium, low, info)", at(line));
            }
        }
        if let Some(v) = &config.fail_on {
            if v != "none" && plumb_diagnostics::Severity::parse(v).is_none() {
                bail!(
                    "{}: fail_on = `{v}`: expected critical, high, medium, low, info or none",
                    at(line_of(&text, None, "fail_on"))
                );
            }
        }
        if let Some(v) = config.pg_version {
            if !(plumb_rules::OLDEST_PG..=plumb_rules::NEWEST_PG).contains(&v) {
                bail!(
                    "{}: pg_version = {v}: supported versions are {} to {}",
                    at(line_of(&text, None, "pg_version")),
                    plumb_rules::OLDEST_PG,
                    plumb_rules::NEWEST_PG
                );
            }
        }
        if let Some(v) = &config.layout {
            if plumb_migrations::Layout::parse(v).is_none() {
                bail!(
                    "{}: layout = `{v}`: expected one of {}",
                    at(line_of(&text, None, "layout")),
                    plumb_migrations::Layout::ALL
                        .map(plumb_migrations::Layout::as_str)
                        .join(", ")
                );
            }
        }
        Ok((config, Some(path)))
    }
}

/// The 1-based line of `key = ...` in the config text: in table `[table]`, or at the top level
/// when `table` is `None`; line 1 when it cannot be found.
fn line_of(text: &str, table: Option<&str>, key: &str) -> usize {
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = Some(name.trim().to_owned());
            continue;
        }
        let Some((k, _)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_matches('"').trim_matches('\'');
        if k == key && current.as_deref() == table {
            return i + 1;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plumb.toml");
        for (text, expected) in [
            (
                "pg_version = 15\n[rules]\nnot-a-rule = \"off\"\n",
                ":3: unknown rule `not-a-rule`",
            ),
            (
                "pg_version = 15\nfail_on = \"bogus\"\n",
                ":2: fail_on = `bogus`",
            ),
            ("pg_version = 3\n", ":1: pg_version = 3"),
            ("\nlayout = \"rails\"\n", ":2: layout = `rails`"),
            ("pg_version = 15\nfail_on = \n", ":2: invalid config"),
            (
                "[rules]\ndrop-table = \"loud\"\n",
                ":2: rule `drop-table` = `loud`",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Config::load(Some(&path)).unwrap_err().to_string();
            assert!(err.starts_with(&path.display().to_string()), "{err}");
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(!err.contains("--"), "{err}");
        }
    }
}
