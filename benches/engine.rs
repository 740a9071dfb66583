//! Engine benchmarks over real CloudTrail records (benches/data/cloudtrail-sample.jsonl: 300
//! records from the licensed corpus sources, see benches/data/README.md).
//!
//! - `extract`: building the document. `full_value` is `serde_json::from_str::<Value>`;
//!   `partial_trie` keeps only the paths the 23 upstream detectors read.
//! - `detectors23` / `securityhub14`: all detectors of a profile on every record.
//!   `per_pattern_message` is the straightforward evaluator (`matches_message` per pattern:
//!   one parse per pattern); `shared_full_parse` parses once and calls `matches_json` per
//!   pattern; the `engine_*` variants add the prefilter and/or partial extraction.
//!
//! Run: `cargo bench --bench engine`. Throughput is bytes of record text.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cwfilter::detectors::{catalog, Profile};
use cwfilter::engine::PathTrie;
use cwfilter::engine::{Engine, Extraction};
use cwfilter::eval::Pattern;

const SAMPLE: &str = include_str!("data/cloudtrail-sample.jsonl");

fn records() -> Vec<&'static str> {
    SAMPLE.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn patterns(profile: Profile) -> Vec<(String, Pattern)> {
    catalog(profile)
        .iter()
        .map(|d| {
            let p = Pattern::parse(&d.pattern).expect("catalog patterns parse");
            (d.key.clone(), p)
        })
        .collect()
}

fn extraction(c: &mut Criterion) {
    let recs = records();
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    let pats = patterns(Profile::Upstream);
    let trie = PathTrie::for_patterns(pats.iter().map(|(_, p)| p.ast()));
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("full_value", |b| {
        b.iter(|| {
            for r in &recs {
                black_box(serde_json::from_str::<serde_json::Value>(r).ok());
            }
        })
    });
    g.bench_function("partial_trie", |b| {
        b.iter(|| {
            for r in &recs {
                black_box(trie.extract(r).ok());
            }
        })
    });
    g.finish();
}

fn all_detectors(c: &mut Criterion, name: &str, profile: Profile) {
    let recs = records();
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    let pats = patterns(profile);
    let engine = |extraction, prefilter| {
        Engine::new(patterns(profile))
            .with_extraction(extraction)
            .with_prefilter(prefilter)
    };
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("per_pattern_message", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &recs {
                for (_, p) in &pats {
                    n += usize::from(p.matches_message(r));
                }
            }
            black_box(n)
        })
    });
    g.bench_function("shared_full_parse", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &recs {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(r) {
                    for (_, p) in &pats {
                        n += usize::from(p.matches_json(&v));
                    }
                }
            }
            black_box(n)
        })
    });
    for (label, e) in [
        ("engine_full_noprefilter", engine(Extraction::Full, false)),
        (
            "engine_partial_noprefilter",
            engine(Extraction::Partial, false),
        ),
        ("engine_full_prefilter", engine(Extraction::Full, true)),
        (
            "engine_partial_prefilter",
            engine(Extraction::Partial, true),
        ),
    ] {
        let mut scratch = e.scratch();
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for r in &recs {
                    if let Ok(m) = e.eval_record_in(&mut scratch, r) {
                        n += m.count();
                    }
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn detectors(c: &mut Criterion) {
    all_detectors(c, "detectors23", Profile::Upstream);
    all_detectors(c, "securityhub14", Profile::SecurityHub);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = extraction, detectors
}
criterion_main!(benches);
