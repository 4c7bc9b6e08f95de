//! One module per subcommand.

pub mod lint;
pub mod rules;
pub mod schema;
pub mod workload;

use std::io::{IsTerminal, Write};

use anyhow::{bail, Context};
use clap::ValueEnum;
use plumb_diagnostics::{Finding, Severity};
use plumb_report::{Format, Report};
use plumb_rules::{Settings, NEWEST_PG, OLDEST_PG};

use crate::config::Config;
use crate::{EXIT_CLEAN, EXIT_FINDINGS};

/// Color choice.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

fn parse_fail_on(s: &str) -> anyhow::Result<Option<Severity>> {
    if s == "none" {
        return Ok(None);
    }
    match Severity::parse(s) {
        Some(sev) => Ok(Some(sev)),
        None => bail!("--fail-on `{s}`: expected critical, high, medium, low, info or none"),
    }
}

/// The `--fail-on` level: the flag, else the config file, else `high`.
pub fn fail_on(flag: Option<&str>, config: &Config) -> anyhow::Result<Option<Severity>> {
    parse_fail_on(flag.or(config.fail_on.as_deref()).unwrap_or("high"))
}

/// Rule settings from `--pg-version` and the config file's `[rules]` and `small_tables`.
pub fn settings(pg_version: Option<u32>, config: &Config) -> anyhow::Result<Settings> {
    let pg_version = pg_version.or(config.pg_version).unwrap_or(NEWEST_PG);
    if !(OLDEST_PG..=NEWEST_PG).contains(&pg_version) {
        bail!("--pg-version {pg_version}: supported versions are {OLDEST_PG} to {NEWEST_PG}");
    }
    let mut settings = Settings {
        pg_version,
        ..Settings::default()
    };
    for (rule, value) in &config.rules {
        let name = plumb_rules::find_rule(rule)
            .map_or(rule.as_str(), |r| r.meta().name)
            .to_owned();
        match Severity::parse(value) {
            Some(sev) => {
                settings.severity.insert(name, sev);
            }
            None => {
                settings.disabled.insert(name);
            }
        }
    }
    settings.small_tables = config.small_tables.iter().cloned().collect();
    Ok(settings)
}

/// A findings report format from `--format`.
pub fn report_format(s: &str) -> anyhow::Result<Format> {
    Format::parse(s)
        .with_context(|| format!("--format `{s}`: expected text, json, sarif, github or markdown"))
}

/// Renders a findings report to standard output (streamed) or atomically to a file.
pub fn write_report(
    format: Format,
    report: &Report<'_>,
    color: ColorChoice,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    if let Some(path) = output {
        emit(&plumb_report::render(format, report, color), Some(path))?;
    } else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        plumb_report::render_to(format, report, color, &mut out)?;
        out.flush()?;
    }
    Ok(())
}

/// Exit status 1 when a finding is at or above the fail level.
pub fn exit_status(fail_on: Option<Severity>, findings: &[Finding]) -> u8 {
    if fail_on.is_some_and(|level| findings.iter().any(|f| f.severity >= level)) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// A spinner on standard error while long work runs; hidden when standard error is not a
/// terminal (piped output stays quiet).
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    let progress = indicatif::ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        progress.set_message(message.to_owned());
        progress.enable_steady_tick(std::time::Duration::from_millis(100));
    } else {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    progress
}

/// Writes to stdout, or atomically to a file (a temporary file renamed into place, so a failed
/// run never leaves a partial report).
pub fn emit(text: &str, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    emit_with(output, |w| w.write_all(text.as_bytes()))
}

/// Streams output to stdout, or to a file: a regular file is written to a temporary file that
/// is renamed into place (a failed run never leaves a partial file); anything else that exists
/// and is not a regular file (`/dev/null`, a FIFO, a terminal) is written in place, never
/// replaced.
pub fn emit_with(
    output: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let Some(path) = output else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        write(&mut out)?;
        out.flush()?;
        return Ok(());
    };
    let cannot = || {
        format!(
            "{}: cannot write the output; check the folder exists and is writable",
            path.display()
        )
    };
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    if special {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(cannot)?;
        let mut out = std::io::BufWriter::new(file);
        write(&mut out).with_context(cannot)?;
        out.flush().with_context(cannot)?;
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.plumb-tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    ));
    let result = (|| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut out)?;
        out.flush()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(cannot);
    }
    std::fs::rename(&tmp, path).with_context(cannot)?;
    Ok(())
}

/// The migrations of a folder given on the command line: the folder itself when it holds
/// migrations, or the best migration folder beneath it (a project root), which is then named
/// on stderr with the other candidates.
pub fn discover_under(
    dir: &std::path::Path,
    layout: Option<plumb_migrations::Layout>,
) -> Result<plumb_migrations::MigrationSet, plumb_migrations::ReadError> {
    let found = plumb_migrations::find_migrations(dir, layout)?;
    let set = plumb_migrations::discover(&found.dir, layout)?;
    if found.searched {
        eprintln!(
            "note: {} holds no migrations itself; reading {} ({}, {} migrations) found beneath it",
            dir.display(),
            found.dir.display(),
            set.layout.as_str(),
            set.migrations.len()
        );
        if !found.others.is_empty() {
            let others: Vec<String> = found
                .others
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            eprintln!(
                "note: other migration folders beneath {}: {}; pass one to read it instead",
                dir.display(),
                others.join(", ")
            );
        }
    }
    Ok(set)
}
