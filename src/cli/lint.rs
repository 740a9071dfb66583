//! `cwfilter lint`: warnings, each with a stable id and a one-line fix, for detector mistakes
//! CloudWatch accepts silently. Exit 0 without warnings, 1 with warnings, 2 on an error.

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::detectors::lint::{self, Finding};
use cwfilter::detectors::{self, Profile};

#[derive(clap::Args)]
pub struct Args {
    /// Lint the detectors this YAML config enables (default: every detector of the profile).
    #[arg(long, value_name = "FILE", conflicts_with = "pattern")]
    pub config: Option<PathBuf>,
    /// Lint one filter pattern instead of detectors.
    #[arg(long, value_name = "PATTERN")]
    pub pattern: Option<String>,
    /// Built-in catalog: `upstream` or `securityhub`.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: Profile,
    /// Recorded CloudTrail to check the detectors against (not available yet).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    if !args.paths.is_empty() {
        eprintln!("error: lint over a trail (PATH) is not available yet; run without PATH for the static checks");
        return ExitCode::from(2);
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut config_warnings = 0usize;
    if let Some(pattern) = &args.pattern {
        match lint::lint_pattern(pattern) {
            Ok(f) => findings = f,
            Err(e) => {
                eprintln!("{}", e.render());
                return ExitCode::from(2);
            }
        }
    } else {
        let loaded = match detectors::load(args.config.as_deref(), args.profile) {
            Ok(loaded) => loaded,
            Err(e) => {
                for d in &e.errors {
                    eprintln!("error: {d}");
                }
                return ExitCode::from(2);
            }
        };
        for w in &loaded.warnings {
            println!("warning: {w}");
        }
        config_warnings = loaded.warnings.len();
        for d in &loaded.detectors {
            match lint::lint_detector(d) {
                Ok(f) => findings.extend(f),
                Err(e) => {
                    eprintln!("error: detector `{}` has an invalid pattern", d.key);
                    eprintln!("{}", e.render());
                    return ExitCode::from(2);
                }
            }
        }
    }
    for f in &findings {
        match &f.detector {
            Some(key) => println!("warning[{}] {key}: {}", f.id, f.message),
            None => println!("warning[{}]: {}", f.id, f.message),
        }
        println!("  fix: {}", f.fix);
    }
    let total = findings.len() + config_warnings;
    if total == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{total} warning{}", if total == 1 { "" } else { "s" });
        ExitCode::from(1)
    }
}
