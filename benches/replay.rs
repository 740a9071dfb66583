//! All 23 upstream detectors over a small generated trail (about 12 MB of JSON, gzip
//! compressed in memory as S3 objects), one thread:
//!
//! - `gunzip`: decompression alone (flate2 with zlib-rs), the floor;
//! - `reader`: decompression plus splitting the objects into records;
//! - `reader_engine`: plus the one-pass engine over all 23 detectors (what the replay does
//!   per record before the alarm core).
//!
//! Throughput is uncompressed bytes. Run: `cargo bench --bench replay`. Whole-file numbers
//! against `gzip -dc` are in benches/compare.sh.

mod common;

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cwfilter::detectors::{load, Profile};
use cwfilter::engine::Engine;
use cwfilter::eval::Pattern;
use cwfilter::trail::reader::{read_from, Item, ReadOptions};
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

fn replay(c: &mut Criterion) {
    let objects = common::objects(10_000);
    let bytes: usize = objects.iter().map(Vec::len).sum();
    let gz: Vec<Vec<u8>> = objects
        .iter()
        .map(|o| {
            let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(o).expect("in-memory gzip");
            e.finish().expect("in-memory gzip")
        })
        .collect();
    let patterns: Vec<(String, Pattern)> = load(None, Profile::Upstream)
        .expect("bundled detectors load")
        .detectors
        .into_iter()
        .map(|d| {
            let p = Pattern::parse(&d.pattern).expect("detector pattern parses");
            (d.key, p)
        })
        .collect();
    assert_eq!(patterns.len(), 23);
    let engine = Engine::new(patterns);
    let opts = ReadOptions::default();

    let mut g = c.benchmark_group("replay23");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("gunzip", |b| {
        let mut buf = Vec::with_capacity(1 << 20);
        b.iter(|| {
            for z in &gz {
                buf.clear();
                MultiGzDecoder::new(&z[..])
                    .read_to_end(&mut buf)
                    .expect("valid gzip");
                black_box(buf.len());
            }
        })
    });
    g.bench_function("reader", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for z in &gz {
                read_from("bench", &z[..], &opts, &mut |item| {
                    n += usize::from(matches!(item, Item::Record { .. }))
                });
            }
            black_box(n)
        })
    });
    let mut scratch = engine.scratch();
    g.bench_function("reader_engine", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for z in &gz {
                read_from("bench", &z[..], &opts, &mut |item| {
                    if let Item::Record { text, .. } = item {
                        if let Ok(m) = engine.eval_record_in(&mut scratch, text) {
                            n += m.count();
                        }
                    }
                });
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(std::time::Duration::from_secs(3));
    targets = replay
}
criterion_main!(benches);
