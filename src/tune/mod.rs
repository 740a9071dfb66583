//! `cwfilter tune`: propose the exclusions (and, where single events or small bursts explain
//! the noise, thresholds) that bring the detectors' false fires under a budget, without ever
//! losing a labelled incident. docs/tune.md describes the rules.
//!
//! [`tune`] reads the trail once to keep the records the enabled detectors match, searches
//! over them (the alarm simulated exactly as the replay does), writes the proposed config, and
//! measures it: the "before" and "after" figures are the replay's own ([`crate::replay`]) over
//! the input config and over the proposed one, so `cwfilter replay --config <proposed>` gives
//! the same numbers.

use serde::Serialize;

use crate::detectors::{self, catalog, ConfigError, Detector, Diagnostic, ExclusionKind, Profile};
use crate::replay::{Labels, Replay, Report, Setup, SetupError};
use crate::trail::reader::{Input, ReadOptions};
use crate::trail::time::TimeWindow;

mod collect;
mod search;

use search::{Change, Det, Search};

/// Default of `--max-fires-per-week`.
pub const DEFAULT_MAX_FIRES_PER_WEEK: u32 = 2;

/// What to tune.
#[derive(Debug)]
pub struct TuneSetup {
    /// The enabled detectors of the input config (built-in catalog or simple-container YAML).
    pub detectors: Vec<Detector>,
    /// The catalog the config is read against.
    pub profile: Profile,
    /// Ground truth; without it every fire counts as false.
    pub labels: Option<Labels>,
    /// `--since`/`--until`.
    pub window: TimeWindow,
    /// The budget: false fires per 7 days of the window, over all detectors.
    pub max_fires_per_week: u32,
}

/// Why tuning could not run.
#[derive(Debug)]
pub enum TuneError {
    /// A detector read from a deployment (AWS CLI, Terraform, CloudFormation): tune writes a
    /// simple-container `alerts:` config, which cannot express it.
    Deployed(String),
    /// The replay cannot be set up (a pattern, an alarm).
    Setup(SetupError),
    /// The proposed config does not load (a bug: it is built from a config that loaded).
    Proposed(ConfigError),
}

impl std::fmt::Display for TuneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TuneError::Deployed(what) => write!(
                f,
                "{what}: tune writes a simple-container `alerts:` config, and a deployed metric filter is not one; tune the YAML it is deployed from"
            ),
            TuneError::Setup(e) => write!(f, "{e}"),
            TuneError::Proposed(e) => write!(f, "the proposed config does not load: {e}"),
        }
    }
}

impl std::error::Error for TuneError {}

impl From<SetupError> for TuneError {
    fn from(e: SetupError) -> Self {
        TuneError::Setup(e)
    }
}

/// Fires over all enabled detectors, as the replay counts them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Alarm fires.
    pub fires: u64,
    /// Fires whose alarm window holds no labelled malicious event (all fires without labels).
    pub false_fires: u64,
    /// `false_fires / fires`; `null` without fires.
    pub fp_rate: Option<f64>,
}

impl Figures {
    fn of(report: &Report) -> Figures {
        let fires = report.summary.fires;
        let false_fires = report.summary.false_fires.unwrap_or(fires);
        Figures {
            fires,
            false_fires,
            fp_rate: (fires > 0).then(|| false_fires as f64 / fires as f64),
        }
    }
}

/// One proposed change, in the order the search chose it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// The detector's key.
    pub detector: String,
    /// The config key: `excludeUserArnGlobs`, `excludeUserArns`, `excludeInvokedBy`,
    /// `excludeUserTypes` or `threshold`.
    pub setting: String,
    /// The value added to the list (a string), or the new threshold (a number).
    pub value: serde_json::Value,
    /// Fires it removed, given the suggestions before it.
    pub fires_removed: i64,
    /// Matched events it removed, given the suggestions before it (0 for a threshold).
    pub events_removed: u64,
    /// What the detector is blind to with it, in one line.
    pub blinds: String,
}

/// A detector whose false fires no safe change removes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unmet {
    /// The detector's key.
    pub detector: String,
    /// Its false fires under the proposed config.
    pub false_fires: u64,
    /// Why they stay.
    pub reason: String,
}

/// The budget and whether the proposed config meets it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Budget {
    /// `--max-fires-per-week`.
    pub max_fires_per_week: u32,
    /// The replay window in days.
    pub window_days: f64,
    /// False fires allowed over the window: `max_fires_per_week * window_days / 7`.
    pub allowed_false_fires: f64,
    /// Whether the proposed config's false fires are at most `allowed_false_fires`.
    pub met: bool,
}

/// What [`tune`] found.
#[derive(Debug)]
pub struct Tuned {
    /// The proposed config: comment lines summarising before/after, then the `alerts:` block.
    pub config: String,
    /// The changes, in the order chosen.
    pub suggestions: Vec<Suggestion>,
    /// The input config's figures (the replay's).
    pub before: Figures,
    /// The proposed config's figures (the replay's, over the same trail).
    pub after: Figures,
    /// Detectors whose false fires stay, and why.
    pub unmet: Vec<Unmet>,
    /// The budget.
    pub budget: Budget,
    /// The replay of the input config.
    pub before_report: Report,
    /// The replay of the proposed config.
    pub after_report: Report,
}

impl Tuned {
    /// The JSON output: `{"config", "suggestions", "before", "after", "unmet", "budget"}`.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            config: &'a str,
            suggestions: &'a [Suggestion],
            before: &'a Figures,
            after: &'a Figures,
            unmet: &'a [Unmet],
            budget: &'a Budget,
        }
        let out = Out {
            config: &self.config,
            suggestions: &self.suggestions,
            before: &self.before,
            after: &self.after,
            unmet: &self.unmet,
            budget: &self.budget,
        };
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Tunes `setup`'s detectors over `inputs` (read three times: the replay of the input config,
/// the search's pass, the replay of the proposed config).
pub fn tune(setup: TuneSetup, inputs: &[Input], opts: &ReadOptions) -> Result<Tuned, TuneError> {
    if let Some(d) = setup.detectors.iter().find(|d| d.source.is_some()) {
        let what = d
            .source
            .as_ref()
            .map_or_else(|| d.key.clone(), ToString::to_string);
        return Err(TuneError::Deployed(what));
    }
    let replay = |detectors: Vec<Detector>| -> Result<Report, TuneError> {
        let r = Replay::new(Setup {
            current: detectors,
            baseline: None,
            labels: setup.labels.clone(),
            window: setup.window,
        })?;
        Ok(r.run(inputs, opts, &|_| {}))
    };
    let before_report = replay(setup.detectors.clone())?;
    let collected = collect::collect(
        &setup.detectors,
        setup.labels.as_ref(),
        &setup.window,
        inputs,
        opts,
    )?;
    let start = setup.window.since.or(collected.min_time);
    let end = setup.window.until.or(collected.max_time);
    let span = start.zip(end).filter(|(s, e)| s <= e);
    // Whole seconds, both ends included: `--since D1 --until D2` spans whole days.
    let window_days = span.map_or(0.0, |(s, e)| (e - s + 1) as f64 / 86_400.0);
    let allowed = f64::from(setup.max_fires_per_week) * window_days / 7.0;

    let dets = setup
        .detectors
        .iter()
        .enumerate()
        .map(|(i, d)| Det::new(d, i, &collected.kept))
        .collect();
    let mut search = Search::new(&collected.kept, dets, span);
    search.run(allowed);
    let unmet: Vec<Unmet> = search
        .unmet()
        .into_iter()
        .map(|(det, false_fires, reason)| Unmet {
            detector: search.dets[det].key.clone(),
            false_fires,
            reason,
        })
        .collect();
    let suggestions: Vec<Suggestion> = search
        .accepted
        .iter()
        .map(|a| {
            let (setting, value) = match &a.change {
                Change::Exclude(c) => (
                    c.kind.config_key().to_owned(),
                    serde_json::Value::String(c.value.clone()),
                ),
                Change::Threshold(t) => (
                    "threshold".to_owned(),
                    serde_json::Number::from_f64(*t).map_or(serde_json::Value::Null, |n| {
                        if t.fract() == 0.0 {
                            serde_json::Value::from(*t as i64)
                        } else {
                            serde_json::Value::Number(n)
                        }
                    }),
                ),
            };
            Suggestion {
                detector: search.dets[a.det].key.clone(),
                setting,
                value,
                fires_removed: a.fires_removed,
                events_removed: a.events_removed,
                blinds: a.blinds.clone(),
            }
        })
        .collect();

    let body = yaml::alerts(&setup.detectors, &search.dets, setup.profile);
    let proposed =
        detectors::load_str(&body, "<proposed>", setup.profile).map_err(TuneError::Proposed)?;
    let after_report = replay(proposed.detectors)?;
    let before = Figures::of(&before_report);
    let after = Figures::of(&after_report);
    let budget = Budget {
        max_fires_per_week: setup.max_fires_per_week,
        window_days: (window_days * 100.0).round() / 100.0,
        allowed_false_fires: (allowed * 100.0).round() / 100.0,
        met: after.false_fires as f64 <= allowed,
    };
    let header = yaml::header(
        &before_report,
        &before,
        &after,
        &budget,
        &suggestions,
        &unmet,
        setup.labels.is_some(),
        &proposed.warnings,
    );
    Ok(Tuned {
        config: format!("{header}{body}"),
        suggestions,
        before,
        after,
        unmet,
        budget,
        before_report,
        after_report,
    })
}

mod yaml {
    //! Writing the proposed config: deterministic, every string JSON-quoted (a YAML
    //! double-quoted scalar), event-derived text only inside quotes.

    use std::fmt::Write as _;

    use super::search::{number, Det};
    use super::*;

    fn q(s: &str) -> String {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
    }

    fn pct(x: Option<f64>) -> String {
        x.map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn header(
        report: &Report,
        before: &Figures,
        after: &Figures,
        budget: &Budget,
        suggestions: &[Suggestion],
        unmet: &[Unmet],
        labelled: bool,
        warnings: &[Diagnostic],
    ) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# Proposed by `cwfilter tune` over {} to {}{}.",
            report.window.start.as_deref().unwrap_or("?"),
            report.window.end.as_deref().unwrap_or("?"),
            if labelled {
                ""
            } else {
                " (no labels: every fire counts as false)"
            }
        );
        let _ = writeln!(
            o,
            "# before: {} fires, {} false ({})",
            before.fires,
            before.false_fires,
            pct(before.fp_rate)
        );
        let _ = writeln!(
            o,
            "# after:  {} fires, {} false ({})",
            after.fires,
            after.false_fires,
            pct(after.fp_rate)
        );
        let _ = writeln!(
            o,
            "# budget: {} false fires per week over {} days = {}: {}",
            budget.max_fires_per_week,
            budget.window_days,
            budget.allowed_false_fires,
            if budget.met { "met" } else { "NOT met" }
        );
        if !suggestions.is_empty() {
            o.push_str("# Read what each change makes its detector blind to before merging:\n");
        }
        for s in suggestions {
            let _ = writeln!(
                o,
                "# - {} {} {}: {} fires, {} events removed",
                s.detector,
                s.setting,
                match &s.value {
                    serde_json::Value::String(v) => q(v),
                    v => v.to_string(),
                },
                s.fires_removed,
                s.events_removed
            );
            let _ = writeln!(o, "#   blinds: {}", s.blinds);
        }
        for u in unmet {
            let _ = writeln!(
                o,
                "# unmet: {} keeps {} false fire(s): {}",
                u.detector, u.false_fires, u.reason
            );
        }
        for w in warnings {
            let _ = writeln!(o, "# warning: {}", w.message.replace(['\n', '\r'], " "));
        }
        o
    }

    /// The `alerts:` block of the proposed config.
    pub(super) fn alerts(input: &[Detector], dets: &[Det], profile: Profile) -> String {
        let mut o = String::from("alerts:\n");
        let catalog = catalog(profile);
        for d in input.iter().filter(|d| !d.custom) {
            let _ = writeln!(o, "  {}: true", d.key);
        }
        let mut overrides = String::new();
        for (d, s) in input.iter().zip(dets) {
            let mut lines = String::new();
            if !d.custom {
                if let Some(e) = catalog.iter().find(|e| e.key == d.key) {
                    if s.alarm.threshold != e.threshold {
                        let _ = writeln!(lines, "      threshold: {}", number(s.alarm.threshold));
                    }
                    if d.alarm.period != e.period {
                        let _ = writeln!(lines, "      period: {}", d.alarm.period);
                    }
                    if d.alarm.evaluation_periods != e.evaluation_periods {
                        let _ = writeln!(
                            lines,
                            "      evaluationPeriods: {}",
                            d.alarm.evaluation_periods
                        );
                    }
                }
            }
            for kind in ExclusionKind::ALL {
                let mut values = s.lists.get(kind).to_vec();
                values.sort();
                values.dedup();
                values.retain(|v| !v.is_empty());
                if values.is_empty() {
                    continue;
                }
                let _ = writeln!(lines, "      {}:", kind.config_key());
                for v in values {
                    let _ = writeln!(lines, "        - {}", q(&v));
                }
            }
            if !lines.is_empty() {
                let _ = writeln!(overrides, "    {}:", d.key);
                overrides.push_str(&lines);
            }
        }
        if !overrides.is_empty() {
            o.push_str("  overrides:\n");
            o.push_str(&overrides);
        }
        let customs: Vec<(&Detector, &Det)> =
            input.iter().zip(dets).filter(|(d, _)| d.custom).collect();
        if !customs.is_empty() {
            o.push_str("  custom:\n");
            for (d, s) in customs {
                let a = &s.alarm;
                let _ = writeln!(o, "    - name: {}", q(&d.key));
                let _ = writeln!(o, "      pattern: {}", q(&d.base_pattern));
                if !d.description.is_empty() {
                    let _ = writeln!(o, "      description: {}", q(&d.description));
                }
                let _ = writeln!(o, "      metricName: {}", q(&d.metric_name));
                let _ = writeln!(o, "      threshold: {}", number(a.threshold));
                let _ = writeln!(o, "      period: {}", a.period);
                let _ = writeln!(o, "      evaluationPeriods: {}", a.evaluation_periods);
                let _ = writeln!(o, "      datapointsToAlarm: {}", a.datapoints_to_alarm);
                if let Ok(serde_json::Value::String(t)) = serde_json::to_value(a.treat_missing_data)
                {
                    let _ = writeln!(o, "      treatMissingData: {t}");
                }
            }
        }
        o
    }
}
