//! `cwfilter replay`: replay recorded CloudTrail through the detectors and their alarms.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cwfilter::detectors::{Detector, Profile};
use cwfilter::replay::{
    calibrate, render, report, AlarmHistory, CalibratedAlarm, FileDone, Partial, Replay, Report,
    Setup,
};
use cwfilter::trail::{Input, ReadOptions};
use indicatif::{ProgressBar, ProgressStyle};

use super::input::{self, Destination};
use super::trail_paths::{self, S3Args, ThreadsArgs, WindowArgs};

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
    /// A config file (repeatable; `-` reads stdin), its kind detected from its content:
    /// simple-container YAML, `aws logs describe-metric-filters` or `aws cloudwatch
    /// describe-alarms` JSON. Without one, every detector of the profile with its defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// Detector profile: upstream (default) or securityhub.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: Profile,
    /// An older configuration to compare against (what-if diff).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Ground truth, JSON Lines {"eventID": "...", "label": "malicious"|"benign"} (`-` reads
    /// stdin).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Replay only this detector (repeatable); the others are left out of the report.
    #[arg(long = "detector", value_name = "KEY")]
    pub detectors: Vec<String>,
    /// No progress bar (it only ever shows on a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Exit 1 when the what-if loses a labelled incident the baseline caught (needs
    /// --baseline and labels).
    #[arg(long, requires = "baseline")]
    pub fail_on_lost: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report here instead of stdout (`-` is stdout); created before the trail is
    /// read.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// `aws cloudwatch describe-alarm-history --history-item-type StateUpdate --output json`
    /// (repeatable; pages may be concatenated): compare each replayed alarm's simulated fires
    /// with its real transitions into ALARM (the report's calibration section).
    #[arg(long, value_name = "FILE", conflicts_with = "partial_out")]
    pub alarm_history: Vec<PathBuf>,
    /// Write the replay's state (a partial replay, docs/partials.md) here instead of a report;
    /// `cwfilter merge` turns the partials of several replays into one report.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["format", "output", "fail_on_lost"])]
    pub partial_out: Option<PathBuf>,
    /// CloudTrail files or directories (recursive; gzip or not), `s3://bucket/prefix`
    /// (docs/s3.md), `-` for stdin. Default: the trail bundled in the binary (corpus/trail,
    /// with corpus/labels.jsonl as labels).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub s3: S3Args,
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

pub fn run(args: Args) -> ExitCode {
    args.threads.install();
    match replay(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cwfilter: {message}");
            ExitCode::from(2)
        }
    }
}

fn load_detectors(configs: &[PathBuf], profile: Profile) -> Result<Vec<Detector>, String> {
    let loaded = input::load_detectors(configs, profile).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("cwfilter: warning: {w}");
    }
    if loaded.detectors.is_empty() {
        let file = input::configs_label(configs);
        return Err(format!("{file}: enables no detector: nothing to replay"));
    }
    Ok(loaded.detectors)
}

/// Keeps the detectors `keys` names (all when empty); a key no configuration knows is an error.
fn select(
    keys: &[String],
    current: &mut Vec<Detector>,
    baseline: Option<&mut Vec<Detector>>,
) -> Result<(), String> {
    if keys.is_empty() {
        return Ok(());
    }
    let known = |k: &String, ds: &[Detector]| ds.iter().any(|d| &d.key == k);
    for key in keys {
        if !known(key, current) && !baseline.as_deref().is_some_and(|b| known(key, b)) {
            let all: Vec<&str> = current.iter().map(|d| d.key.as_str()).collect();
            return Err(format!(
                "--detector {key}: no such detector is enabled (enabled: {})",
                all.join(", ")
            ));
        }
    }
    current.retain(|d| keys.contains(&d.key));
    if let Some(b) = baseline {
        b.retain(|d| keys.contains(&d.key));
    }
    Ok(())
}

fn replay(args: Args) -> Result<ExitCode, String> {
    let window = args.window.window()?;
    let stdin_paths = args.paths.iter().any(|p| input::is_dash(p));
    input::one_stdin(&[
        ("--config", input::configs_stdin(&args.config)),
        ("--baseline", args.baseline.as_deref()),
        ("--labels", args.labels.as_deref()),
        ("PATH", stdin_paths.then(|| Path::new("-"))),
    ])?;
    if stdin_paths && input::waits_on_terminal(&args.paths) {
        return Err(input::NO_INPUT.to_owned());
    }
    // A bad output path fails now, not after the trail has been read.
    let destination = Destination::open(args.partial_out.as_deref().or(args.output.as_deref()))?;
    // No PATH: the trail and labels compiled into the binary (see bundled.rs).
    let bundled = args.paths.is_empty();
    let labels = input::labels(args.labels.as_deref(), bundled)?;
    let mut current = load_detectors(&args.config, args.profile)?;
    let mut baseline = match &args.baseline {
        Some(p) => Some(load_detectors(std::slice::from_ref(p), args.profile)?),
        None => None,
    };
    select(&args.detectors, &mut current, baseline.as_mut())?;
    if args.fail_on_lost && labels.is_none() {
        return Err("--fail-on-lost needs labels (--labels FILE)".to_owned());
    }
    let history = read_alarm_history(&args.alarm_history)?;
    // A deployed alarm's name is its AlarmName; a simple-container detector's, its key.
    let alarm_names: Vec<CalibratedAlarm> = current
        .iter()
        .map(|d| CalibratedAlarm {
            detector: d.key.clone(),
            alarm_name: d.alarm_name.clone().unwrap_or_else(|| d.key.clone()),
        })
        .collect();
    let replay = Replay::new(Setup {
        current,
        baseline,
        labels,
        window,
    })
    .map_err(|e| e.to_string())?;

    let all = trail_paths::find_or_bundled(&args.paths, &window, &args.s3)?;
    let s3_objects = all.s3_objects;
    let mut found = all.discovered;
    for p in trail_paths::drop_labels_file(&mut found.inputs, args.labels.as_deref()) {
        eprintln!(
            "cwfilter: {}: the --labels file, not read as a trail",
            p.display()
        );
    }
    let disk_total: u64 = found.inputs.iter().filter_map(Input::file_size).sum();
    let file_total = found.inputs.len() as u64;
    let bar = if args.no_progress || stdin_paths {
        None
    } else {
        progress_bar(disk_total, file_total)
    };
    let records = AtomicU64::new(0);
    let files = AtomicU64::new(0);
    let decompressed = AtomicU64::new(0);
    let on_file = |done: FileDone| {
        let n = records.fetch_add(done.records, Ordering::Relaxed) + done.records;
        let f = files.fetch_add(1, Ordering::Relaxed) + 1;
        let b = decompressed.fetch_add(done.bytes, Ordering::Relaxed) + done.bytes;
        if let Some(bar) = &bar {
            // Bytes and files as listed (on disk or in S3).
            bar.inc(done.disk_bytes);
            bar.set_message(progress_message(f, file_total, n, b, bar.elapsed()));
        }
    };
    let mut state = trail_paths::pool(s3_objects, &args.s3, || {
        replay.accumulate(&found.inputs, &ReadOptions::default(), &on_file)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Paths that could not even be listed are input errors like any other.
    for e in &found.errors {
        state.add_error(&e.path, None, &e.message);
    }
    if args.partial_out.is_some() {
        let partial = Partial::new(&replay, state);
        let errors = partial.input_errors();
        print_errors(&errors);
        if let Err(code) = destination.write(&partial.to_json()) {
            return Ok(code);
        }
        return Ok(if errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    let mut report = state.finish(replay.config());
    if let Some(history) = &history {
        report.calibration = Some(calibrate(&report, &alarm_names, history));
    }
    let named = || trail_paths::named(&args.paths);
    Ok(conclude(
        &report,
        args.format,
        destination,
        &named,
        args.fail_on_lost,
    ))
}

/// The alarm history files, read into one history (`None` without any).
fn read_alarm_history(files: &[PathBuf]) -> Result<Option<AlarmHistory>, String> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut history = AlarmHistory::default();
    for f in files {
        let text = input::read_text(f).map_err(|e| format!("cannot read alarm history {e}"))?;
        history
            .add_json(&text)
            .map_err(|e| format!("{}: {e}", input::label(f)))?;
    }
    Ok(Some(history))
}

fn print_errors(errors: &[report::InputError]) {
    for e in errors {
        // One location format: path:line:col (column 1 when the whole line is at fault).
        match e.line {
            Some(line) => eprintln!(
                "cwfilter: {}:{line}:{}: {}",
                e.path,
                e.column.unwrap_or(1),
                e.message
            ),
            None => eprintln!("cwfilter: {}: {}", e.path, e.message),
        }
    }
}

/// Everything after the report is built, shared by `replay` and `merge`: the input errors and
/// label warnings on stderr, the report, and the exit code. `named` names the inputs for the
/// "no CloudTrail records" error.
pub(super) fn conclude(
    report: &Report,
    format: FormatArg,
    destination: Destination,
    named: &dyn Fn() -> Vec<String>,
    fail_on_lost: bool,
) -> ExitCode {
    print_errors(&report.inputs.errors);
    if let Some(labels) = &report.labels {
        let total = labels.malicious + labels.benign;
        let seen = labels.malicious_seen + labels.benign_seen;
        if total > 0 && seen == 0 {
            eprintln!(
                "cwfilter: warning: none of the {total} labelled eventIDs is in the replayed trail: \
                 every fire counts as false"
            );
        } else if seen < total {
            eprintln!(
                "cwfilter: warning: {} of {total} labelled eventIDs are absent from the replayed trail",
                total - seen
            );
        }
    }
    let text = render::render(report, format.into());
    if let Err(code) = destination.write(&text) {
        return code;
    }
    // Records without an eventTime are not CloudTrail events (other JSON, plain lines).
    if report
        .inputs
        .events
        .saturating_sub(report.inputs.no_event_time)
        == 0
    {
        eprintln!(
            "cwfilter: no CloudTrail records found in {}",
            named().join(", ")
        );
        return ExitCode::from(2);
    }
    let lost = report
        .what_if
        .as_ref()
        .and_then(|w| w.lost_incidents.as_ref())
        .map_or(0, Vec::len);
    if !report.inputs.errors.is_empty() {
        ExitCode::from(2)
    } else if fail_on_lost && lost > 0 {
        eprintln!("cwfilter: the what-if loses {lost} labelled incident(s) the baseline caught");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress bar on stderr, only on a terminal: elapsed time, the bar (by bytes on disk, so
/// the time left is right for gzipped files), files done of all, events read, the throughput
/// of decompressed data, and the time left. As docs/guide.md describes it.
fn progress_bar(total_bytes: u64, total_files: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total_bytes);
    let style =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {msg}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(progress_message(0, total_files, 0, 0, Duration::ZERO));
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// The progress bar's counters: `3/12 files, 40213 events, 85.2 MB/s` (decompressed bytes
/// per second of `elapsed`).
fn progress_message(
    files: u64,
    total_files: u64,
    events: u64,
    decompressed: u64,
    elapsed: Duration,
) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        decompressed as f64 / secs / 1e6
    } else {
        0.0
    };
    format!("{files}/{total_files} files, {events} events, {rate:.1} MB/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_message_counts_files_events_and_decompressed_throughput() {
        assert_eq!(
            progress_message(3, 12, 40213, 170_400_000, Duration::from_secs(2)),
            "3/12 files, 40213 events, 85.2 MB/s"
        );
        assert_eq!(
            progress_message(0, 5, 0, 0, Duration::ZERO),
            "0/5 files, 0 events, 0.0 MB/s"
        );
    }
}
