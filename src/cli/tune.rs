//! `cwfilter tune`: propose the exclusions that bring the detectors' false fires under a
//! budget (the search is `cwfilter::tune`; this module owns the flags and the I/O).

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::detectors::Profile;
use cwfilter::trail::ReadOptions;
use cwfilter::tune::{tune, TuneSetup, DEFAULT_MAX_FIRES_PER_WEEK};

use super::input::{self, Destination};
use super::trail_paths::{self, S3Args, ThreadsArgs, WindowArgs};

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// The proposed config, preceded by comment lines summarising before/after.
    #[default]
    Yaml,
    /// `{"config", "suggestions", "before", "after", "unmet", "budget"}`.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The simple-container config to tune (`alerts:` or a server.yaml). Without one, every
    /// detector of the profile with its defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Detector profile: upstream (default) or securityhub.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: Profile,
    /// Ground truth, JSON Lines {"eventID": "...", "label": "malicious"|"benign"}. Without it
    /// every fire counts as false and no incident is known.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// The budget: false fires over all enabled detectors per 7 days of the window.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FIRES_PER_WEEK)]
    pub max_fires_per_week: u32,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    pub format: FormatArg,
    /// Write the output here instead of stdout (`-` is stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CloudTrail files or directories (recursive; gzip or not) or `s3://bucket/prefix`. Read
    /// more than once, so not stdin. Default: the trail bundled in the binary (corpus/trail,
    /// with corpus/labels.jsonl unless --labels is given), as `replay` does.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub s3: S3Args,
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

pub fn run(args: Args) -> ExitCode {
    match run_tune(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cwfilter: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_tune(args: Args) -> Result<ExitCode, String> {
    args.threads.install();
    let window = args.window.window()?;
    if args.paths.iter().any(|p| input::is_dash(p)) {
        return Err(
            "PATH -: tune reads the trail more than once; give files, directories or s3:// URLs"
                .to_owned(),
        );
    }
    input::one_stdin(&[
        (
            "--config",
            args.config.as_deref().filter(|p| input::is_dash(p)),
        ),
        (
            "--labels",
            args.labels.as_deref().filter(|p| input::is_dash(p)),
        ),
    ])?;
    let destination = Destination::open(args.output.as_deref())?;
    // No PATH: the trail and labels compiled into the binary, as `replay` reads them.
    let bundled = args.paths.is_empty();
    let labels = input::labels(args.labels.as_deref(), bundled)?;
    let configs: Vec<PathBuf> = args.config.iter().cloned().collect();
    let loaded = input::load_detectors(&configs, args.profile).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("cwfilter: warning: {w}");
    }
    if loaded.detectors.is_empty() {
        let file = input::configs_label(&configs);
        return Err(format!("{file}: enables no detector: nothing to tune"));
    }
    let found = trail_paths::find_or_bundled(&args.paths, &window, &args.s3)?;
    let mut inputs = found.discovered.inputs;
    // The labels file is never read as part of the trail.
    trail_paths::drop_labels_file(&mut inputs, args.labels.as_deref());
    let setup = TuneSetup {
        detectors: loaded.detectors,
        profile: args.profile,
        labels,
        window,
        max_fires_per_week: args.max_fires_per_week,
    };
    let tuned = trail_paths::pool(found.s3_objects, &args.s3, || {
        tune(setup, &inputs, &ReadOptions::default())
    })
    .map_err(|e| e.to_string())?;
    let report = &tuned.before_report;
    let mut errors: Vec<String> = found
        .discovered
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    errors.extend(report.inputs.errors.iter().map(|e| match e.line {
        Some(line) => format!("{}:{line}:{}: {}", e.path, e.column.unwrap_or(1), e.message),
        None => format!("{}: {}", e.path, e.message),
    }));
    for e in &errors {
        eprintln!("cwfilter: {e}");
    }
    if report
        .inputs
        .events
        .saturating_sub(report.inputs.no_event_time)
        == 0
    {
        return Err(format!(
            "no CloudTrail records found in {}",
            trail_paths::named(&args.paths).join(", ")
        ));
    }
    let text = match args.format {
        FormatArg::Yaml => tuned.config.clone(),
        FormatArg::Json => tuned.to_json(),
    };
    if let Err(code) = destination.write(&text) {
        return Ok(code);
    }
    eprintln!(
        "cwfilter: false fires {} -> {} (budget {}): {}",
        tuned.before.false_fires,
        tuned.after.false_fires,
        tuned.budget.allowed_false_fires,
        if tuned.budget.met { "met" } else { "NOT met" }
    );
    Ok(if !errors.is_empty() {
        ExitCode::from(2)
    } else if tuned.budget.met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
