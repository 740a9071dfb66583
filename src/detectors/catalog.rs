//! The built-in detector catalogs, embedded at build time.
//!
//! `upstream.yaml` and `securityhub.yaml` are generated mechanically from the research data
//! (scripts/gen-catalog.py), so every pattern is byte-identical to its source; the tests in
//! tests/it/detectors_catalog.rs compare them with copies of those data files.

use std::sync::LazyLock;

use serde::Deserialize;

use super::Profile;
use crate::alarm::{ComparisonOperator, Statistic, TreatMissingData};

/// One built-in detector with its defaults.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogEntry {
    /// The selector key under `alerts:` (e.g. `iamPolicyChanges`).
    pub key: String,
    /// CloudWatch metric name (`ct-iam-policy-changes`; `CloudWatch.4` in the Security Hub profile).
    pub metric_name: String,
    /// What the detector watches for, in one sentence.
    pub description: String,
    /// Security Hub control (`CloudWatch.4`), for the 14 CIS detectors.
    pub cis_control: Option<String>,
    /// The base filter pattern, exactly as upstream (or Security Hub) writes it.
    pub pattern: String,
    /// The pattern length recorded in the source data (characters).
    pub length: usize,
    /// Alarm threshold (matching events per period).
    pub threshold: f64,
    /// Alarm period in seconds.
    pub period: u32,
    /// Periods the alarm evaluates.
    pub evaluation_periods: u32,
    /// Always `Sum`: each matching event adds 1 to the metric.
    pub statistic: Statistic,
    /// Always `GreaterThanOrEqualToThreshold`.
    pub comparison_operator: ComparisonOperator,
    /// How the alarm treats periods without data.
    pub treat_missing_data: TreatMissingData,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    detectors: Vec<CatalogEntry>,
}

const UPSTREAM_YAML: &str = include_str!("upstream.yaml");
const SECURITYHUB_YAML: &str = include_str!("securityhub.yaml");

fn load(text: &str) -> Vec<CatalogEntry> {
    // Embedded build-time data, not user input: the catalog tests prove it parses.
    match serde_saphyr::from_str::<CatalogFile>(text) {
        Ok(file) => file.detectors,
        Err(e) => panic!("embedded detector catalog is invalid: {e}"),
    }
}

static UPSTREAM: LazyLock<Vec<CatalogEntry>> = LazyLock::new(|| load(UPSTREAM_YAML));
static SECURITYHUB: LazyLock<Vec<CatalogEntry>> = LazyLock::new(|| load(SECURITYHUB_YAML));

/// The detectors of `profile`, in catalog order.
pub fn catalog(profile: Profile) -> &'static [CatalogEntry] {
    match profile {
        Profile::Upstream => &UPSTREAM,
        Profile::SecurityHub => &SECURITYHUB,
    }
}

/// The 23 selector keys of upstream's `alerts:` block, valid in every profile.
pub fn selector_keys() -> impl Iterator<Item = &'static str> {
    UPSTREAM.iter().map(|e| e.key.as_str())
}
