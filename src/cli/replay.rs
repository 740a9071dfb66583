//! `cwfilter replay`: replay recorded CloudTrail through the detectors and their alarms.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cwfilter::detectors::{self, Detector, Profile};
use cwfilter::replay::time::{parse_bound, Bound};
use cwfilter::replay::{report, FileDone, Labels, Replay, Setup};
use cwfilter::trail::time::s3_key_in_window;
use cwfilter::trail::{discover, Input, ReadOptions};
use indicatif::{ProgressBar, ProgressStyle};

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
    pub profile: Profile,
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

/// The trail bundled with the source (see corpus/README.md), replayed when no PATH is given.
const BUNDLED_TRAIL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/trail");
/// Labels for the bundled trail, used with it unless `--labels` says otherwise.
const BUNDLED_LABELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/labels.jsonl");

pub fn run(args: Args) -> ExitCode {
    match replay(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cwfilter: {message}");
            ExitCode::from(2)
        }
    }
}

fn load_detectors(config: Option<&Path>, profile: Profile) -> Result<Vec<Detector>, String> {
    let loaded = detectors::load(config, profile).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    Ok(loaded.detectors)
}

fn replay(args: Args) -> Result<ExitCode, String> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_bound(s, Bound::Since))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_bound(s, Bound::Until))
        .transpose()?;
    let bundled = args.paths.is_empty();
    if bundled && !Path::new(BUNDLED_TRAIL).is_dir() {
        return Err(format!(
            "no PATH given, and the bundled trail this binary was built with ({BUNDLED_TRAIL}) \
             is gone: name a trail (files or directories, `-` for stdin)"
        ));
    }
    let paths = if bundled {
        vec![PathBuf::from(BUNDLED_TRAIL)]
    } else {
        args.paths.clone()
    };
    let labels_path = match (&args.labels, bundled) {
        (Some(p), _) => Some(p.clone()),
        (None, true) if Path::new(BUNDLED_LABELS).exists() => Some(PathBuf::from(BUNDLED_LABELS)),
        (None, _) => None,
    };
    let labels = match &labels_path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read labels {}: {e}", p.display()))?;
            Some(Labels::from_jsonl(&text).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let current = load_detectors(args.config.as_deref(), args.profile)?;
    let baseline = match &args.baseline {
        Some(p) => Some(load_detectors(Some(p), args.profile)?),
        None => None,
    };
    let replay = Replay::new(Setup {
        current,
        baseline,
        labels,
        since,
        until,
    })?;

    let mut found = discover(&paths, &|p| s3_key_in_window(p, since, until));
    // `cwfilter synth --out DIR` writes DIR/labels.jsonl next to the trail: replaying DIR
    // with those labels must not read the labels as (eventTime-less) records.
    if let Some(labels) = labels_path.as_deref().and_then(|p| p.canonicalize().ok()) {
        found.inputs.retain(|input| match input {
            Input::File(p) if p.canonicalize().ok().as_deref() == Some(labels.as_path()) => {
                eprintln!(
                    "cwfilter: {}: the --labels file, not read as a trail",
                    p.display()
                );
                false
            }
            _ => true,
        });
    }
    let disk_total: u64 = found.inputs.iter().filter_map(Input::file_size).sum();
    let bar = progress_bar(disk_total);
    let records = AtomicU64::new(0);
    let on_file = |done: FileDone| {
        let n = records.fetch_add(done.records, Ordering::Relaxed) + done.records;
        if let Some(bar) = &bar {
            bar.inc(done.disk_bytes);
            bar.set_message(format!("{n} events"));
        }
    };
    let mut report = replay.run(&found.inputs, &ReadOptions::default(), &on_file);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Paths that could not even be listed are input errors like any other.
    if !found.errors.is_empty() {
        let listed = &mut report.inputs.errors;
        listed.extend(found.errors.iter().map(|e| report::InputError {
            path: e.path.clone(),
            line: None,
            message: e.message.clone(),
        }));
        listed.sort();
        listed.truncate(report::MAX_ERRORS);
        report.inputs.error_count += found.errors.len() as u64;
    }
    for e in &report.inputs.errors {
        match e.line {
            Some(line) => eprintln!("cwfilter: {}:{line}: {}", e.path, e.message),
            None => eprintln!("cwfilter: {}: {}", e.path, e.message),
        }
    }
    let text = report::render(&report, args.format.into());
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => {
            if let Err(code) = super::output::print(&text) {
                return Ok(code);
            }
        }
    }
    Ok(if report.inputs.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// A progress bar on stderr (bytes read, events, throughput, ETA), only on a terminal.
fn progress_bar(total_bytes: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total_bytes);
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
