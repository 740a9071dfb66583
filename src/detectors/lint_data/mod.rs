//! Lints that need a recorded trail: what the detectors' exclusions and eventName literals
//! amount to on real events.
//!
//! | id    | check |
//! |-------|-------|
//! | CW006 | an exclusion clause that removed none of the events its detector's base pattern matched |
//! | CW007 | an `eventName` literal that never occurs while a near variant does |
//!
//! The core is pure: [`TrailLint::observe`] takes each record's raw text (as the trail reader
//! yields it) into an [`Accumulator`]; accumulators of different inputs [`Accumulator::merge`];
//! [`TrailLint::finish`] turns the totals into findings and exclusion counts. Base patterns
//! run through the one-pass [`Engine`]; the clauses are evaluated (through a second engine)
//! only on the records some base pattern matched.
//!
//! A clause "holds" on a record when it keeps it. Clause `j` of a detector removed a record
//! when the base pattern matched the record and `{ <clause j> }` does not hold on it. A
//! detector whose base pattern matched nothing gives no CW006: there was nothing to remove.
//!
//! CW007 compares each literal with the distinct eventNames of the trail. A variant is a
//! case-insensitive equal, a versioned spelling (`CreateFunctionUrlConfig20211031`, Lambda's
//! dated eventNames, either way round), or, for user-written patterns only, a spelling within
//! Damerau-Levenshtein distance 2 whose leading verb is not a different AWS verb
//! (`PutBucketCors` is not a misspelt `GetBucketCors`). The built-in patterns name real
//! operations (upstream-notes.md §9), so only case and version drift can make them miss.
//! When the pattern pins the literal's eventSource, the variant must occur with that source.
//! A literal that never occurs without a variant is no finding: absence is not evidence.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::Value;

use crate::engine::{Engine, RecordError, Scratch};
use crate::eval::Pattern;
use crate::syntax::ParseError;

use super::exclusions::removed_by;
use super::lint::{event_name_literals, has_mid_star, EventNameLiteral, Finding, LintId};
use super::{Detector, ExclusionClause, ExclusionKind};

mod variants;

use self::variants::variant_finding;

/// The compiled trail checks for a set of detectors (or one bare pattern).
#[derive(Debug)]
pub struct TrailLint {
    /// Detectors with at least one exclusion clause.
    excluding: Vec<Excluding>,
    /// Base pattern of `excluding[i]` under key `i`.
    base: Engine<usize>,
    clauses: Engine<ClauseSlot>,
    literals: Vec<LiteralCheck>,
}

#[derive(Debug)]
struct Excluding {
    key: String,
    clauses: Vec<ExclusionClause>,
}

/// Which clause (or which value of a several-value clause) an entry of the clause engine is.
#[derive(Clone, Copy, Debug)]
struct ClauseSlot {
    detector: usize,
    clause: usize,
    /// `Some(v)`: the single-value clause for value `v` alone.
    value: Option<usize>,
}

#[derive(Debug)]
struct LiteralCheck {
    detector: Option<String>,
    literal: EventNameLiteral,
    /// Near spellings count as variants (user-written patterns).
    spellings: bool,
}

/// Running totals over some records.
#[derive(Debug)]
pub struct Accumulator {
    records: u64,
    base_matches: Vec<u64>,
    /// `[detector][clause]`: records removed.
    removed: Vec<Vec<u64>>,
    /// `[detector][clause][value]`: records each value alone removed (several-value clauses).
    removed_by_value: Vec<Vec<Vec<u64>>>,
    /// eventName -> eventSource -> records.
    names: HashMap<String, BTreeMap<String, u64>>,
    base_scratch: Scratch,
    clause_scratch: Scratch,
}

impl Accumulator {
    /// Adds `other`'s totals to these.
    pub fn merge(&mut self, other: Accumulator) {
        self.records += other.records;
        add_all(&mut self.base_matches, &other.base_matches);
        for (mine, theirs) in self.removed.iter_mut().zip(&other.removed) {
            add_all(mine, theirs);
        }
        for (mine, theirs) in self
            .removed_by_value
            .iter_mut()
            .zip(&other.removed_by_value)
        {
            for (m, t) in mine.iter_mut().zip(theirs) {
                add_all(m, t);
            }
        }
        for (name, sources) in other.names {
            let mine = self.names.entry(name).or_default();
            for (source, n) in sources {
                *mine.entry(source).or_default() += n;
            }
        }
    }

    /// Records observed.
    pub fn records(&self) -> u64 {
        self.records
    }
}

fn add_all(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// What one exclusion clause did over the trail (reported whether or not it removed anything).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExclusionUse {
    /// The detector's key.
    pub detector: String,
    /// The config list the clause came from.
    pub kind: ExclusionKind,
    /// The config key (`excludeUserArnGlobs`).
    pub config_key: &'static str,
    /// The field tested, without `$.`.
    pub field: String,
    /// The clause, as in the effective pattern.
    pub text: String,
    /// Records the detector's base pattern matched.
    pub base_matches: u64,
    /// Of those, records this clause removed.
    pub removed: u64,
    /// Per value (in clause order): records that value alone removed.
    pub values: Vec<ValueUse>,
}

/// What one value of a several-value clause removed on its own.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ValueUse {
    /// The value.
    pub value: String,
    /// Records this value alone removed.
    pub removed: u64,
}

/// The outcome of the trail checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailReport {
    /// Records read.
    pub records: u64,
    /// Every clause of every detector with exclusions, in detector then clause order.
    pub exclusions: Vec<ExclusionUse>,
    /// CW006 and CW007 warnings.
    pub findings: Vec<Finding>,
}

/// The two fields CW007 needs from each record; anything else is skipped unparsed.
#[derive(Deserialize)]
struct NameFields {
    #[serde(rename = "eventName")]
    name: Option<Value>,
    #[serde(rename = "eventSource")]
    source: Option<Value>,
}

impl TrailLint {
    /// The checks for configured detectors: their exclusions and their eventName literals.
    pub fn for_detectors(detectors: &[Detector]) -> Result<TrailLint, ParseError> {
        let mut excluding = Vec::new();
        let mut base = Vec::new();
        let mut clauses = Vec::new();
        let mut literals = Vec::new();
        for d in detectors {
            let pattern = Pattern::parse(&d.base_pattern)?;
            literals.extend(
                event_name_literals(pattern.ast())
                    .into_iter()
                    .map(|literal| LiteralCheck {
                        detector: Some(d.key.clone()),
                        literal,
                        spellings: d.custom,
                    }),
            );
            if d.exclusions.is_empty() {
                continue;
            }
            let detector = excluding.len();
            base.push((detector, pattern));
            for (clause, c) in d.exclusions.iter().enumerate() {
                let slot = ClauseSlot {
                    detector,
                    clause,
                    value: None,
                };
                clauses.push((slot, Pattern::parse(&c.pattern_text())?));
                if c.values.len() > 1 {
                    for value in 0..c.values.len() {
                        let slot = ClauseSlot {
                            value: Some(value),
                            ..slot
                        };
                        clauses.push((slot, Pattern::parse(&c.value_pattern_text(value))?));
                    }
                }
            }
            excluding.push(Excluding {
                key: d.key.clone(),
                clauses: d.exclusions.clone(),
            });
        }
        Ok(TrailLint {
            excluding,
            base: Engine::new(base),
            clauses: Engine::new(clauses),
            literals,
        })
    }

    /// The checks for one bare pattern (`lint --pattern`): its eventName literals, with near
    /// spellings as variants.
    pub fn for_pattern(pattern: &str) -> Result<TrailLint, ParseError> {
        let pattern = Pattern::parse(pattern)?;
        let literals = event_name_literals(pattern.ast())
            .into_iter()
            .map(|literal| LiteralCheck {
                detector: None,
                literal,
                spellings: true,
            })
            .collect();
        Ok(TrailLint {
            excluding: Vec::new(),
            base: Engine::new(Vec::new()),
            clauses: Engine::new(Vec::new()),
            literals,
        })
    }

    /// Empty totals, sized for these checks.
    pub fn accumulator(&self) -> Accumulator {
        Accumulator {
            records: 0,
            base_matches: vec![0; self.excluding.len()],
            removed: self
                .excluding
                .iter()
                .map(|d| vec![0; d.clauses.len()])
                .collect(),
            removed_by_value: self
                .excluding
                .iter()
                .map(|d| d.clauses.iter().map(|c| vec![0; c.values.len()]).collect())
                .collect(),
            names: HashMap::new(),
            base_scratch: self.base.scratch(),
            clause_scratch: self.clauses.scratch(),
        }
    }

    /// Takes one record (its raw JSON text) into `acc`. A record that is not JSON is
    /// returned as an error and counts for nothing.
    pub fn observe(&self, acc: &mut Accumulator, raw: &str) -> Result<(), RecordError> {
        acc.records += 1;
        if !self.literals.is_empty() {
            if let Ok(fields) = serde_json::from_str::<NameFields>(raw) {
                if let Some(Value::String(name)) = fields.name {
                    let source = match fields.source {
                        Some(Value::String(s)) => s,
                        _ => String::new(),
                    };
                    *acc.names
                        .entry(name)
                        .or_default()
                        .entry(source)
                        .or_default() += 1;
                }
            }
        }
        if self.base.is_empty() {
            return Ok(());
        }
        let matched = self.base.eval_record_in(&mut acc.base_scratch, raw)?;
        if matched.is_empty() {
            return Ok(());
        }
        for d in matched.iter() {
            acc.base_matches[d] += 1;
        }
        let held = self.clauses.eval_record_in(&mut acc.clause_scratch, raw)?;
        let slots = self.clauses.keys();
        for d in matched.iter() {
            // Whole clauses: the replay's attribution rule.
            let whole = slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.detector == d && s.value.is_none())
                .map(|(i, _)| held.contains(i));
            let mask = removed_by(whole);
            for (j, n) in acc.removed[d].iter_mut().enumerate() {
                if mask & (1u64 << j) != 0 {
                    *n += 1;
                }
            }
        }
        // Each value of a several-value clause on its own.
        for (i, slot) in slots.iter().enumerate() {
            if let Some(v) = slot.value {
                if matched.contains(slot.detector) && !held.contains(i) {
                    acc.removed_by_value[slot.detector][slot.clause][v] += 1;
                }
            }
        }
        Ok(())
    }

    /// The findings and counts for the totals in `acc`.
    pub fn finish(&self, acc: &Accumulator) -> TrailReport {
        let mut exclusions = Vec::new();
        let mut findings = Vec::new();
        for (d, det) in self.excluding.iter().enumerate() {
            let base_matches = acc.base_matches[d];
            for (j, clause) in det.clauses.iter().enumerate() {
                let removed = acc.removed[d][j];
                let values = clause
                    .values
                    .iter()
                    .enumerate()
                    .map(|(v, value)| ValueUse {
                        value: value.clone(),
                        removed: if clause.values.len() > 1 {
                            acc.removed_by_value[d][j][v]
                        } else {
                            removed
                        },
                    })
                    .collect();
                if base_matches > 0 && removed == 0 {
                    findings.push(removed_nothing(&det.key, clause, base_matches));
                }
                exclusions.push(ExclusionUse {
                    detector: det.key.clone(),
                    kind: clause.kind,
                    config_key: clause.kind.config_key(),
                    field: clause.field.clone(),
                    text: clause.text.clone(),
                    base_matches,
                    removed,
                    values,
                });
            }
        }
        let spelled: BTreeSet<&str> = self
            .literals
            .iter()
            .map(|l| l.literal.name.as_str())
            .collect();
        for check in &self.literals {
            if let Some(f) = variant_finding(check, &acc.names, &spelled) {
                findings.push(f);
            }
        }
        TrailReport {
            records: acc.records,
            exclusions,
            findings,
        }
    }
}

fn removed_nothing(key: &str, clause: &ExclusionClause, base_matches: u64) -> Finding {
    let values = clause
        .values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let events = if base_matches == 1 { "event" } else { "events" };
    let fix = if clause.values.iter().any(|v| has_mid_star(v)) {
        "CloudWatch takes a `*` in the middle of a value literally: use a trailing wildcard (arn:aws:sts::<account-id>:assumed-role/<role>/*) or excludePrincipalIds".to_owned()
    } else if clause.kind == ExclusionKind::UserNames {
        "assumed roles carry no userIdentity.userName: use excludeUserArnGlobs: [\"arn:aws:sts::<account-id>:assumed-role/<role>/*\"]".to_owned()
    } else {
        format!(
            "compare the values with the $.{} values of the matching events (cwfilter match), or drop the exclusion",
            clause.field
        )
    };
    Finding {
        id: LintId::ExclusionRemovedNothing,
        detector: Some(key.to_owned()),
        message: format!(
            "{} ({values}) removed none of the {base_matches} {events} the base pattern matched in the trail",
            clause.kind.config_key()
        ),
        fix,
        exclusion: Some(clause.kind),
        builtin: false,
    }
}
