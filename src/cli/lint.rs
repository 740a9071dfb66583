//! `cwfilter lint`: warnings, each with a stable id and a one-line fix, for detector mistakes
//! CloudWatch accepts silently. With a trail (PATH...), also what the exclusions and eventName
//! literals amount to on its events. Exit 0 without warnings, 1 with warnings, 2 on an error
//! (including an unreadable trail input).
//!
//! A finding about a built-in catalog pattern the config does not change is a note: shown (in
//! JSON and SARIF with level `note`) but not counted in the exit status. `--allow ID` drops a
//! check's findings, `--deny ID` counts them as warnings even on built-in patterns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use serde_json::{json, Value};

use cwfilter::detectors::lint::{self, Finding, LintId};
use cwfilter::detectors::lint_data::{Accumulator, TrailLint, TrailReport};
use cwfilter::detectors::{Diagnostic, Origin, Profile};
use cwfilter::trail::time::TimeWindow;
use cwfilter::trail::{read_input, Input, Item, ReadOptions};

use super::trail_paths::{self, S3Args, ThreadsArgs};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter lint --config server.yaml\n  \
    cwfilter lint --config server.yaml AWSLogs/           # also check against recorded CloudTrail\n  \
    cwfilter lint --pattern '{ $.eventName = \"ConsoleLogin\" }' trail.json.gz\n  \
    cwfilter lint --config server.yaml --format sarif > cwfilter.sarif   # for code scanning\n  \
    cwfilter lint --configs .sc/stacks/*/server.yaml      # several configs (pre-commit)\n  \
    cwfilter lint --deny CW004 --allow CW003 --config server.yaml\n\n\
Findings on built-in catalog patterns the config does not change are notes: shown, not counted.\n\
Exit status: 0 without warnings (notes allowed), 1 with warnings, 2 on an invalid config or pattern or an unreadable trail.")]
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
    /// Silence a check: its code (`CW004`) or name (`unscoped-event-name`); repeatable.
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub allow: Vec<LintId>,
    /// Count a check's findings toward the exit status (1) even on built-in catalog patterns,
    /// where they are otherwise notes; repeatable.
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub deny: Vec<LintId>,
    /// Recorded CloudTrail (files, directories or `s3://bucket/prefix`, as the replay takes)
    /// to check the exclusions and eventName literals against. Default: none (static checks
    /// only).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub s3: S3Args,
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

fn parse_id(text: &str) -> Result<LintId, String> {
    LintId::parse(text).ok_or_else(|| {
        let codes: Vec<&str> = LintId::ALL.iter().map(|id| id.code()).collect();
        format!("unknown lint id {text:?} (one of {})", codes.join(", "))
    })
}

/// How a finding is reported.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Counted toward the exit status.
    Warning,
    /// Shown, not counted: a built-in pattern the user cannot change.
    Note,
}

impl Level {
    /// The word in text output, and the SARIF and JSON level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// What `--allow` and `--deny` make of each finding.
pub struct Levels {
    allow: BTreeSet<LintId>,
    deny: BTreeSet<LintId>,
}

impl Levels {
    /// The levels of `--allow` and `--deny`; an id given to both is an error.
    pub fn new(allow: &[LintId], deny: &[LintId]) -> Result<Levels, String> {
        let allow: BTreeSet<LintId> = allow.iter().copied().collect();
        let deny: BTreeSet<LintId> = deny.iter().copied().collect();
        if let Some(both) = allow.intersection(&deny).next() {
            return Err(format!("{both} is given to both --allow and --deny"));
        }
        Ok(Levels { allow, deny })
    }

    /// How `f` is reported, or `None` when it is allowed (silenced).
    pub fn level(&self, f: &Finding) -> Option<Level> {
        if self.allow.contains(&f.id) {
            None
        } else if f.builtin && !self.deny.contains(&f.id) {
            Some(Level::Note)
        } else {
            Some(Level::Warning)
        }
    }

    /// The findings that are not allowed, each with its level.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<(Finding, Level)> {
        findings
            .into_iter()
            .filter_map(|f| self.level(&f).map(|l| (f, l)))
            .collect()
    }
}

/// `N warnings, M notes` for stderr (`None` when there is neither).
pub fn tally(warnings: usize, notes: usize) -> Option<String> {
    let count = |n: usize, word: &str| format!("{n} {word}{}", plural(n));
    match (warnings, notes) {
        (0, 0) => None,
        (w, 0) => Some(count(w, "warning")),
        (0, n) => Some(count(n, "note")),
        (w, n) => Some(format!("{}, {}", count(w, "warning"), count(n, "note"))),
    }
}

/// What reading the trail gave.
struct TrailRun {
    report: TrailReport,
    inputs: usize,
    errors: Vec<String>,
}

pub fn run(args: Args) -> ExitCode {
    args.threads.install();
    let levels = match Levels::new(&args.allow, &args.deny) {
        Ok(levels) => levels,
        Err(e) => {
            eprintln!("cwfilter: {e}");
            return ExitCode::from(2);
        }
    };
    if !args.configs.is_empty() {
        return super::lint_configs::run(&args.configs, args.profile, args.format, &levels);
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut config_warnings: Vec<String> = Vec::new();
    let mut config_diagnostics: Vec<Diagnostic> = Vec::new();
    // Where each detector is written (its file, when it names one, and its place in it), for
    // SARIF locations.
    let mut origins: BTreeMap<String, (Option<String>, Origin)> = BTreeMap::new();
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
            .map(|d| {
                let file = d.source.as_ref().map(|s| s.file.clone());
                (d.key.clone(), (file, d.origin.clone()))
            })
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

    let findings = levels.apply(findings);
    let text = match args.format {
        Format::Text => text(&config_warnings, &findings, trail.as_ref()),
        Format::Json => json(&config_warnings, &findings, trail.as_ref()),
        Format::Sarif => sarif_log(&args, &findings, &config_diagnostics, &origins),
    };
    if let Err(code) = super::output::print(&text) {
        return code;
    }

    let notes = findings.iter().filter(|f| f.1 == Level::Note).count();
    let total = findings.len() - notes + config_warnings.len();
    if let Some(t) = &trail {
        eprintln!(
            "checked against {} event{} from {} input{}",
            t.report.records,
            plural(t.report.records as usize),
            t.inputs,
            plural(t.inputs)
        );
    }
    if let Some(tally) = tally(total, notes) {
        eprintln!("{tally}");
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
    findings: &[(Finding, Level)],
    config_warnings: &[Diagnostic],
    origins: &BTreeMap<String, (Option<String>, Origin)>,
) -> String {
    let file = |p: &Option<PathBuf>| {
        p.as_deref()
            .filter(|p| !super::input::is_dash(p))
            .map(super::sarif::uri)
    };
    // A detector from a deployed config (AWS CLI, Terraform, CloudFormation) names its file;
    // the others come from the simple-container YAML, the first config file.
    let config_uri = file(&args.config.first().cloned());
    let detector_uri = |key: &str| {
        origins
            .get(key)
            .and_then(|(f, _)| f.as_deref())
            .filter(|f| !super::input::is_dash(Path::new(f)))
            .map(|f| super::sarif::uri(Path::new(f)))
            .or_else(|| config_uri.clone())
    };
    let pattern_uri = file(&args.pattern_file);
    let uris: Vec<Option<String>> = findings
        .iter()
        .map(|(f, _)| match &f.detector {
            Some(key) => detector_uri(key),
            None => pattern_uri.clone(),
        })
        .collect();
    let located: Vec<super::sarif::Located> = findings
        .iter()
        .zip(&uris)
        .map(|((f, level), uri)| super::sarif::Located {
            finding: f,
            level: *level,
            uri: uri.as_deref(),
            position: match &f.detector {
                Some(key) => origins.get(key).and_then(|(_, o)| f.position(o)),
                None => pattern_uri.as_ref().map(|_| (1, 1)),
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
                errors.push(format!(
                    "{}: {e}",
                    super::input::record_at(input, &position)
                ));
            }
        }
        // CloudWatch Logs never receives these; they count for nothing, as in the replay.
        Item::Oversize { .. } => {}
        Item::Error(e) => errors.push(e.to_string()),
    });
    (acc, errors)
}

fn text(
    config_warnings: &[String],
    findings: &[(Finding, Level)],
    trail: Option<&TrailRun>,
) -> String {
    let mut out = String::new();
    for w in config_warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for (f, level) in findings {
        let level = level.as_str();
        match &f.detector {
            Some(key) => out.push_str(&format!("{level}[{}] {key}: {}\n", f.id, f.message)),
            None => out.push_str(&format!("{level}[{}]: {}\n", f.id, f.message)),
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

fn json(
    config_warnings: &[String],
    findings: &[(Finding, Level)],
    trail: Option<&TrailRun>,
) -> String {
    let warnings: Vec<Value> = findings
        .iter()
        .map(|(f, level)| {
            json!({
                "id": f.id.code(),
                "name": f.id.name(),
                "level": level.as_str(),
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
