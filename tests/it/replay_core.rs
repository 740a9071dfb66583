//! The replay core on hand-built trails with hand-checked expectations.

use cwfilter::alarm::{AlarmSpec, TreatMissingData};
use cwfilter::replay::time::{parse_bound, Bound};
use cwfilter::replay::{
    Accumulator, DetectorSpec, Label, Labels, Observed, ReplayConfig, Report, SetupError, Verdicts,
};
use serde_json::{json, Value};

/// A CloudTrail-like record at `t` ("HH:MM:SS") on 2024-01-`day`.
fn rec(day: u32, t: &str, user: &str, name: &str, ip: &str, id: &str) -> Value {
    json!({
        "eventTime": format!("2024-01-{day:02}T{t}Z"),
        "eventName": name,
        "sourceIPAddress": ip,
        "eventID": id,
        "userIdentity": {"type": "IAMUser", "userName": user, "arn": format!("arn:aws:iam::1:user/{user}")},
    })
}

fn det(
    key: &str,
    threshold: f64,
    period: u32,
    n: u32,
    m: u32,
    t: TreatMissingData,
) -> DetectorSpec {
    DetectorSpec {
        key: key.into(),
        alarm: AlarmSpec {
            datapoints_to_alarm: m,
            treat_missing_data: t,
            ..AlarmSpec::new(threshold, period, n)
        },
        exclusions: Vec::new(),
        no_alarm: false,
    }
}

fn simple(key: &str, threshold: f64) -> DetectorSpec {
    det(key, threshold, 300, 1, 1, TreatMissingData::NotBreaching)
}

/// Replays `records`; `matcher(record, i)` says whether current detector `i` matched.
fn replay(
    cfg: &ReplayConfig,
    records: &[Value],
    matcher: impl Fn(&Value, usize) -> bool,
) -> Report {
    let mut acc = Accumulator::new(cfg);
    acc.add_file();
    for r in records {
        let cur: Vec<bool> = (0..cfg.detectors.len()).map(|i| matcher(r, i)).collect();
        acc.observe(
            cfg,
            r,
            &Verdicts {
                current: &cur,
                ..Verdicts::default()
            },
        );
    }
    acc.finish(cfg)
}

fn name_is(r: &Value, n: &str) -> bool {
    r["eventName"] == n
}

#[test]
fn adjacent_buckets_form_one_fire_and_days_are_by_firing_bucket() {
    let cfg = ReplayConfig::new(vec![simple("root", 1.0)]);
    let records = vec![
        rec(1, "00:00:10", "alice", "X", "1.1.1.1", "a"),
        rec(1, "00:04:59", "alice", "X", "1.1.1.1", "b"), // same bucket [00:00, 00:05)
        rec(1, "00:05:00", "bob", "X", "2.2.2.2", "c"),   // next bucket: same ALARM run
        rec(1, "00:20:00", "bob", "X", "2.2.2.2", "d"),   // gap -> second fire
        rec(1, "23:58:00", "carol", "X", "3.3.3.3", "e"), // run 23:55 .. 00:04 next day
        rec(2, "00:01:00", "carol", "X", "3.3.3.3", "f"), // continues the run: no new fire
        rec(2, "10:00:00", "carol", "Y", "3.3.3.3", "g"), // not matched
    ];
    let r = replay(&cfg, &records, |r, _| name_is(r, "X"));
    let d = &r.detectors[0];
    assert_eq!(d.matched, 6);
    assert_eq!(d.fires, 3);
    assert_eq!(
        d.fires_by_day,
        [("2024-01-01".to_string(), 3)].into_iter().collect()
    );
    assert_eq!(
        d.fire_times,
        [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:20:00Z",
            "2024-01-01T23:55:00Z"
        ]
    );
    assert_eq!(r.inputs.events, 7);
    assert_eq!(r.summary.matched_events, 6);
    assert_eq!(r.window.start.as_deref(), Some("2024-01-01T00:00:10Z"));
    assert_eq!(r.window.end.as_deref(), Some("2024-01-02T10:00:00Z"));
}

#[test]
fn fires_are_dated_by_the_day_of_the_transition() {
    let cfg = ReplayConfig::new(vec![simple("d", 1.0)]);
    let records = vec![
        rec(1, "23:59:00", "u", "X", "ip", "a"),
        rec(2, "00:00:30", "u", "X", "ip", "b"), // same run
        rec(2, "12:00:00", "u", "X", "ip", "c"),
        rec(3, "00:00:00", "u", "X", "ip", "d"),
    ];
    let r = replay(&cfg, &records, |_, _| true);
    let days: Vec<(&str, u64)> = r.detectors[0]
        .fires_by_day
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        days,
        [("2024-01-01", 1), ("2024-01-02", 1), ("2024-01-03", 1)]
    );
}

#[test]
fn threshold_ten_counts_per_bucket_not_per_run() {
    let cfg = ReplayConfig::new(vec![simple("unauth", 10.0)]);
    let mut records = Vec::new();
    // 9 in [01:00, 01:05): no fire.
    for s in 0..9 {
        records.push(rec(
            3,
            &format!("01:00:{s:02}"),
            "u",
            "X",
            "ip",
            &format!("a{s}"),
        ));
    }
    // 6 + 6 straddling 02:05: adjacent buckets, neither reaches 10: no fire.
    for s in 0..6 {
        records.push(rec(
            3,
            &format!("02:04:{s:02}"),
            "u",
            "X",
            "ip",
            &format!("b{s}"),
        ));
        records.push(rec(
            3,
            &format!("02:05:{s:02}"),
            "u",
            "X",
            "ip",
            &format!("c{s}"),
        ));
    }
    // Exactly 10 in [03:00, 03:05): one fire.
    for s in 0..10 {
        records.push(rec(
            3,
            &format!("03:01:{s:02}"),
            "u",
            "X",
            "ip",
            &format!("d{s}"),
        ));
    }
    // 25 over [04:00, 04:10): two breaching adjacent buckets, one fire.
    for s in 0..25 {
        records.push(rec(
            3,
            &format!("04:0{}:{:02}", s / 3, s),
            "u",
            "X",
            "ip",
            &format!("e{s}"),
        ));
    }
    let r = replay(&cfg, &records, |_, _| true);
    let d = &r.detectors[0];
    assert_eq!(d.matched, 9 + 12 + 10 + 25);
    assert_eq!(d.fires, 2);
    assert_eq!(
        d.fire_times,
        ["2024-01-03T03:00:00Z", "2024-01-03T04:00:00Z"]
    );
}

#[test]
fn two_of_three_periods() {
    let cfg = ReplayConfig::new(vec![det(
        "m",
        1.0,
        300,
        3,
        2,
        TreatMissingData::NotBreaching,
    )]);
    let at = |t: &str| rec(5, t, "u", "X", "ip", t);
    // Breaching buckets 0 (00:00) and 2 (00:10): 2 of 3 at bucket 2 -> fire at 00:10.
    // Bucket 10 (00:50) alone: 1 of 3. Buckets 20, 21 (01:40, 01:45): fire at 01:45.
    let records = vec![
        at("00:00:01"),
        at("00:10:00"),
        at("00:50:00"),
        at("01:40:00"),
        at("01:45:00"),
    ];
    let r = replay(&cfg, &records, |_, _| true);
    assert_eq!(
        r.detectors[0].fire_times,
        ["2024-01-05T00:10:00Z", "2024-01-05T01:45:00Z"]
    );
}

#[test]
fn treat_missing_data_modes_differ_on_gaps() {
    let at = |t: &str| rec(6, t, "u", "X", "ip", t);
    let records = vec![at("00:00:00"), at("00:10:00"), at("00:30:00")];
    let fires = |t| {
        let cfg = ReplayConfig::new(vec![det("d", 1.0, 300, 1, 1, t)]);
        replay(&cfg, &records, |_, _| true).detectors[0].fires
    };
    // Window 00:00 .. 00:30 = buckets 0..6. Breaching periods: 0, 2, 6.
    assert_eq!(fires(TreatMissingData::NotBreaching), 3);
    assert_eq!(fires(TreatMissingData::Missing), 3);
    // ignore: ALARM from bucket 0 is kept across every gap.
    assert_eq!(fires(TreatMissingData::Ignore), 1);
    // breaching: every period breaches (data or gap): one run over the whole window.
    assert_eq!(fires(TreatMissingData::Breaching), 1);
}

#[test]
fn since_and_until_bound_the_window_and_prune_events() {
    let mut cfg = ReplayConfig::new(vec![simple("d", 1.0)]);
    cfg.window.since = Some(parse_bound("2024-01-02", Bound::Since).unwrap());
    cfg.window.until = Some(parse_bound("2024-01-02", Bound::Until).unwrap());
    let records = vec![
        rec(1, "23:59:59", "u", "X", "ip", "a"),
        rec(2, "00:00:00", "u", "X", "ip", "b"),
        rec(2, "23:59:59", "u", "X", "ip", "c"),
        rec(3, "00:00:00", "u", "X", "ip", "d"),
        json!({"eventName": "X"}),
        json!({"eventTime": "yesterday"}),
    ];
    let r = replay(&cfg, &records, |_, _| true);
    assert_eq!(r.inputs.events, 6);
    assert_eq!(r.inputs.outside_window, 2);
    assert_eq!(r.inputs.no_event_time, 2);
    assert_eq!(r.detectors[0].matched, 2);
    assert_eq!(r.window.start.as_deref(), Some("2024-01-02T00:00:00Z"));
    assert_eq!(r.window.end.as_deref(), Some("2024-01-02T23:59:59Z"));
}

#[test]
fn inputs_count_oversize_and_errors() {
    let cfg = ReplayConfig::new(vec![simple("b", 1.0), simple("a", 1.0)]);
    let mut acc = Accumulator::new(&cfg);
    acc.add_file();
    acc.add_file();
    acc.add_oversize();
    acc.add_error("z.json.gz", None, "not gzip");
    acc.add_error("a.jsonl", Some(3), "expected a JSON object");
    let r0 = rec(1, "00:00:00", "u", "X", "ip", "a");
    let verdicts = Verdicts {
        current: &[false, false],
        ..Verdicts::default()
    };
    assert_eq!(acc.observe(&cfg, &r0, &verdicts), Observed::Counted);
    let r = acc.finish(&cfg);
    assert_eq!(
        (r.inputs.files, r.inputs.events, r.inputs.oversize_skipped),
        (2, 2, 1)
    );
    assert_eq!(r.inputs.error_count, 2);
    assert_eq!(r.inputs.errors[0].path, "a.jsonl");
    assert_eq!(r.inputs.errors[0].line, Some(3));
    // Every enabled detector listed, sorted by key, even with nothing matched.
    let keys: Vec<&str> = r.detectors.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    assert!(r.detectors.iter().all(|d| d.matched == 0 && d.fires == 0));
    // The JSON contract's required keys.
    let v: Value = serde_json::from_str(&cwfilter::replay::render::json::render(&r)).unwrap();
    for k in ["files", "events", "oversize_skipped", "errors"] {
        assert!(v["inputs"].get(k).is_some(), "{k}");
    }
    assert_eq!(
        v["inputs"]["errors"][1],
        json!({"path": "z.json.gz", "message": "not gzip"})
    );
    assert!(v["window"].get("start").is_some() && v["window"].get("end").is_some());
    for k in ["key", "matched", "fires", "fires_by_day", "top_principals"] {
        assert!(v["detectors"][0].get(k).is_some(), "{k}");
    }
    assert_eq!(v["detectors"][0]["false_positive_rate"], Value::Null);
}

#[test]
fn attribution_by_matched_and_by_fires() {
    let cfg = ReplayConfig::new(vec![simple("d", 3.0)]);
    let mut records = Vec::new();
    // alice: 5 events an hour apart, never 3 in one bucket -> no fire of her own.
    for h in 0..5 {
        let t = format!("{:02}:00:00", h + 1);
        records.push(rec(1, &t, "alice", "GetX", "10.0.0.1", &format!("a{h}")));
    }
    // bob: 3 events in one bucket with 1 of carol's -> a fire at 12:00 (4 events).
    for s in 0..3 {
        records.push(rec(
            1,
            &format!("12:00:0{s}"),
            "bob",
            "PutY",
            "10.0.0.2",
            &format!("b{s}"),
        ));
    }
    records.push(rec(1, "12:01:00", "carol", "GetX", "10.0.0.3", "c0"));
    let r = replay(&cfg, &records, |_, _| true);
    let d = &r.detectors[0];
    assert_eq!(d.fires, 1);
    let p: Vec<(&str, u64, u64, u64)> = d
        .top_principals
        .iter()
        .map(|p| (p.principal.as_str(), p.matched, p.fires, p.fire_events))
        .collect();
    assert_eq!(
        p,
        [("alice", 5, 0, 0), ("bob", 3, 1, 3), ("carol", 1, 1, 1)]
    );
    assert_eq!(d.top_principals[0].identity_type, "IAMUser");
    let pf: Vec<&str> = d
        .top_principals_by_fires
        .iter()
        .map(|p| p.principal.as_str())
        .collect();
    assert_eq!(pf, ["bob", "carol"]);
    let names: Vec<(&str, u64)> = d
        .top_event_names
        .iter()
        .map(|e| (e.event_name.as_str(), e.matched))
        .collect();
    assert_eq!(names, [("GetX", 6), ("PutY", 3)]);
    assert_eq!(d.top_event_names_by_fires[0].event_name, "PutY");
    assert_eq!(d.top_source_ips[0].source_ip, "10.0.0.1");
    assert_eq!(d.top_source_ips_by_fires.len(), 2);
}

#[test]
fn distinct_values_beyond_the_cap_go_to_other() {
    let mut cfg = ReplayConfig::new(vec![simple("d", 1.0)]);
    cfg.key_cap = 2;
    let records: Vec<Value> = ["u1", "u2", "u3", "u4", "u1"]
        .iter()
        .enumerate()
        .map(|(i, u)| rec(1, &format!("0{i}:00:00"), u, "X", "ip", &format!("e{i}")))
        .collect();
    let r = replay(&cfg, &records, |_, _| true);
    let p: Vec<(&str, u64)> = r.detectors[0]
        .top_principals
        .iter()
        .map(|p| (p.principal.as_str(), p.matched))
        .collect();
    assert_eq!(p, [("u1", 2), ("u2", 1), ("(other)", 2)]);
}

fn labels(pairs: &[(&str, Label)]) -> Labels {
    let mut l = Labels::default();
    for (id, lab) in pairs {
        l.insert(*id, *lab);
    }
    l
}

#[test]
fn labels_split_fires_and_name_missed_incidents() {
    let mut cfg = ReplayConfig::new(vec![simple("a", 1.0), simple("b", 2.0)]);
    cfg.labels = Some(labels(&[
        ("evil1", Label::Malicious),
        ("evil2", Label::Malicious),
        ("evil3", Label::Malicious),
        ("ghost", Label::Malicious),
        ("ok1", Label::Benign),
    ]));
    let records = vec![
        rec(1, "01:00:00", "admin", "A", "ip", "ok1"), // a: false fire
        rec(1, "02:00:00", "mallory", "A", "ip", "evil1"), // a: true fire
        rec(1, "03:00:00", "mallory", "B", "ip", "evil2"), // b matches, threshold 2: no fire
        rec(1, "04:00:00", "mallory", "C", "ip", "evil3"), // nobody matches
    ];
    let r = replay(&cfg, &records, |r, i| name_is(r, ["A", "B"][i]));
    let a = &r.detectors[0];
    assert_eq!(
        (a.fires, a.true_fires, a.false_fires),
        (2, Some(1), Some(1))
    );
    assert_eq!(a.false_positive_rate, Some(0.5));
    let b = &r.detectors[1];
    assert_eq!(
        (b.fires, b.true_fires, b.false_fires, b.false_positive_rate),
        (0, Some(0), Some(0), None)
    );
    assert_eq!(r.summary.false_positive_rate, Some(0.5));
    let missed = r.missed_incidents.as_ref().unwrap();
    let ids: Vec<(&str, Vec<String>)> = missed
        .iter()
        .map(|i| (i.event_id.as_str(), i.matched_by.clone()))
        .collect();
    assert_eq!(ids, [("evil2", vec!["b".to_string()]), ("evil3", vec![])]);
    assert_eq!(missed[0].principal, "mallory");
    let l = r.labels.as_ref().unwrap();
    assert_eq!(
        (l.malicious, l.benign, l.malicious_seen, l.benign_seen),
        (4, 1, 3, 1)
    );
    assert_eq!(l.malicious_not_seen, ["ghost"]);
}

#[test]
fn without_labels_rates_are_unknown() {
    let cfg = ReplayConfig::new(vec![simple("a", 1.0)]);
    let r = replay(&cfg, &[rec(1, "01:00:00", "u", "A", "ip", "x")], |_, _| {
        true
    });
    assert_eq!(r.detectors[0].fires, 1);
    assert_eq!(r.detectors[0].true_fires, None);
    assert_eq!(r.summary.false_positive_rate, None);
    assert!(r.labels.is_none() && r.missed_incidents.is_none());
}

#[test]
fn a_malicious_event_anywhere_in_the_alarm_window_makes_a_true_fire() {
    // 2 of 3: the malicious event is in the first breaching period, the fire in the second.
    let mut cfg = ReplayConfig::new(vec![det(
        "d",
        1.0,
        300,
        3,
        2,
        TreatMissingData::NotBreaching,
    )]);
    cfg.labels = Some(labels(&[("bad", Label::Malicious)]));
    let records = vec![
        rec(1, "00:00:00", "m", "X", "ip", "bad"),
        rec(1, "00:10:00", "m", "X", "ip", "x"),
    ];
    let r = replay(&cfg, &records, |_, _| true);
    assert_eq!(r.detectors[0].fires, 1);
    assert_eq!(r.detectors[0].true_fires, Some(1));
    assert_eq!(r.missed_incidents.unwrap(), vec![]);
}

#[test]
fn what_if_diff_with_exclusions_and_labels() {
    let mut current = simple("ct", 1.0);
    current.exclusions = vec![
        "excludeUsers: ci-bot".into(),
        "excludeEventNames: Noop".into(),
    ];
    let mut cfg = ReplayConfig::new(vec![current, simple("fresh", 1.0)]);
    cfg.baseline = Some(vec![simple("ct", 1.0), simple("old", 1.0)]);
    cfg.labels = Some(labels(&[
        ("evil", Label::Malicious),
        ("evil2", Label::Malicious),
    ]));
    // Baseline "ct" matches everything; current "ct" excludes ci-bot.
    let records = vec![
        rec(1, "01:00:00", "ci-bot", "X", "ip", "b1"),
        rec(1, "02:00:00", "ci-bot", "X", "ip", "b2"),
        rec(1, "03:00:00", "mallory", "X", "ip", "evil"),
        rec(1, "05:00:00", "ci-bot", "X", "ip", "evil2"), // an incident the exclusion loses
    ];
    let mut acc = Accumulator::new(&cfg);
    for r in &records {
        let bot = r["userIdentity"]["userName"] == "ci-bot";
        let cur = [!bot, false];
        let base = [true, r["eventID"] == "b1"];
        let excl = [u64::from(bot), 0];
        acc.observe(
            &cfg,
            r,
            &Verdicts {
                current: &cur,
                baseline: &base,
                excluded_by: &excl,
            },
        );
    }
    let r = acc.finish(&cfg);
    let ct = &r.detectors[0];
    assert_eq!((ct.matched, ct.fires), (1, 1));
    let b = ct.baseline.as_ref().unwrap();
    assert!(b.enabled);
    assert_eq!(
        (b.matched, b.fires, b.true_fires, b.false_fires),
        (4, 4, Some(2), Some(2))
    );
    assert_eq!(ct.removed_by_exclusions, 3);
    assert_eq!(ct.exclusions[0].removed, 3);
    assert_eq!(ct.exclusions[1].removed, 0);
    let fresh = &r.detectors[1];
    assert!(!fresh.baseline.as_ref().unwrap().enabled);
    let w = r.what_if.as_ref().unwrap();
    assert_eq!(w.baseline_only.len(), 1);
    assert_eq!(
        (w.baseline_only[0].key.as_str(), w.baseline_only[0].fires),
        ("old", 1)
    );
    assert_eq!(w.new_detectors, ["fresh"]);
    assert_eq!((w.baseline_fires, w.current_fires), (5, 1));
    // Baseline false fires: ct 2 (b1, b2) + old 1 (b1) = 3; current: 0.
    assert_eq!(w.false_fires_removed, Some(3));
    let lost: Vec<&str> = w
        .lost_incidents
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i.event_id.as_str())
        .collect();
    assert_eq!(lost, ["evil2"]);
    assert_eq!(w.gained_incidents.as_ref().unwrap().len(), 0);
    assert_eq!(w.unused_exclusions.len(), 1);
    assert_eq!(w.unused_exclusions[0].clause, "excludeEventNames: Noop");
}

#[test]
fn merged_accumulators_equal_one_pass() {
    let mut cfg = ReplayConfig::new(vec![
        simple("a", 1.0),
        det("b", 1.0, 60, 3, 2, TreatMissingData::Ignore),
        det("c", 2.0, 3600, 2, 1, TreatMissingData::Breaching),
    ]);
    cfg.labels = Some(labels(&[("e3", Label::Malicious)]));
    let records: Vec<Value> = (0..40)
        .map(|i| {
            let t = format!("0{}:{:02}:00", i % 7, (i * 7) % 60);
            rec(
                1 + i % 3,
                &t,
                &format!("u{}", i % 5),
                "X",
                "ip",
                &format!("e{i}"),
            )
        })
        .collect();
    let matcher = |r: &Value, i: usize| i == 0 || r["userIdentity"]["userName"] != "u1";
    let whole = replay(&cfg, &records, matcher);
    let mut acc = Accumulator::new(&cfg);
    acc.add_file();
    for chunk in records.chunks(7).rev() {
        let mut part = Accumulator::new(&cfg);
        for r in chunk {
            let cur: Vec<bool> = (0..3).map(|i| matcher(r, i)).collect();
            part.observe(
                &cfg,
                r,
                &Verdicts {
                    current: &cur,
                    ..Verdicts::default()
                },
            );
        }
        acc.merge(part).unwrap();
    }
    assert_eq!(acc.finish(&cfg), whole);
    assert!(whole.detectors[0].fires > 0);
}

/// Bug 8 of issue 10: `merge` zipped the detector lists without checking their lengths, so an
/// accumulator of another config was merged silently and partly.
#[test]
fn merge_refuses_an_accumulator_of_another_config() {
    let r = rec(1, "10:00:00", "alice", "X", "ip", "e1");
    let filled = |cfg: &ReplayConfig| {
        let mut acc = Accumulator::new(cfg);
        acc.add_file();
        let cur = vec![true; cfg.detectors.len()];
        acc.observe(
            cfg,
            &r,
            &Verdicts {
                current: &cur,
                ..Verdicts::default()
            },
        );
        acc
    };
    let two = ReplayConfig::new(vec![simple("a", 1.0), simple("b", 1.0)]);
    let one = ReplayConfig::new(vec![simple("a", 1.0)]);
    let mut acc = filled(&two);
    let e = acc.merge(filled(&one)).unwrap_err();
    assert_eq!((e.what.as_str(), e.mine, e.theirs), ("detectors", 2, 1));
    assert_eq!(
        e.to_string(),
        "cannot merge replays of different configs: detectors 2 here, 1 in the other"
    );
    // Nothing was added: the accumulator still reports its own single file and event.
    assert_eq!(acc.clone().finish(&two), filled(&two).finish(&two));

    let mut clauses = simple("a", 1.0);
    clauses.exclusions = vec!["x".into(), "y".into()];
    let with_clauses = ReplayConfig::new(vec![clauses]);
    let e = filled(&one).merge(filled(&with_clauses)).unwrap_err();
    assert_eq!((e.mine, e.theirs), (0, 2));
    assert!(e.what.contains("exclusion clauses"), "{e}");

    let mut with_baseline = ReplayConfig::new(vec![simple("a", 1.0)]);
    with_baseline.baseline = Some(vec![simple("a", 2.0)]);
    assert!(filled(&one).merge(filled(&with_baseline)).is_err());
    assert!(filled(&one).merge(filled(&one)).is_ok());
}

#[test]
fn config_validation() {
    // Typed errors (issue 10), each with the message the CLI prints.
    let cfg = ReplayConfig::new(vec![simple("a", 1.0), simple("a", 2.0)]);
    let e = cfg.validate().unwrap_err();
    assert_eq!(
        e,
        SetupError::ListedTwice {
            baseline: false,
            key: "a".into()
        }
    );
    assert_eq!(e.to_string(), "detector a is listed twice");
    let mut d = simple("a", 1.0);
    d.exclusions = (0..65).map(|i| i.to_string()).collect();
    assert!(matches!(
        ReplayConfig::new(vec![d]).validate(),
        Err(SetupError::TooManyClauses { clauses: 65, .. })
    ));
    let bad_m = det("a", 1.0, 300, 2, 3, TreatMissingData::Ignore);
    assert!(matches!(
        ReplayConfig::new(vec![bad_m]).validate(),
        Err(SetupError::Alarm { .. })
    ));
    let mut reversed = ReplayConfig::new(vec![simple("a", 1.0)]);
    reversed.window.since = Some(10);
    reversed.window.until = Some(9);
    assert_eq!(reversed.validate(), Err(SetupError::SinceAfterUntil));
    assert_eq!(
        "yaml"
            .parse::<cwfilter::replay::Format>()
            .unwrap_err()
            .to_string(),
        "unknown format \"yaml\" (expected table, json, csv, markdown or html)"
    );
    assert_eq!(
        "cis"
            .parse::<cwfilter::detectors::Profile>()
            .unwrap_err()
            .to_string(),
        "unknown profile `cis` (known: upstream, securityhub)"
    );
}

/// Four weeks (2024-04-01 .. 2024-04-28) of a planted trail, replayed newest first in uneven
/// "files": a daily 09:00 event, 12-event bursts in [10:00, 10:05) on days 3, 10 and 17, and
/// on day 20 a 6 + 6 burst straddling 10:05.
#[test]
fn four_week_trail_hand_checked() {
    let at = |day: u32, t: &str, i: usize| {
        json!({
            "eventTime": format!("2024-04-{day:02}T{t}Z"),
            "eventName": "ConsoleLogin",
            "eventID": format!("{day}-{t}-{i}"),
            "sourceIPAddress": "198.51.100.1",
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root"},
        })
    };
    let mut records = Vec::new();
    for day in 1..=28 {
        records.push(at(day, "09:00:00", 0));
    }
    for day in [3, 10, 17] {
        for i in 0..12 {
            records.push(at(day, &format!("10:0{}:{:02}", i % 5, i), i));
        }
    }
    for i in 0..6 {
        records.push(at(20, &format!("10:04:{:02}", 50 + i), i));
        records.push(at(20, &format!("10:05:{i:02}"), i));
    }
    records.reverse();
    let cfg = ReplayConfig::new(vec![
        simple("every", 1.0),
        simple("ten", 10.0),
        det("twoOfThree", 1.0, 300, 3, 2, TreatMissingData::NotBreaching),
    ]);
    let mut acc = Accumulator::new(&cfg);
    let mut rest: &[Value] = &records;
    let mut size = 1;
    while !rest.is_empty() {
        let (file, tail) = rest.split_at(size.min(rest.len()));
        let mut part = Accumulator::new(&cfg);
        part.add_file();
        for r in file {
            part.observe(
                &cfg,
                r,
                &Verdicts {
                    current: &[true, true, true],
                    ..Verdicts::default()
                },
            );
        }
        acc.merge(part).unwrap();
        rest = tail;
        size = size * 3 % 17 + 1;
    }
    acc.add_oversize();
    acc.add_error(
        "AWSLogs/1/CloudTrail/us-east-1/2024/04/05/broken.json.gz",
        None,
        "corrupt gzip stream",
    );
    let r = acc.finish(&cfg);

    assert_eq!(r.inputs.events, 28 + 36 + 12 + 1);
    assert_eq!((r.inputs.no_event_time, r.inputs.outside_window), (0, 0));
    assert_eq!(r.inputs.oversize_skipped, 1);
    assert_eq!(r.inputs.errors.len(), 1);
    assert_eq!(r.window.start.as_deref(), Some("2024-04-01T09:00:00Z"));
    assert_eq!(r.window.end.as_deref(), Some("2024-04-28T09:00:00Z"));

    let every = &r.detectors[0];
    assert_eq!(every.key, "every");
    assert_eq!(every.matched, 76);
    assert_eq!(every.fires, 28 + 3 + 1);
    for (day, n) in &every.fires_by_day {
        let expect = if ["03", "10", "17", "20"].contains(&&day[8..]) {
            2
        } else {
            1
        };
        assert_eq!(*n, expect, "{day}");
    }
    assert_eq!(every.fires_by_day.len(), 28);
    assert_eq!(every.top_principals[0].principal, "arn:aws:iam::1:root");
    assert_eq!(every.top_principals[0].identity_type, "Root");
    // Fire events are those in firing periods: day 20's second period (10:05) continues the
    // run that fired at 10:00, so its 6 events are not counted.
    assert_eq!(every.top_principals[0].fire_events, 76 - 6);

    let ten = &r.detectors[1];
    assert_eq!(ten.key, "ten");
    assert_eq!(
        ten.fire_times,
        [
            "2024-04-03T10:00:00Z",
            "2024-04-10T10:00:00Z",
            "2024-04-17T10:00:00Z"
        ]
    );
    assert_eq!(ten.top_principals[0].fire_events, 36);

    let m = &r.detectors[2];
    assert_eq!(m.key, "twoOfThree");
    assert_eq!(m.fire_times, ["2024-04-20T10:05:00Z"]);
}

#[test]
fn accumulators_can_cross_threads() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Accumulator>();
    sync::<ReplayConfig>();
    send::<Report>();
}

#[test]
fn a_hit_attribution_cap_marks_its_lists_approximate() {
    let records = vec![
        rec(1, "00:00:10", "alice", "X", "1.1.1.1", "a"),
        rec(1, "00:00:20", "bob", "X", "1.1.1.1", "b"),
    ];
    let mut cfg = ReplayConfig::new(vec![simple("root", 1.0)]);
    let exact = replay(&cfg, &records, |_, _| true);
    assert!(exact.detectors[0].approximate.is_empty());
    let json = cwfilter::replay::render::render(&exact, cwfilter::replay::Format::Json);
    assert!(!json.contains("approximate"), "absent when exact");
    // One principal tracked: bob is counted as "(other)"; one name and one IP suffice.
    cfg.key_cap = 1;
    let capped = replay(&cfg, &records, |_, _| true);
    assert_eq!(
        capped.detectors[0].approximate,
        ["top_principals", "top_principals_by_fires"]
    );
    // The per-period cap alone makes the same lists approximate.
    cfg.key_cap = 10;
    cfg.bucket_key_cap = 1;
    let capped = replay(&cfg, &records, |_, _| true);
    assert_eq!(
        capped.detectors[0].approximate,
        ["top_principals", "top_principals_by_fires"]
    );
}
