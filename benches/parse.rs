//! Parsing the 23 upstream detector patterns: patterns per second.
//!
//! - `syntax`: text -> AST (`cwfilter::syntax::parse`);
//! - `compile`: text -> evaluable [`Pattern`] (parse, validate, compile regexes);
//! - `engine`: the 23 patterns -> one-pass [`Engine`] (prefilter and path trie included).
//!
//! Run: `cargo bench --bench parse`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cwfilter::detectors::{load, Profile};
use cwfilter::engine::Engine;
use cwfilter::eval::Pattern;

fn parse(c: &mut Criterion) {
    let detectors = load(None, Profile::Upstream)
        .expect("bundled detectors load")
        .detectors;
    let texts: Vec<&str> = detectors.iter().map(|d| d.pattern.as_str()).collect();
    assert_eq!(texts.len(), 23);
    let mut g = c.benchmark_group("parse23");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("syntax", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(cwfilter::syntax::parse(t).ok());
            }
        })
    });
    g.bench_function("compile", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(Pattern::parse(t).ok());
            }
        })
    });
    g.bench_function("engine", |b| {
        b.iter(|| {
            let patterns = texts
                .iter()
                .filter_map(|t| Pattern::parse(t).ok().map(|p| (*t, p)))
                .collect();
            black_box(Engine::new(patterns))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = parse
}
criterion_main!(benches);
