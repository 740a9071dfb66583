//! Single CIS patterns over uncompressed JSON Lines in memory (about 12 MB of synthetic
//! CloudTrail), as `cwfilter match` runs them: MB/s (`match_bytes`) and events/s
//! (`match_events`).
//!
//! - `engine/<key>`: the one-pass engine with the pattern alone, over the records;
//! - `reader_engine/<key>`: the JSON Lines reader plus the engine (the whole `match` path);
//! - `evaluator/<key>`: the straightforward evaluator (`Pattern::matches_message`), the
//!   baseline the engine's prefilter improves on.
//!
//! Run: `cargo bench --bench match`. The comparison with jq and grep is benches/compare.sh.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use cwfilter::engine::Engine;
use cwfilter::eval::Pattern;
use cwfilter::trail::reader::{read_from, Item, ReadOptions};

const CIS: [&str; 3] = [
    "rootAccountUsage",
    "unauthorizedApiCalls",
    "consoleLoginWithoutMfa",
];

fn pattern(key: &str) -> Pattern {
    let d = cwfilter::detectors::load(None, cwfilter::detectors::Profile::Upstream)
        .expect("bundled detectors load")
        .detectors
        .into_iter()
        .find(|d| d.key == key)
        .expect("detector exists");
    Pattern::parse(&d.pattern).expect("detector pattern parses")
}

fn variants(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    lines: &str,
    records: &[&str],
    with_evaluator: bool,
) {
    let opts = ReadOptions {
        plain_lines: true,
        ..ReadOptions::default()
    };
    for key in CIS {
        let p = pattern(key);
        let engine = Engine::new(vec![((), p.clone())]);
        let mut scratch = engine.scratch();
        g.bench_function(format!("engine/{key}"), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for r in records {
                    n += usize::from(match engine.eval_record_in(&mut scratch, r) {
                        Ok(m) => m.contains(0),
                        Err(e) => e.matches.contains(0),
                    });
                }
                black_box(n)
            })
        });
        g.bench_function(format!("reader_engine/{key}"), |b| {
            b.iter(|| {
                let mut n = 0usize;
                read_from("bench", lines.as_bytes(), &opts, &mut |item| {
                    if let Item::Record { text, .. } = item {
                        if let Ok(m) = engine.eval_record_in(&mut scratch, text) {
                            n += usize::from(m.contains(0));
                        }
                    }
                });
                black_box(n)
            })
        });
        if with_evaluator {
            g.bench_function(format!("evaluator/{key}"), |b| {
                b.iter(|| black_box(records.iter().filter(|r| p.matches_message(r)).count()))
            });
        }
    }
}

fn matching(c: &mut Criterion) {
    let lines = common::json_lines(&common::objects(10_000));
    let records: Vec<&str> = lines.lines().collect();
    let mut g = c.benchmark_group("match_bytes");
    g.throughput(Throughput::Bytes(lines.len() as u64));
    variants(&mut g, &lines, &records, true);
    g.finish();
    let mut g = c.benchmark_group("match_events");
    g.throughput(Throughput::Elements(records.len() as u64));
    variants(&mut g, &lines, &records, false);
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(std::time::Duration::from_secs(2));
    targets = matching
}
criterion_main!(benches);
