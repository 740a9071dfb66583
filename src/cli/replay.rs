//! `cwfilter replay`: the flags of issue 5. The run itself is wired at integration (reader +
//! evaluator + detectors feeding `cwfilter::replay::Accumulator`); until then it says so.

use std::path::PathBuf;
use std::process::ExitCode;

/// Report formats, mapped onto `cwfilter::replay::Format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
}

impl From<FormatArg> for cwfilter::replay::Format {
    fn from(f: FormatArg) -> Self {
        use cwfilter::replay::Format;
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Detector configuration (YAML); without it, the profile's defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Detector profile: upstream (default) or securityhub.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: String,
    /// An older configuration to compare against (what-if diff).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Ground truth, JSON Lines {"eventID": "...", "label": "malicious"|"benign"}.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// First day (YYYY-MM-DD, inclusive) or RFC 3339 time to replay.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive) or RFC 3339 time to replay.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CloudTrail files or directories (recursive; gzip or not), `-` for stdin. Default: the
    /// bundled trail in corpus/.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("cwfilter: replay is not wired yet (the report core is in cwfilter::replay)");
    ExitCode::from(2)
}
