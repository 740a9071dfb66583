//! `cwfilter merge`: merge partial replays (`replay --partial-out`) into one report.

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::replay::Partial;

use super::input::{self, Destination};
use super::replay::{conclude, FormatArg};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report here instead of stdout (`-` is stdout); created before the partials
    /// are read.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the what-if loses a labelled incident the baseline caught (needs partials
    /// of a replay with --baseline and labels).
    #[arg(long)]
    pub fail_on_lost: bool,
    /// Partial replays written by `cwfilter replay --partial-out`, of the same configuration.
    #[arg(value_name = "PARTIAL", required = true)]
    pub partials: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    match merge(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cwfilter: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &std::path::Path) -> Result<Partial, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Partial::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn merge(args: Args) -> Result<ExitCode, String> {
    let destination = Destination::open(args.output.as_deref())?;
    let (first, rest) = args.partials.split_first().ok_or("no partial to merge")?;
    let mut total = read(first)?;
    for path in rest {
        total
            .merge(read(path)?)
            .map_err(|e| format!("{} and {}: {e}", first.display(), path.display()))?;
    }
    if args.fail_on_lost && total.fingerprint().baseline.is_none() {
        return Err("--fail-on-lost needs partials of a replay with --baseline".to_owned());
    }
    if args.fail_on_lost && total.fingerprint().labels.is_none() {
        return Err("--fail-on-lost needs partials of a replay with labels".to_owned());
    }
    let report = total.finish();
    let named = || args.partials.iter().map(|p| input::label(p)).collect();
    Ok(conclude(
        &report,
        args.format,
        destination,
        &named,
        args.fail_on_lost,
    ))
}
