//! The one-pass engine: many patterns compiled into one program that reads each raw record
//! once.
//!
//! For every record:
//! 1. one Aho-Corasick pass over the raw bytes (plus a `\u` check) gives the patterns that can
//!    possibly match (the literal prefilter);
//! 2. term, regex and space-delimited candidates are evaluated on the raw text, as CloudWatch
//!    Logs sees a CloudTrail event;
//! 3. if any JSON pattern is a candidate, the record is parsed once, keeping only the paths
//!    some JSON pattern reads (partial extraction), and every JSON candidate is evaluated on that
//!    document.
//!
//! The answers are those of [`Pattern::matches_message`] on the raw text, pattern by pattern;
//! tests/it/engine_differential.rs checks it. See docs/engine.md.

mod extract;
mod prefilter;

// Internals, public only for the benchmarks (benches/engine*.rs time extraction alone) and
// the prefilter soundness property test (tests/it/engine_props.rs); not part of the API.
#[doc(hidden)]
pub use extract::PathTrie;
#[doc(hidden)]
pub use prefilter::{requirement, Clause, Prefilter, PrefilterScratch, Requirement};

use std::fmt;

use rayon::prelude::*;

use crate::eval::Pattern;
use crate::syntax::ast::Ast;

/// How JSON candidates get their document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extraction {
    /// Only the paths the patterns read.
    Partial,
    /// `serde_json::from_str::<Value>` of the whole record.
    Full,
}

/// Many patterns, compiled to evaluate a record once for all of them.
#[derive(Debug)]
pub struct Engine<K = String> {
    keys: Vec<K>,
    patterns: Vec<Pattern>,
    /// Bitset of JSON patterns.
    json_mask: Vec<u64>,
    prefilter: Prefilter,
    trie: PathTrie,
    extraction: Extraction,
    prefilter_enabled: bool,
    has_json: bool,
}

impl<K> Engine<K> {
    /// Compiles `patterns`; a pattern's index in the vector is its index in every [`MatchSet`].
    pub fn new(patterns: Vec<(K, Pattern)>) -> Self {
        let (keys, patterns): (Vec<K>, Vec<Pattern>) = patterns.into_iter().unzip();
        let words = words_for(patterns.len());
        let mut json_mask = vec![0; words];
        for (i, p) in patterns.iter().enumerate() {
            if let Ast::Json(_) = p.ast() {
                prefilter::set_bit(&mut json_mask, i);
            }
        }
        let trie = PathTrie::for_patterns(patterns.iter().map(|p| p.ast()));
        let prefilter = Prefilter::new(patterns.iter().map(|p| p.ast()));
        let has_json = json_mask.iter().any(|w| *w != 0);
        Engine {
            keys,
            patterns,
            json_mask,
            prefilter,
            trie,
            extraction: Extraction::Partial,
            prefilter_enabled: true,
            has_json,
        }
    }

    /// Chooses how JSON documents are built (default: [`Extraction::Partial`]).
    pub fn with_extraction(mut self, extraction: Extraction) -> Self {
        self.extraction = extraction;
        self
    }

    /// Turns the literal prefilter off (every pattern is evaluated on every record); for
    /// measurements and tests.
    pub fn with_prefilter(mut self, enabled: bool) -> Self {
        self.prefilter_enabled = enabled;
        self
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether the engine has no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The key of pattern `i`.
    pub fn key(&self, i: usize) -> Option<&K> {
        self.keys.get(i)
    }

    /// The keys, in pattern order.
    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    /// Pattern `i`.
    pub fn pattern(&self, i: usize) -> Option<&Pattern> {
        self.patterns.get(i)
    }

    /// Number of distinct literals the prefilter searches.
    pub fn literal_count(&self) -> usize {
        self.prefilter.literal_count()
    }

    /// A fresh per-thread scratch (reused buffers and running statistics).
    pub fn scratch(&self) -> Scratch {
        Scratch {
            candidates: vec![0; self.json_mask.len()],
            prefilter: PrefilterScratch::default(),
            stats: Stats::default(),
        }
    }

    /// Evaluates every pattern on one raw record (a CloudWatch Logs message: for CloudTrail,
    /// the event's JSON text).
    ///
    /// A record that is not JSON is reported as a [`RecordError`] that still carries the
    /// answers of the term, regex and space-delimited patterns (JSON patterns never match
    /// it). Only records that some JSON pattern needed parsed are checked for JSON syntax.
    pub fn eval_record(&self, raw: &str) -> Result<MatchSet, RecordError> {
        self.eval_record_in(&mut self.scratch(), raw)
    }

    /// [`Engine::eval_record`] with a caller-kept scratch, which also counts statistics.
    pub fn eval_record_in(
        &self,
        scratch: &mut Scratch,
        raw: &str,
    ) -> Result<MatchSet, RecordError> {
        let words = self.json_mask.len();
        scratch.candidates.resize(words, 0);
        let candidates = &mut scratch.candidates;
        if self.prefilter_enabled {
            self.prefilter
                .candidates_with(raw.as_bytes(), candidates, &mut scratch.prefilter);
        } else {
            candidates.iter_mut().for_each(|w| *w = !0);
        }
        let stats = &mut scratch.stats;
        stats.records += 1;
        let mut matches = MatchSet::empty(self.patterns.len());
        let mut json_needed = false;
        for i in bits(candidates, self.patterns.len()) {
            if bit(&self.json_mask, i) {
                json_needed = true;
                continue;
            }
            stats.evaluations += 1;
            if self.patterns[i].matches_message(raw) {
                matches.insert(i);
            }
        }
        if !json_needed {
            if self.has_json {
                stats.parses_avoided += 1;
            }
            return Ok(matches);
        }
        stats.parsed += 1;
        let doc = match self.extraction {
            Extraction::Partial => self.trie.extract(raw),
            Extraction::Full => serde_json::from_str(raw),
        };
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                stats.not_json += 1;
                return Err(RecordError {
                    kind: RecordErrorKind::of(&e),
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                    matches,
                });
            }
        };
        for i in bits(candidates, self.patterns.len()) {
            if bit(&self.json_mask, i) {
                stats.evaluations += 1;
                if self.patterns[i].matches_json(&doc) {
                    matches.insert(i);
                }
            }
        }
        Ok(matches)
    }

    /// Evaluates many records across the rayon pool. Results are in input order and do not
    /// depend on the number of threads; the statistics are totals over all records.
    pub fn eval_par<S>(&self, records: &[S]) -> (Vec<Result<MatchSet, RecordError>>, Stats)
    where
        S: AsRef<str> + Sync,
        K: Sync,
    {
        let per_record: Vec<(Result<MatchSet, RecordError>, Stats)> = records
            .par_iter()
            .map_init(
                || self.scratch(),
                |scratch, raw| {
                    let before = scratch.stats;
                    let result = self.eval_record_in(scratch, raw.as_ref());
                    (result, scratch.stats.since(&before))
                },
            )
            .collect();
        let mut total = Stats::default();
        let results = per_record
            .into_iter()
            .map(|(r, s)| {
                total.add(&s);
                r
            })
            .collect();
        (results, total)
    }
}

fn words_for(n: usize) -> usize {
    n.div_ceil(64).max(1)
}

fn bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn bits(words: &[u64], len: usize) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(move |(wi, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(wi * 64 + b)
        })
        .take_while(move |&i| i < len)
    })
}

/// Per-thread state of an [`Engine`]: reused buffers and running statistics.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    candidates: Vec<u64>,
    prefilter: PrefilterScratch,
    /// Statistics of every record evaluated with this scratch.
    pub stats: Stats,
}

/// What the engine did, summed over records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records evaluated.
    pub records: u64,
    /// Records parsed as JSON (some JSON pattern was a candidate).
    pub parsed: u64,
    /// Records the prefilter let through without a parse, although JSON patterns exist.
    pub parses_avoided: u64,
    /// Parsed records that were not JSON.
    pub not_json: u64,
    /// Single pattern evaluations run.
    pub evaluations: u64,
}

impl Stats {
    fn since(&self, before: &Stats) -> Stats {
        Stats {
            records: self.records - before.records,
            parsed: self.parsed - before.parsed,
            parses_avoided: self.parses_avoided - before.parses_avoided,
            not_json: self.not_json - before.not_json,
            evaluations: self.evaluations - before.evaluations,
        }
    }

    /// Adds `other` to these totals.
    pub fn add(&mut self, other: &Stats) {
        self.records += other.records;
        self.parsed += other.parsed;
        self.parses_avoided += other.parses_avoided;
        self.not_json += other.not_json;
        self.evaluations += other.evaluations;
    }
}

/// The set of patterns (by index) that matched a record.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MatchSet {
    words: Vec<u64>,
    len: usize,
}

impl MatchSet {
    /// No match among `len` patterns.
    pub fn empty(len: usize) -> Self {
        MatchSet {
            words: vec![0; words_for(len)],
            len,
        }
    }

    /// Marks pattern `i` as matched (ignored if out of range).
    pub fn insert(&mut self, i: usize) {
        if i < self.len {
            prefilter::set_bit(&mut self.words, i);
        }
    }

    /// Whether pattern `i` matched.
    pub fn contains(&self, i: usize) -> bool {
        i < self.len && bit(&self.words, i)
    }

    /// The matched pattern indices, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        bits(&self.words, self.len)
    }

    /// Number of matched patterns.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether nothing matched.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Number of patterns the set is over.
    pub fn pattern_count(&self) -> usize {
        self.len
    }
}

impl fmt::Debug for MatchSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// How deep a record may nest (objects and arrays inside each other, the record's own object
/// counting as one) for JSON patterns to read it: serde_json's recursion limit (a budget of 128
/// that the 128th container exhausts), which bounds the stack. A deeper record may be valid
/// JSON, but no JSON pattern is evaluated on it: it is reported ([`RecordErrorKind::TooDeep`]),
/// never taken for a non-match.
pub const MAX_JSON_DEPTH: usize = 127;

/// Why JSON patterns could not read a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordErrorKind {
    /// The text is not JSON (a plain log line, a syntax error, a number out of range, a lone
    /// surrogate): JSON patterns do not match it (spec A12).
    NotJson,
    /// The record nests deeper than [`MAX_JSON_DEPTH`]: it may be valid JSON, but it was not
    /// evaluated, so whether JSON patterns match it is unknown.
    TooDeep,
}

impl RecordErrorKind {
    /// Classifies a parse error of a record.
    fn of(e: &serde_json::Error) -> Self {
        if crate::eval::is_recursion_limit(e) {
            RecordErrorKind::TooDeep
        } else {
            RecordErrorKind::NotJson
        }
    }
}

/// A record that some JSON pattern needed but could not read: not JSON, or nested too deep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// Not JSON, or too deep to evaluate.
    pub kind: RecordErrorKind,
    /// 1-based line of the JSON error within the record.
    pub line: usize,
    /// 1-based column of the JSON error.
    pub column: usize,
    /// serde_json's description.
    pub message: String,
    /// Answers for this record anyway: term, regex and space-delimited patterns see the text;
    /// JSON patterns do not match.
    pub matches: MatchSet,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}", self.what())
    }
}

impl RecordError {
    /// What is wrong with the record, for a message that names it in its own way
    /// (`record[3] is not JSON: ...`): [`Display`](fmt::Display) without the leading "record".
    pub fn what(&self) -> String {
        match self.kind {
            RecordErrorKind::NotJson => format!("is not JSON: {}", self.message),
            RecordErrorKind::TooDeep => format!(
                "is nested deeper than {MAX_JSON_DEPTH} levels (at line {} column {}), so JSON patterns were not evaluated on it",
                self.line, self.column
            ),
        }
    }
}

impl std::error::Error for RecordError {}
