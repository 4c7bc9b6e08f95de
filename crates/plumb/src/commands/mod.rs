//! One module per subcommand.

pub mod lint;
pub mod rules;

use std::io::Write;

/// Writes to stdout, or atomically to a file (a temporary file renamed into place, so a failed
/// run never leaves a partial report).
pub fn emit(text: &str, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.plumb-tmp",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
            ));
            std::fs::write(&tmp, text).with_context(|| {
                format!(
                    "{}: cannot write the report; check the folder exists and is writable",
                    path.display()
                )
            })?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("{}: cannot write the report", path.display()))?;
        }
    }
    Ok(())
}
