//! The `plumb` command line: parses arguments, runs a subcommand, maps the outcome to an exit
//! status. The only crate that touches the terminal and calls `exit`.

mod commands;
mod config;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Parsing allocates a node per syntax element; mimalloc halves the time glibc malloc spends on
// them (measured in docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// plumb: a database engineer in one binary (PostgreSQL first).
#[derive(Parser)]
#[command(name = "plumb", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint migrations for locks, rewrites, breaking changes and data loss
    Lint(commands::lint::LintArgs),
    /// List every rule
    Rules(commands::rules::RulesArgs),
    /// Print a rule's documentation
    ExplainRule(commands::rules::ExplainArgs),
    /// Load a schema from migrations, a dump, a snapshot or a live database; review it,
    /// dump it, document it
    Schema(commands::schema::SchemaArgs),
    /// Read PostgreSQL server logs: the queries that cost the most, N+1 loops, errors, lock
    /// waits, temporary files; merge results of several runs
    Workload(commands::workload::WorkloadArgs),
}

/// Exit status: no finding at or above the fail level.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status: findings at or above the fail level.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage error or unreadable input.
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lint(args) => commands::lint::run(&args),
        Command::Rules(args) => commands::rules::run_list(&args),
        Command::ExplainRule(args) => commands::rules::run_explain(&args),
        Command::Schema(args) => commands::schema::run(&args),
        Command::Workload(args) => commands::workload::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`plumb lint | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(EXIT_CLEAN);
            }
            let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
