//! Command-line interface: clap definitions and dispatch. Each subcommand lives in its own
//! module with its `Args` and a `run` that returns the process exit code.
//!
//! Exit codes (as grep and ripgrep): 0 success / something matched, 1 the answer is "no"
//! (nothing matched, a conformance case failed), 2 usage, input or pattern error.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod aws_output;
mod bundled;
mod check;
mod completions;
mod detectors;
mod input;
mod lint;
mod lint_configs;
mod man;
mod match_cmd;
mod merge;
mod output;
mod parse;
mod replay;
mod sarif;
mod synth;
mod test_metric_filter;
mod trail_paths;
mod tune;

/// Evaluate Amazon CloudWatch Logs filter patterns offline, exactly as AWS does, and replay
/// recorded CloudTrail through CloudWatch metric-filter detectors and alarms.
#[derive(Parser)]
#[command(name = "cwfilter", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse a filter pattern and print its canonical form (or its AST as JSON).
    Parse(parse::Args),
    /// Run conformance cases (JSON Lines) and report failures.
    Check(check::Args),
    /// Print the events that match a pattern (grep for CloudTrail).
    Match(match_cmd::Args),
    /// List the enabled detectors after configuration.
    Detectors(detectors::Args),
    /// Warn about detector mistakes CloudWatch accepts silently.
    Lint(lint::Args),
    /// Replay recorded CloudTrail through the detectors and simulate their alarms.
    Replay(replay::Args),
    /// Propose the exclusions (and thresholds) that bring the detectors' false fires under a
    /// budget, keeping every labelled incident.
    Tune(tune::Args),
    /// Merge partial replays (`replay --partial-out`) into the report of one replay over all
    /// their inputs.
    Merge(merge::Args),
    /// Generate a realistic synthetic CloudTrail trail (S3 layout) with planted incidents.
    Synth(synth::Args),
    /// Offline `aws logs test-metric-filter`: same flags, same answer, same output formats.
    TestMetricFilter(test_metric_filter::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Print the manual page (roff).
    Man(man::Args),
}

/// The clap definition of the whole command line, for the generated completions and man page.
fn command() -> clap::Command {
    Cli::command()
}

/// Parses the command line and runs the chosen command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse(args) => parse::run(args),
        Command::Check(args) => check::run(args),
        Command::Match(args) => match_cmd::run(args),
        Command::Detectors(args) => detectors::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Tune(args) => tune::run(args),
        Command::Synth(args) => synth::run(args),
        Command::TestMetricFilter(args) => test_metric_filter::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}
