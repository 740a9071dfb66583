//! Shared setup for the benches: a synthetic trail generated in memory.

#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use cwfilter::trail::reader::{read_from, Item, ReadOptions};
use cwfilter::trail::synth::{generate_slot, plan_incidents, SynthConfig};

/// About `events` synthetic CloudTrail events (with planted incidents) as S3 objects
/// `{"Records":[...]}`, uncompressed, in delivery order.
pub fn objects(events: u64) -> Vec<Vec<u8>> {
    let cfg = SynthConfig {
        events_per_day: events,
        ..SynthConfig::default()
    };
    let incidents = plan_incidents(&cfg);
    (0..288)
        .flat_map(|slot| generate_slot(&cfg, slot, &incidents).objects)
        .map(|o| o.json)
        .collect()
}

/// The records of `objects` as one JSON Lines buffer (one record per line).
pub fn json_lines(objects: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for o in objects {
        read_from("bench", &o[..], &ReadOptions::default(), &mut |item| {
            if let Item::Record { text, .. } = item {
                out.push_str(text);
                out.push('\n');
            }
        });
    }
    out
}

/// Criterion settings for the benches over the generated trail: each iteration reads about
/// 12 MB, so few samples and a short warm-up; `measurement` is the time per benchmark.
pub fn criterion(measurement: Duration) -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measurement)
}
