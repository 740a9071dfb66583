//! The detector catalog, its YAML configuration and the exclusion compiler.
//!
//! - [`catalog`](mod@catalog): the 23 detectors of simple-container's `aws-cloudtrail-security-alerts`
//!   (profile `upstream`) and the 14 Security Hub CloudWatch.1-14 patterns (`securityhub`).
//! - [`load`]: reads a config (a top-level `alerts:` document or a simple-container
//!   server.yaml) and returns the enabled detectors, strict where upstream is silent.
//! - [`exclusions`]: upstream's override compiler, byte for byte.
//! - [`lint`]: static checks for mistakes CloudWatch accepts silently; [`lint_data`]: the
//!   checks that need a recorded trail.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::alarm::AlarmSpec;

pub mod catalog;
mod config;
pub mod exclusions;
pub mod lint;
pub mod lint_data;
mod sources;
mod yaml;

pub use catalog::{catalog, CatalogEntry};
pub use exclusions::{ExclusionClause, ExclusionKind, ExclusionLists};

/// CloudWatch's limit on a filter pattern (PutMetricFilter `filterPattern`, characters).
pub const MAX_PATTERN_LEN: usize = 1024;

/// Which built-in catalog to start from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// simple-container's 23 detectors (PR #277).
    #[default]
    Upstream,
    /// AWS Security Hub CloudWatch.1-14, exactly as prescribed (keys as upstream's).
    SecurityHub,
}

impl Profile {
    /// The profile's name on the command line (`upstream`, `securityhub`).
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Upstream => "upstream",
            Profile::SecurityHub => "securityhub",
        }
    }
}

/// A `--profile` name that is not one of [`Profile`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProfile(pub String);

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown profile `{}` (known: upstream, securityhub)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProfile {}

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, UnknownProfile> {
        match s {
            "upstream" => Ok(Profile::Upstream),
            "securityhub" => Ok(Profile::SecurityHub),
            _ => Err(UnknownProfile(s.to_owned())),
        }
    }
}

/// An enabled detector after configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Detector {
    /// Selector key (`iamPolicyChanges`) or the name of a custom detector.
    pub key: String,
    /// CloudWatch metric name.
    pub metric_name: String,
    /// What the detector watches for.
    pub description: String,
    /// Security Hub control (`CloudWatch.4`), for the CIS detectors.
    pub cis_control: Option<String>,
    /// The pattern before exclusions (the catalog's, or the custom one).
    pub base_pattern: String,
    /// The effective pattern, after exclusions: what CloudWatch would be given.
    pub pattern: String,
    /// The alarm on the detector's metric (for a filter no alarm watches, see `no_alarm`: then
    /// only its period is used, to group matches for attribution).
    pub alarm: AlarmSpec,
    /// A deployed metric filter that no alarm given watches: replayed for its matches, with no
    /// alarm simulated (no fires).
    pub no_alarm: bool,
    /// The exclusion clauses appended to the base pattern, in pattern order.
    pub exclusions: Vec<ExclusionClause>,
    /// Defined by the user (under `alerts.custom`, or a deployed metric filter), not built in.
    pub custom: bool,
    /// Where the config file enables and changes it, for findings that point at a line.
    pub origin: Origin,
    /// What the detector's metric filter publishes (a count of 1 per match for the catalog).
    pub metric: MetricFilterSpec,
    /// The deployed alarm's name, for detectors read from AWS, Terraform or CloudFormation.
    pub alarm_name: Option<String>,
    /// Where the detector was read from (`None` for the built-in catalogs and their YAML).
    pub source: Option<Source>,
}

/// A metric filter's transformation, beyond its pattern and metric name (docs/alarms.md).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFilterSpec {
    /// The metric namespace (`CISBenchmark`); empty for the catalog's detectors.
    pub namespace: String,
    /// `metricValue` as written: `1`, a number, `$.field` or `$field`.
    pub value: String,
    /// `defaultValue`: what each non-matching ingested event publishes.
    pub default_value: Option<f64>,
    /// Transformation dimensions: name -> `$.field` / `$field`.
    pub dimensions: BTreeMap<String, String>,
    /// The alarm's Dimensions: name -> value (the one series the alarm sees).
    pub alarm_dimensions: BTreeMap<String, String>,
    /// The log group the filter is on, when known.
    pub log_group: Option<String>,
}

impl Default for MetricFilterSpec {
    fn default() -> Self {
        MetricFilterSpec {
            namespace: String::new(),
            value: "1".to_owned(),
            default_value: None,
            dimensions: BTreeMap::new(),
            alarm_dimensions: BTreeMap::new(),
            log_group: None,
        }
    }
}

/// The file and resource a detector was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file, as given on the command line.
    pub file: String,
    /// The resource in it: `metric filter NAME`, `aws_cloudwatch_log_metric_filter.x`, ...
    pub resource: String,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.resource)
    }
}

/// Where a detector is written in its config file, as 1-based (line, column) pairs, so a
/// finding can point at the line to change. Empty for a detector of the default profile (no
/// config file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The selector that enables it (`iamPolicyChanges: true`), or the custom entry.
    pub enabled: Option<(u64, u64)>,
    /// A custom detector's `pattern:` value.
    pub pattern: Option<(u64, u64)>,
    /// Its `alerts.overrides.<key>` entry.
    pub overrides: Option<(u64, u64)>,
    /// Each exclusion list key under the override (`excludeUserNames:`).
    pub exclusions: Vec<(ExclusionKind, (u64, u64))>,
}

impl Origin {
    /// Where the exclusion list of `kind` is written, if it is.
    pub fn exclusion(&self, kind: ExclusionKind) -> Option<(u64, u64)> {
        self.exclusions
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, pos)| *pos)
    }
}

impl Detector {
    /// A detector of the built-in catalogs (not custom, not read from a deployment): its base
    /// pattern is the catalog's, which the config cannot change.
    pub fn is_builtin(&self) -> bool {
        !self.custom && self.source.is_none()
    }

    /// Effective pattern length in characters, as CloudWatch counts its 1024 limit.
    pub fn pattern_len(&self) -> usize {
        self.pattern.chars().count()
    }
}

/// An error or warning about a config, with where it is (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The config file, as displayed.
    pub file: String,
    /// 1-based (line, column), when known.
    pub position: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
    /// A one-line suggestion.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Why a config was rejected: every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Every problem, in file order.
    pub errors: Vec<Diagnostic>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The enabled detectors (sorted by key) and the warnings met on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The enabled detectors, sorted by key.
    pub detectors: Vec<Detector>,
    /// Warnings (unknown keys, ...).
    pub warnings: Vec<Diagnostic>,
}

/// Loads the detectors of `profile`: all of them with defaults when `config` is `None`,
/// otherwise exactly those the config enables, with its overrides and custom detectors.
pub fn load(config: Option<&Path>, profile: Profile) -> Result<Loaded, ConfigError> {
    match config {
        None => config::build(None, "<defaults>", profile),
        Some(path) => {
            let label = path.display().to_string();
            let text = crate::textfile::read_utf8(path).map_err(|e| {
                let (position, message) = match e {
                    crate::textfile::ReadTextError::Utf8 { line, column } => (
                        Some((line as u64, column as u64)),
                        "invalid UTF-8: configs must be UTF-8 text".to_owned(),
                    ),
                    e => (None, format!("cannot read config: {e}")),
                };
                ConfigError {
                    errors: vec![Diagnostic {
                        file: label.clone(),
                        position,
                        message,
                        help: None,
                    }],
                }
            })?;
            load_files(&[(label, text)], profile)
        }
    }
}

/// Loads the detectors of every config file (`(name, text)`, in command-line order): each
/// file's kind is detected from its content (see [`sources::Kind`]). simple-container configs
/// give their detectors; AWS CLI, Terraform and CloudFormation files are joined (an alarm with
/// the metric filters that publish its metric) and give one detector per watched filter. With
/// no file, the profile's defaults. All or nothing: any error rejects the whole set.
pub fn load_files(files: &[(String, String)], profile: Profile) -> Result<Loaded, ConfigError> {
    sources::load_files(files, profile)
}

pub use sources::Kind as ConfigKind;

/// [`load`] over config text; `file` names it in diagnostics.
pub fn load_str(text: &str, file: &str, profile: Profile) -> Result<Loaded, ConfigError> {
    load_files(&[(file.to_owned(), text.to_owned())], profile)
}
