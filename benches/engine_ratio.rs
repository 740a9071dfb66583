//! Load-robust ratios for the engine (prints a table): the variants of benches/engine.rs run
//! interleaved, round after round, and each keeps its fastest pass. On a shared machine the
//! minimum is the least disturbed measurement, and interleaving exposes every variant to the
//! same background load.
//!
//! Run: `cargo bench --bench engine_ratio` (ROUNDS=N to change the 40 rounds).

use std::hint::black_box;
use std::time::{Duration, Instant};

use cwfilter::detectors::{catalog, Profile};
use cwfilter::engine::PathTrie;
use cwfilter::engine::{Engine, Extraction};
use cwfilter::eval::Pattern;

const SAMPLE: &str = include_str!("data/cloudtrail-sample.jsonl");

type Variant<'a> = (&'a str, Box<dyn Fn(&[&str]) -> usize + 'a>);

fn patterns(profile: Profile) -> Vec<(String, Pattern)> {
    catalog(profile)
        .iter()
        .map(|d| {
            (
                d.key.clone(),
                Pattern::parse(&d.pattern).expect("catalog patterns parse"),
            )
        })
        .collect()
}

fn run(title: &str, recs: &[&str], variants: &[Variant<'_>], rounds: usize) {
    let bytes: usize = recs.iter().map(|r| r.len()).sum();
    let mut best = vec![Duration::MAX; variants.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in variants.iter().enumerate() {
            let t = Instant::now();
            black_box(f(recs));
            best[i] = best[i].min(t.elapsed());
        }
    }
    println!(
        "\n{title} ({} records, {} bytes, best of {rounds})",
        recs.len(),
        bytes
    );
    println!(
        "{:<34} {:>10} {:>12} {:>8}",
        "variant", "MiB/s", "records/s", "ratio"
    );
    let base = best[0].as_secs_f64();
    for ((name, _), d) in variants.iter().zip(&best) {
        let s = d.as_secs_f64();
        println!(
            "{:<34} {:>10.1} {:>12.0} {:>7.2}x",
            name,
            bytes as f64 / s / (1024.0 * 1024.0),
            recs.len() as f64 / s,
            base / s
        );
    }
}

fn main() {
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    let recs: Vec<&str> = SAMPLE.lines().filter(|l| !l.trim().is_empty()).collect();

    let upstream = patterns(Profile::Upstream);
    let trie = PathTrie::for_patterns(upstream.iter().map(|(_, p)| p.ast()));
    run(
        "extract: document for the 23 upstream detectors",
        &recs,
        &[
            (
                "full serde_json::Value",
                Box::new(|rs: &[&str]| {
                    rs.iter()
                        .filter(|r| serde_json::from_str::<serde_json::Value>(r).is_ok())
                        .count()
                }),
            ),
            (
                "partial (PathTrie)",
                Box::new(|rs: &[&str]| rs.iter().filter(|r| trie.extract(r).is_ok()).count()),
            ),
        ],
        rounds,
    );

    let single = |key: &str| -> Vec<(String, Pattern)> {
        patterns(Profile::SecurityHub)
            .into_iter()
            .filter(|(k, _)| k == key)
            .collect()
    };
    let suites: Vec<(&str, Vec<(String, Pattern)>)> = vec![
        ("all 23 upstream detectors", patterns(Profile::Upstream)),
        ("14 Security Hub patterns", patterns(Profile::SecurityHub)),
        (
            "single pattern: CloudWatch.1 root usage",
            single("rootAccountUsage"),
        ),
        (
            "single pattern: CloudWatch.4 IAM policy changes",
            single("iamPolicyChanges"),
        ),
    ];
    for (title, pats) in &suites {
        let pats = pats.as_slice();
        let engine = |x, pf| {
            Engine::new(
                pats.iter()
                    .map(|(k, p)| (k.clone(), Pattern::parse(&p.to_string()).expect("reparses")))
                    .collect(),
            )
            .with_extraction(x)
            .with_prefilter(pf)
        };
        let engines = [
            ("engine: full parse", engine(Extraction::Full, false)),
            ("engine: partial", engine(Extraction::Partial, false)),
            (
                "engine: full parse + prefilter",
                engine(Extraction::Full, true),
            ),
            (
                "engine: partial + prefilter",
                engine(Extraction::Partial, true),
            ),
        ];
        let mut variants: Vec<Variant<'_>> = vec![
            (
                "shared full parse + matches_json",
                Box::new(|rs: &[&str]| {
                    let mut n = 0;
                    for r in rs {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(r) {
                            n += pats.iter().filter(|(_, p)| p.matches_json(&v)).count();
                        }
                    }
                    n
                }),
            ),
            (
                "matches_message per pattern",
                Box::new(|rs: &[&str]| {
                    rs.iter()
                        .map(|r| pats.iter().filter(|(_, p)| p.matches_message(r)).count())
                        .sum()
                }),
            ),
        ];
        for (name, e) in &engines {
            variants.push((
                name,
                Box::new(move |rs: &[&str]| {
                    let mut scratch = e.scratch();
                    rs.iter()
                        .map(|r| e.eval_record_in(&mut scratch, r).map_or(0, |m| m.count()))
                        .sum()
                }),
            ));
        }
        // All variants must agree on the number of matches.
        let counts: Vec<usize> = variants.iter().map(|(_, f)| f(&recs)).collect();
        assert!(
            counts.windows(2).all(|w| w[0] == w[1]),
            "variants disagree: {counts:?}"
        );
        run(title, &recs, &variants, rounds);
    }
}
