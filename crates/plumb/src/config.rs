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
        let config: Config = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: invalid config: {}", path.display(), e.message()))?;
        for (rule, value) in &config.rules {
            if plumb_rules::find_rule(rule).is_none() {
                bail!(
                    "{}: unknown rule `{rule}` in [rules]; `plumb rules` lists them",
                    path.display()
                );
            }
            if value != "off" && plumb_diagnostics::Severity::parse(value).is_none() {
                bail!("{}: rule `{rule}` = `{value}`: expected \"off\" or a severity (critical, high, medium, low, info)", path.display());
            }
        }
        Ok((config, Some(path)))
    }
}
