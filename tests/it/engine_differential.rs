//! Differential tests: the optimized engine (literal prefilter + partial extraction) gives,
//! for every record and every pattern, the answer of the straightforward evaluator
//! (`Pattern::matches_message` on the raw text).
//!
//! Patterns: every pattern of corpus/conformance/*.jsonl that parses, plus the detector
//! patterns of upstream-detectors.yaml and cis-cloudwatch.yaml (tests/data/
//! engine_detector_patterns.jsonl). Records: the 4,122 CloudTrail records of the bundled trail
//! (corpus/trail, read with the trail reader, so with the whitespace of the delivered files)
//! plus every conformance event (many of them not JSON).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use cwfilter::detectors::{catalog, Profile};
use cwfilter::engine::{Engine, Extraction, MatchSet};
use cwfilter::eval::{Message, Pattern};
use cwfilter::trail::reader::{discover, read_input, Item, ReadOptions};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn conformance_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(root().join("corpus/conformance"))
        .expect("corpus/conformance")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}

/// Distinct pattern strings that parse, in a stable order.
fn all_patterns() -> Vec<(String, Pattern)> {
    let mut texts = BTreeSet::new();
    for f in conformance_files() {
        for case in jsonl(&f) {
            if let Some(p) = case["pattern"].as_str() {
                texts.insert(p.to_owned());
            }
        }
    }
    let detector_texts: Vec<String> =
        jsonl(&root().join("tests/data/engine_detector_patterns.jsonl"))
            .iter()
            .map(|d| d["pattern"].as_str().expect("pattern").to_owned())
            .collect();
    for t in &detector_texts {
        Pattern::parse(t).unwrap_or_else(|e| panic!("detector pattern must parse: {t}: {e}"));
        texts.insert(t.clone());
    }
    texts
        .into_iter()
        .filter_map(|t| Pattern::parse(&t).ok().map(|p| (t, p)))
        .collect()
}

/// The raw text of every record of the bundled trail, in reading order.
fn trail_records() -> Vec<String> {
    let found = discover(&[root().join("corpus/trail")], &|_| true);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let mut records = Vec::new();
    for input in &found.inputs {
        read_input(input, &ReadOptions::default(), &mut |item| {
            if let Item::Record { text, .. } = item {
                records.push(text.to_owned());
            }
        });
    }
    assert!(
        records.len() > 4000,
        "bundled trail: {} records",
        records.len()
    );
    records
}

fn all_records() -> Vec<String> {
    let mut records = trail_records();
    for f in conformance_files() {
        for case in jsonl(&f) {
            if let Some(e) = case["event"].as_str() {
                records.push(e.to_owned());
            }
        }
    }
    records
}

/// The reference: each pattern on its own, through the evaluator's message path (one shared
/// lazy parse per record, exactly what `matches_message` does per call).
fn reference(patterns: &[(String, Pattern)], raw: &str) -> MatchSet {
    let msg = Message::new(raw);
    let mut set = MatchSet::empty(patterns.len());
    for (i, (_, p)) in patterns.iter().enumerate() {
        if p.matches(&msg) {
            set.insert(i);
        }
    }
    set
}

fn answers(engine: &Engine, raw: &str) -> MatchSet {
    match engine.eval_record(raw) {
        Ok(m) => m,
        Err(e) => {
            assert!(
                serde_json::from_str::<serde_json::Value>(raw).is_err(),
                "engine called a JSON record not JSON: {e}: {raw}"
            );
            e.matches
        }
    }
}

fn check_all(patterns: Vec<(String, Pattern)>, records: &[String]) -> (usize, usize, u64) {
    let texts: Vec<String> = patterns.iter().map(|(t, _)| t.clone()).collect();
    let expected: Vec<MatchSet> = records.iter().map(|r| reference(&patterns, r)).collect();
    let engine = Engine::new(patterns);
    let full = Engine::new(
        texts
            .iter()
            .map(|t| (t.clone(), Pattern::parse(t).expect("parses")))
            .collect(),
    )
    .with_extraction(Extraction::Full)
    .with_prefilter(false);
    let mut matched = 0;
    for (raw, want) in records.iter().zip(&expected) {
        let got = answers(&engine, raw);
        if &got != want {
            let diff: Vec<&String> = (0..texts.len())
                .filter(|&i| got.contains(i) != want.contains(i))
                .map(|i| &texts[i])
                .collect();
            panic!("engine differs from evaluator on {raw}\npatterns: {diff:?}");
        }
        assert_eq!(&answers(&full, raw), want, "full-parse engine on {raw}");
        matched += want.count();
    }
    // The parallel helper gives the same answers in the same order.
    let (par, stats) = engine.eval_par(records);
    assert_eq!(par.len(), records.len());
    for (r, want) in par.iter().zip(&expected) {
        let got = match r {
            Ok(m) => m,
            Err(e) => &e.matches,
        };
        assert_eq!(got, want);
    }
    assert_eq!(stats.records, records.len() as u64);
    (texts.len(), matched, stats.parses_avoided)
}

#[test]
fn engine_equals_evaluator_on_corpus_and_conformance() {
    let patterns = all_patterns();
    assert!(
        patterns.len() > 300,
        "expected the conformance patterns, got {}",
        patterns.len()
    );
    let records = all_records();
    assert!(records.len() > 1000, "records: {}", records.len());
    let (n, matched, _) = check_all(patterns, &records);
    // Guard against a vacuous comparison: plenty of (record, pattern) pairs match.
    assert!(matched > 1000, "only {matched} matches over {n} patterns");
}

#[test]
fn detector_patterns_agree_on_the_bundled_trail() {
    let patterns: Vec<(String, Pattern)> =
        jsonl(&root().join("tests/data/engine_detector_patterns.jsonl"))
            .iter()
            .map(|d| {
                let t = d["pattern"].as_str().expect("pattern").to_owned();
                let p = Pattern::parse(&t).expect("parses");
                (t, p)
            })
            .collect();
    let records = trail_records();
    // (No parse is avoided here: the CIS v1.3 erratum pattern ORs `!=` terms, has no literal
    // and is JSON, so every record is parsed; the profiles below show the saving.)
    let (_, matched, _) = check_all(patterns, &records);
    assert!(matched > 50, "detectors matched only {matched} times");
}

#[test]
fn detector_profiles_avoid_most_parses_on_the_bundled_trail() {
    // Every catalog pattern names event names or sources, so most records of a trail contain
    // none of a conjunction's literals and are never parsed.
    let records = trail_records();
    for profile in [Profile::Upstream, Profile::SecurityHub] {
        let engine: Engine = Engine::new(
            catalog(profile)
                .iter()
                .map(|d| (d.key.clone(), Pattern::parse(&d.pattern).expect("parses")))
                .collect(),
        );
        let (_, stats) = engine.eval_par(&records);
        eprintln!("{profile:?}: {stats:?}");
        assert_eq!(stats.records, records.len() as u64);
        assert_eq!(stats.parsed + stats.parses_avoided, stats.records);
        assert!(
            stats.parses_avoided * 4 > stats.records * 3,
            "{profile:?}: prefilter avoided only {} of {} parses",
            stats.parses_avoided,
            stats.records
        );
    }
}

/// The whole corpus (not bundled): `CWFILTER_CORPUS_DIR=/path/to/corpus/normalized
/// cargo test --test engine_differential -- --ignored`.
#[test]
#[ignore = "needs CWFILTER_CORPUS_DIR"]
fn engine_equals_evaluator_on_full_corpus() {
    let Ok(dir) = std::env::var("CWFILTER_CORPUS_DIR") else {
        panic!("set CWFILTER_CORPUS_DIR");
    };
    let mut records = Vec::new();
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    for p in paths {
        let text = fs::read_to_string(&p).expect("read");
        records.extend(text.lines().map(str::to_owned));
    }
    let (n, matched, avoided) = check_all(all_patterns(), &records);
    eprintln!(
        "full corpus: {} records x {n} patterns, {matched} matches, {avoided} parses avoided",
        records.len()
    );
}
