//! `cwfilter lint`: warnings, each with a stable id and a one-line fix, for detector mistakes
//! CloudWatch accepts silently. With a trail (PATH...), also what the exclusions and eventName
//! literals amount to on its events. Exit 0 without warnings, 1 with warnings, 2 on an error
//! (including an unreadable trail input).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;
use serde_json::{json, Value};

use cwfilter::detectors::lint::{self, Finding};
use cwfilter::detectors::lint_data::{Accumulator, TrailLint, TrailReport};
use cwfilter::detectors::{Diagnostic, Origin, Profile};
use cwfilter::trail::time::TimeWindow;
use cwfilter::trail::{read_input, Input, Item, ReadOptions};

use super::trail_paths::{self, S3Args};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter lint --config server.yaml\n  \
    cwfilter lint --config server.yaml AWSLogs/           # also check against recorded CloudTrail\n  \
    cwfilter lint --pattern '{ $.eventName = \"ConsoleLogin\" }' trail.json.gz\n  \
    cwfilter lint --config server.yaml --format sarif > cwfilter.sarif   # for code scanning\n  \
    cwfilter lint --configs .sc/stacks/*/server.yaml      # several configs (pre-commit)\n\n\
Exit status: 0 without warnings, 1 with warnings, 2 on an invalid config or pattern or an unreadable trail.")]
pub struct Args {
    /// Lint the detectors these config files define (repeatable, any kind `detectors`
    /// accepts; `-` reads stdin; default: every detector of the profile).
    #[arg(long, value_name = "FILE", conflicts_with = "pattern")]
    pub config: Vec<PathBuf>,
    /// Lint one filter pattern instead of detectors.
    #[arg(long, value_name = "PATTERN", conflicts_with = "pattern_file")]
    pub pattern: Option<String>,
    /// Lint each of these configs in turn, as `--config` would, for pre-commit and other tools
    /// that pass many files: text findings start with `FILE:LINE:COL:`. Takes every argument
    /// after it, so it cannot be followed by trail PATHs.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["config", "pattern", "pattern_file", "paths"])]
    pub configs: Vec<PathBuf>,
    /// Lint the filter pattern in FILE (`-` for stdin) instead of detectors.
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "config")]
    pub pattern_file: Option<PathBuf>,
    /// Built-in catalog: `upstream` or `securityhub`.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Recorded CloudTrail (files, directories or `s3://bucket/prefix`, as the replay takes)
    /// to check the exclusions and eventName literals against. Default: none (static checks
    /// only).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

/// What reading the trail gave.
struct TrailRun {
    report: TrailReport,
    inputs: usize,
    errors: Vec<String>,
}

pub fn run(args: Args) -> ExitCode {
    if !args.configs.is_empty() {
        return super::lint_configs::run(&args.configs, args.profile, args.format);
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut config_warnings: Vec<String> = Vec::new();
    let mut config_diagnostics: Vec<Diagnostic> = Vec::new();
    // Where each detector is written in the config, for SARIF locations.
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    let inline = args.pattern.as_deref();
    let trail_lint = if inline.is_some() || args.pattern_file.is_some() {
        let pattern = match super::input::pattern_text(inline, args.pattern_file.as_deref()) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("cwfilter: {e}");
                return ExitCode::from(2);
            }
        };
        match lint::lint_pattern(&pattern) {
            Ok(f) => findings = f,
            Err(e) => {
                super::input::pattern_error(&e, &pattern, inline.is_some());
                return ExitCode::from(2);
            }
        }
        // The pattern parsed above, so this cannot fail; an error would still be reported.
        TrailLint::for_pattern(&pattern).map_err(|e| ("pattern".to_owned(), e))
    } else {
        let loaded = match super::input::load_detectors(&args.config, args.profile) {
            Ok(loaded) => loaded,
            Err(e) => {
                for d in &e.errors {
                    eprintln!("cwfilter: {d}");
                }
                return ExitCode::from(2);
            }
        };
        super::input::warn_if_none(&loaded, &args.config);
        config_warnings = loaded.warnings.iter().map(ToString::to_string).collect();
        config_diagnostics.clone_from(&loaded.warnings);
        origins = loaded
            .detectors
            .iter()
            .map(|d| (d.key.clone(), d.origin.clone()))
            .collect();
        for d in &loaded.detectors {
            match lint::lint_detector(d) {
                Ok(f) => findings.extend(f),
                Err(e) => {
                    eprintln!("cwfilter: detector `{}` has an invalid pattern", d.key);
                    eprintln!("{}", super::input::rendered(&e));
                    return ExitCode::from(2);
                }
            }
        }
        TrailLint::for_detectors(&loaded.detectors).map_err(|e| ("a detector".to_owned(), e))
    };

    let trail = if args.paths.is_empty() {
        None
    } else {
        match trail_lint {
            Ok(t) => match lint_trail(&t, &args.paths, &args.s3) {
                Ok(run) => Some(run),
                Err(message) => {
                    eprintln!("cwfilter: {message}");
                    return ExitCode::from(2);
                }
            },
            Err((what, e)) => {
                eprintln!("cwfilter: {what} has an invalid pattern");
                eprintln!("{}", super::input::rendered(&e));
                return ExitCode::from(2);
            }
        }
    };
    if let Some(t) = &trail {
        findings.extend(t.report.findings.iter().cloned());
        for e in &t.errors {
            eprintln!("cwfilter: {e}");
        }
    }

    let text = match args.format {
        Format::Text => text(&config_warnings, &findings, trail.as_ref()),
        Format::Json => json(&config_warnings, &findings, trail.as_ref()),
        Format::Sarif => sarif_log(&args, &findings, &config_diagnostics, &origins),
    };
    if let Err(code) = super::output::print(&text) {
        return code;
    }

    let total = findings.len() + config_warnings.len();
    if let Some(t) = &trail {
        eprintln!(
            "checked against {} event{} from {} input{}",
            t.report.records,
            plural(t.report.records as usize),
            t.inputs,
            plural(t.inputs)
        );
    }
    if total > 0 {
        eprintln!("{total} warning{}", plural(total));
    }
    if trail.as_ref().is_some_and(|t| !t.errors.is_empty()) {
        ExitCode::from(2)
    } else if total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The SARIF log: findings located in the config file (or the `--pattern-file`).
fn sarif_log(
    args: &Args,
    findings: &[Finding],
    config_warnings: &[Diagnostic],
    origins: &BTreeMap<String, Origin>,
) -> String {
    let file = |p: &Option<PathBuf>| {
        p.as_deref()
            .filter(|p| !super::input::is_dash(p))
            .map(super::sarif::uri)
    };
    // Findings point into the first config file (the one a simple-container YAML is).
    let config_uri = file(&args.config.first().cloned());
    let pattern_uri = file(&args.pattern_file);
    let located: Vec<super::sarif::Located> = findings
        .iter()
        .map(|f| match &f.detector {
            Some(key) => super::sarif::Located {
                finding: f,
                uri: config_uri.as_deref(),
                position: origins.get(key).and_then(|o| f.position(o)),
            },
            None => super::sarif::Located {
                finding: f,
                uri: pattern_uri.as_deref(),
                position: pattern_uri.as_ref().map(|_| (1, 1)),
            },
        })
        .collect();
    let warnings: Vec<(&Diagnostic, Option<&str>)> = config_warnings
        .iter()
        .map(|w| (w, config_uri.as_deref()))
        .collect();
    super::sarif::render(&located, &warnings)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Reads every input (in parallel, one input per task) into the trail checks.
fn lint_trail(lint: &TrailLint, paths: &[PathBuf], s3: &S3Args) -> Result<TrailRun, String> {
    let all = trail_paths::find(paths, &TimeWindow::default(), &|_| true, s3)?;
    let opts = ReadOptions::default();
    let per_input: Vec<(Accumulator, Vec<String>)> = trail_paths::pool(all.s3_objects, s3, || {
        all.discovered
            .inputs
            .par_iter()
            .map(|input| read_one(lint, input, &opts))
            .collect()
    });
    let found = all.discovered;
    let mut errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
    let mut total = lint.accumulator();
    for (acc, errs) in per_input {
        total.merge(acc);
        errors.extend(errs);
    }
    Ok(TrailRun {
        report: lint.finish(&total),
        inputs: found.inputs.len(),
        errors,
    })
}

fn read_one(lint: &TrailLint, input: &Input, opts: &ReadOptions) -> (Accumulator, Vec<String>) {
    let mut acc = lint.accumulator();
    let mut errors = Vec::new();
    read_input(input, opts, &mut |item| match item {
        Item::Record { text, position } => {
            if let Err(e) = lint.observe(&mut acc, text) {
                errors.push(format!("{input}{position}: {e}"));
            }
        }
        // CloudWatch Logs never receives these; they count for nothing, as in the replay.
        Item::Oversize { .. } => {}
        Item::Error(e) => errors.push(e.to_string()),
    });
    (acc, errors)
}

fn text(config_warnings: &[String], findings: &[Finding], trail: Option<&TrailRun>) -> String {
    let mut out = String::new();
    for w in config_warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for f in findings {
        match &f.detector {
            Some(key) => out.push_str(&format!("warning[{}] {key}: {}\n", f.id, f.message)),
            None => out.push_str(&format!("warning[{}]: {}\n", f.id, f.message)),
        }
        out.push_str(&format!("  fix: {}\n", f.fix));
    }
    for u in trail.iter().flat_map(|t| &t.report.exclusions) {
        if u.removed == 0 {
            continue;
        }
        let values = u
            .values
            .iter()
            .map(|v| format!("{:?}: {}", v.value, v.removed))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "info {}: {} removed {} of the {} event{} the base pattern matched ({values})\n",
            u.detector,
            u.config_key,
            u.removed,
            u.base_matches,
            plural(u.base_matches as usize)
        ));
    }
    out
}

fn json(config_warnings: &[String], findings: &[Finding], trail: Option<&TrailRun>) -> String {
    let warnings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "id": f.id.code(),
                "name": f.id.name(),
                "detector": f.detector,
                "message": f.message,
                "fix": f.fix,
            })
        })
        .collect();
    let trail = trail.map(|t| {
        json!({
            "records": t.report.records,
            "inputs": t.inputs,
            "errors": t.errors,
            "exclusions": t.report.exclusions,
        })
    });
    let doc = json!({
        "configWarnings": config_warnings,
        "warnings": warnings,
        "trail": trail,
    });
    serde_json::to_string_pretty(&doc).map_or_else(
        |e| format!("{{\"error\": {:?}}}\n", e.to_string()),
        |s| s + "\n",
    )
}
