//! Partial replays (`replay --partial-out`, `merge`): shards merged in any order give the
//! report one replay over all the inputs gives, byte for byte; partials of different configs
//! and damaged partials are refused by name (docs/partials.md).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cwfilter::detectors::{self, Profile};
use cwfilter::replay::{render, Format, Labels, Partial, Replay, Setup};
use cwfilter::trail::synth::{write_trail, SynthConfig};
use cwfilter::trail::{Input, ReadOptions};
use proptest::prelude::*;

use crate::support::{cwfilter, stderr, stdout, TempDir};

const CURRENT: &str = r#"alerts:
  rootAccountUsage: true
  iamPolicyChanges: true
  failedConsoleLogins: true
  unauthorizedApiCalls: true
  overrides:
    iamPolicyChanges:
      excludeInvokedBy: ["cloudformation.amazonaws.com"]
"#;

const BASELINE: &str = r#"alerts:
  iamPolicyChanges: true
  vpcChanges: true
  unauthorizedApiCalls: true
"#;

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// A synthetic trail (three days, incidents planted) with its config files.
struct Trail {
    dir: TempDir,
    files: Vec<PathBuf>,
}

impl Trail {
    fn labels(&self) -> PathBuf {
        self.dir.join("synth/labels.jsonl")
    }
    fn current(&self) -> PathBuf {
        self.dir.join("current.yaml")
    }
    fn baseline(&self) -> PathBuf {
        self.dir.join("baseline.yaml")
    }
}

fn trail() -> &'static Trail {
    static TRAIL: OnceLock<Trail> = OnceLock::new();
    TRAIL.get_or_init(|| {
        let dir = TempDir::new("partials");
        let cfg = SynthConfig {
            days: 3,
            events_per_day: 300,
            seed: 7,
            ..SynthConfig::default()
        };
        write_trail(&cfg, &dir.join("synth")).expect("synth writes");
        dir.write("current.yaml", CURRENT);
        dir.write("baseline.yaml", BASELINE);
        let files = files_under(&dir.join("synth/AWSLogs"));
        assert!(files.len() > 20, "{} files", files.len());
        Trail { dir, files }
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&std::ffi::OsStr]) -> Run {
    let o = cwfilter().args(args).output().expect("cwfilter runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: stdout(&o),
        stderr: stderr(&o),
    }
}

fn config_args(t: &Trail) -> Vec<PathBuf> {
    vec![
        "--config".into(),
        t.current(),
        "--baseline".into(),
        t.baseline(),
        "--labels".into(),
        t.labels(),
    ]
}

fn os(v: &[PathBuf]) -> Vec<&std::ffi::OsStr> {
    v.iter().map(|p| p.as_os_str()).collect()
}

/// Replays each shard to a partial; returns the partials' paths.
fn shard_partials(
    t: &Trail,
    out: &TempDir,
    shards: &[Vec<PathBuf>],
    expect_code: &[i32],
) -> Vec<PathBuf> {
    let mut partials = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let partial = out.join(format!("shard{i}.partial"));
        let mut args: Vec<PathBuf> = vec!["replay".into(), "--partial-out".into(), partial.clone()];
        args.extend(config_args(t));
        args.extend(shard.iter().cloned());
        let r = run(&os(&args));
        assert_eq!(r.code, expect_code[i], "shard {i}: {}", r.stderr);
        assert_eq!(r.stdout, "", "a partial goes to its file, not stdout");
        partials.push(partial);
    }
    partials
}

fn one_shot(t: &Trail, files: &[PathBuf], format: &str) -> Run {
    let mut args: Vec<PathBuf> = vec!["replay".into(), "--format".into(), format.into()];
    args.extend(config_args(t));
    args.extend(files.iter().cloned());
    run(&os(&args))
}

fn merge(partials: &[PathBuf], format: &str) -> Run {
    let mut args: Vec<PathBuf> = vec!["merge".into(), "--format".into(), format.into()];
    args.extend(partials.iter().cloned());
    run(&os(&args))
}

#[test]
fn cli_shards_merge_to_the_one_shot_report_in_every_format() {
    let t = trail();
    let out = TempDir::new("partials-cli");
    // Three shards, round robin: every alarm period straddles shards.
    let mut shards = vec![Vec::new(), Vec::new(), Vec::new()];
    for (i, f) in t.files.iter().enumerate() {
        shards[i % 3].push(f.clone());
    }
    let partials = shard_partials(t, &out, &shards, &[0, 0, 0]);
    for format in ["json", "table", "markdown", "csv", "html"] {
        let whole = one_shot(t, &t.files, format);
        assert_eq!(whole.code, 0, "{}", whole.stderr);
        let mut reversed = partials.clone();
        reversed.reverse();
        let merged = merge(&reversed, format);
        assert_eq!(merged.code, 0, "{}", merged.stderr);
        assert_eq!(merged.stdout, whole.stdout, "--format {format}");
        assert_eq!(merged.stderr, whole.stderr, "--format {format}");
    }
    // The report is not trivial: fires, incidents, a what-if.
    let report: serde_json::Value =
        serde_json::from_str(&merge(&partials, "json").stdout).expect("JSON");
    assert!(report["summary"]["fires"].as_u64().unwrap() > 0);
    assert!(report["labels"]["malicious_seen"].as_u64().unwrap() > 0);
    assert!(report["what_if"].is_object());
    assert!(report["detectors"][0].get("approximate").is_none());
}

#[test]
fn input_errors_in_a_shard_are_in_the_merged_report_and_exit_2() {
    let t = trail();
    let out = TempDir::new("partials-errors");
    let bad = out.write("bad/broken.json.gz", b"\x1f\x8b\x08\x00 this is no gzip");
    let (a, b) = t.files.split_at(t.files.len() / 2);
    let mut b = b.to_vec();
    b.push(bad.clone());
    let partials = shard_partials(t, &out, &[a.to_vec(), b], &[0, 2]);
    let mut all = t.files.clone();
    all.push(bad);
    let whole = one_shot(t, &all, "json");
    assert_eq!(whole.code, 2, "{}", whole.stderr);
    let merged = merge(&partials, "json");
    assert_eq!(merged.code, 2);
    assert_eq!(merged.stdout, whole.stdout);
    assert_eq!(merged.stderr, whole.stderr);
    assert!(
        merged.stderr.contains("broken.json.gz"),
        "{}",
        merged.stderr
    );
}

#[test]
fn partials_of_different_configs_are_refused_naming_the_first_difference() {
    let t = trail();
    let out = TempDir::new("partials-mismatch");
    let shard = &t.files[..4];
    let write = |name: &str, extra: &[&str]| -> PathBuf {
        let p = out.join(name);
        let mut args: Vec<PathBuf> = vec!["replay".into(), "--partial-out".into(), p.clone()];
        args.extend(config_args(t));
        args.extend(extra.iter().map(PathBuf::from));
        args.extend(shard.iter().cloned());
        let r = run(&os(&args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        p
    };
    let plain = write("plain.partial", &[]);
    let since = write("since.partial", &["--since", "2025-01-07"]);
    let one = write("one.partial", &["--detector", "rootAccountUsage"]);
    let r = merge(&[plain.clone(), since.clone()], "json");
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("plain.partial and "), "{}", r.stderr);
    assert!(
        r.stderr.contains("different configurations: since"),
        "{}",
        r.stderr
    );
    let r = merge(&[plain, one], "json");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("detectors[0]"), "{}", r.stderr);

    // A different detector set: a config that changes one pattern only.
    let other = out.write(
        "other.yaml",
        CURRENT.replace("cloudformation.amazonaws.com", "ec2.amazonaws.com"),
    );
    let p = out.join("other.partial");
    let mut args: Vec<PathBuf> = vec!["replay".into(), "--partial-out".into(), p.clone()];
    args.extend(["--config".into(), other, "--baseline".into(), t.baseline()]);
    args.extend(["--labels".into(), t.labels()]);
    args.extend(shard.iter().cloned());
    assert_eq!(run(&os(&args)).code, 0);
    let r = merge(&[out.join("plain.partial"), p], "json");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".pattern:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(detector iamPolicyChanges)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_corrupt_or_truncated_partial_is_an_error_naming_the_file() {
    let t = trail();
    let out = TempDir::new("partials-corrupt");
    let good = shard_partials(t, &out, &[t.files[..3].to_vec()], &[0]).remove(0);
    let text = std::fs::read_to_string(&good).expect("partial");
    let cases = [
        ("truncated.partial", text[..text.len() / 2].to_owned()),
        ("empty.partial", String::new()),
        ("report.partial", one_shot(t, &t.files[..3], "json").stdout),
        (
            "future.partial",
            text.replacen("\"version\":1", "\"version\":99", 1),
        ),
        (
            "negative.partial",
            text.replacen("\"files\":", "\"files\":-", 1),
        ),
    ];
    for (name, content) in cases {
        let bad = out.write(name, content);
        let r = merge(&[good.clone(), bad], "json");
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{name}");
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
        let expect = if name == "future.partial" {
            "format version 99"
        } else {
            "not a valid partial replay"
        };
        assert!(r.stderr.contains(expect), "{name}: {}", r.stderr);
    }
    let r = merge(&[out.join("missing.partial")], "json");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.partial"), "{}", r.stderr);
}

#[test]
fn partial_out_conflicts_with_report_flags() {
    let r = run(&os(&[
        "replay".into(),
        "--partial-out".into(),
        "x.partial".into(),
        "--format".into(),
        "json".into(),
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
}

/// The library's replay of the trail with the test config, for the property below.
fn library_replay(t: &Trail) -> &'static Replay {
    static REPLAY: OnceLock<Replay> = OnceLock::new();
    REPLAY.get_or_init(|| {
        let load = |p: &Path| {
            detectors::load(Some(p), Profile::Upstream)
                .expect("config")
                .detectors
        };
        let text = std::fs::read_to_string(t.labels()).expect("labels");
        Replay::new(Setup {
            current: load(&t.current()),
            baseline: Some(load(&t.baseline())),
            labels: Some(Labels::from_jsonl(&text).expect("labels parse")),
            window: Default::default(),
        })
        .expect("replay setup")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Any split of the files into shards, merged in any order, through the partial file
    /// format, gives the one-shot JSON report byte for byte.
    #[test]
    fn random_shards_in_random_order_merge_to_the_one_shot_report(
        shard_of in prop::collection::vec(0usize..5, 64),
        order in Just((0usize..5).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let t = trail();
        let replay = library_replay(t);
        let opts = ReadOptions::default();
        let inputs: Vec<Input> = t.files.iter().map(|p| Input::File(p.clone())).collect();
        let whole = render::render(&replay.run(&inputs, &opts, &|_| {}), Format::Json);
        let mut shards: Vec<Vec<Input>> = vec![Vec::new(); 5];
        for (i, input) in inputs.into_iter().enumerate() {
            shards[shard_of[i % shard_of.len()]].push(input);
        }
        let mut merged: Option<Partial> = None;
        for &s in &order {
            let part = Partial::new(replay, replay.accumulate(&shards[s], &opts, &|_| {}));
            let part = Partial::from_slice(part.to_json().as_bytes()).expect("reads back");
            match merged.as_mut() {
                None => merged = Some(part),
                Some(m) => m.merge(part).expect("same config"),
            }
        }
        let report = merged.expect("five shards").finish();
        prop_assert_eq!(render::render(&report, Format::Json), whole);
    }
}
