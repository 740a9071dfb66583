//! Engine benchmarks: full `serde_json::Value` parse vs partial extraction of the paths the
//! detectors read, over real CloudTrail records (benches/data/cloudtrail-sample.jsonl, 300
//! records drawn from the corpus; provenance alongside).
//!
//! Run: `cargo bench --bench engine`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cwfilter::engine::extract::PathTrie;
use cwfilter::syntax::ast::{Selector, Span, Step};

const SAMPLE: &str = include_str!("data/cloudtrail-sample.jsonl");

/// The selectors the 23 upstream detectors and the CIS patterns read.
const DETECTOR_SELECTORS: &[&str] = &[
    "additionalEventData.MFAUsed",
    "errorCode",
    "errorMessage",
    "eventName",
    "eventSource",
    "eventType",
    "requestParameters.authType",
    "responseElements.ConsoleLogin",
    "sourceIPAddress",
    "userIdentity.invokedBy",
    "userIdentity.type",
];

fn selector(path: &str) -> Selector {
    Selector {
        steps: path.split('.').map(|s| Step::Field(s.to_owned())).collect(),
        span: Span::default(),
    }
}

fn records() -> Vec<&'static str> {
    SAMPLE.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn extraction(c: &mut Criterion) {
    let recs = records();
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    let selectors: Vec<Selector> = DETECTOR_SELECTORS.iter().map(|s| selector(s)).collect();
    let trie = PathTrie::new(&selectors);
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

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = extraction
}
criterion_main!(benches);
