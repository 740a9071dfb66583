//! Property tests of the engine: random CloudTrail-like records, written with random JSON
//! spellings (`\uXXXX` escapes, `\/`, number forms such as `4e2`, whitespace), against
//! detector patterns and random patterns over the same vocabulary.
//!
//! - the prefilter never rules out a pattern that matches (soundness);
//! - the engine's answers equal the evaluator's (`matches_message` on the raw text).

use cwfilter::engine::{requirement, Prefilter};
use cwfilter::engine::{Engine, MatchSet};
use cwfilter::eval::{Message, Pattern};
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "eventName",
    "errorCode",
    "userIdentity",
    "type",
    "invokedBy",
    "eventType",
    "a",
    "b",
    "MFAUsed",
    "additionalEventData",
];

const PATHS: &[&str] = &[
    "$.eventName",
    "$.eventSource",
    "$.errorCode",
    "$.eventType",
    "$.userIdentity.type",
    "$.userIdentity.invokedBy",
    "$.userIdentity.*",
    "$.additionalEventData.MFAUsed",
    "$.responseElements.ConsoleLogin",
    "$.responseElements",
    "$.a[*].b",
    "$.a[0]",
    "$.a[1].b",
    "$.a[*]",
    "$.*",
    "$.extra",
    "$.extra[*]",
    "$.extra.a",
    "$.extra.*.b",
];

const WORDS: &[&str] = &[
    "ConsoleLogin",
    "Root",
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "AwsServiceEvent",
    "a/b",
    "x\"y",
    "back\\slash",
    "tab\there",
    "400",
    "4",
    "true",
    "false",
    "Yes",
    "é-ü",
    "s3.amazonaws.com",
    "",
];

/// Every literal the detector patterns' prefilter requirements name, plus tricky words.
fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
    for t in detector_patterns() {
        if let Ok(p) = Pattern::parse(&t) {
            words.extend(
                requirement(p.ast())
                    .clauses()
                    .iter()
                    .flat_map(|c| c.literals.iter().cloned()),
            );
        }
    }
    words.sort();
    words.dedup();
    words
}

/// Half from the small tricky list (so random patterns and records meet often), half from
/// the detectors' literals.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(str::to_owned),
        prop::sample::select(vocabulary()),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        6 => word().prop_map(Value::String),
        1 => "[a-zA-Z/\"\\\\ ]{0,6}".prop_map(Value::String),
        1 => prop_oneof![Just(400i64), Just(4), Just(-1), any::<i32>().prop_map(i64::from)]
            .prop_map(|n| Value::Number(n.into())),
        1 => Just(serde_json::json!(1.5)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn obj(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

/// A CloudTrail-shaped record: the fields detectors read, each present or not, with values
/// from the detectors' own vocabulary, plus random extra structure.
fn record() -> impl Strategy<Value = Value> {
    let opt = |s: BoxedStrategy<Value>| prop::option::weighted(0.7, s);
    let w = || word().prop_map(Value::String).boxed();
    (
        (opt(w()), opt(w()), opt(w()), opt(w()), opt(w()), opt(w())),
        (opt(w()), opt(w())),
        opt(w()),
        opt(prop_oneof![
            Just(Value::Null),
            opt(w()).prop_map(|v| obj(vec![("ConsoleLogin", v)]))
        ]
        .boxed()),
        opt(w()),
        opt(prop::collection::vec(
            prop_oneof![
                leaf(),
                opt(leaf().boxed()).prop_map(|v| obj(vec![("b", v)]))
            ],
            0..4,
        )
        .prop_map(Value::Array)
        .boxed()),
        opt(value().boxed()),
    )
        .prop_map(
            |((en, ec, et, es, ip, em), (ty, by), mfa, resp, auth, a, extra)| {
                obj(vec![
                    ("eventName", en),
                    ("errorCode", ec),
                    ("eventType", et),
                    ("eventSource", es),
                    ("sourceIPAddress", ip),
                    ("errorMessage", em),
                    (
                        "userIdentity",
                        Some(obj(vec![("type", ty), ("invokedBy", by)])),
                    ),
                    ("additionalEventData", Some(obj(vec![("MFAUsed", mfa)]))),
                    ("responseElements", resp),
                    ("requestParameters", Some(obj(vec![("authType", auth)]))),
                    ("a", a),
                    ("extra", extra),
                ])
            },
        )
}

/// A tiny deterministic generator for spelling choices.
struct Choices(u64, u64);

impl Choices {
    /// Spelling choices from `seed`; half of the records get no `\u` escape at all, so that
    /// the other escapes (`\/`, `\"`) are tested without the `\u` rule admitting everything.
    fn new(seed: u64) -> Self {
        let mut c = Choices(seed | 1, 0);
        c.1 = [0, 0, 6, 40][c.next(4) as usize];
        c
    }

    fn escape_u(&mut self) -> bool {
        self.1 != 0 && self.next(self.1) == 0
    }

    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Serializes `v` as JSON, choosing among equivalent spellings.
fn spell(v: &Value, c: &mut Choices, out: &mut String) {
    let ws = |c: &mut Choices, out: &mut String| {
        if c.next(4) == 0 {
            out.push_str([" ", "\n", "\t ", "  "][c.next(4) as usize]);
        }
    };
    ws(c, out);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                match c.next(4) {
                    0 => out.push_str(&format!("{i}.0")),
                    1 => out.push_str(&format!("{i}e0")),
                    2 if i % 100 == 0 && i != 0 => out.push_str(&format!("{}E2", i / 100)),
                    _ => out.push_str(&i.to_string()),
                }
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => spell_str(s, c, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                spell(x, c, out);
            }
            ws(c, out);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(c, out);
                spell_str(k, c, out);
                ws(c, out);
                out.push(':');
                spell(x, c, out);
            }
            ws(c, out);
            out.push('}');
        }
    }
    ws(c, out);
}

fn spell_str(s: &str, c: &mut Choices, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        let escape_u = c.escape_u();
        match ch {
            '"' => out.push_str(if escape_u { "\\u0022" } else { "\\\"" }),
            '\\' => out.push_str(if escape_u { "\\u005C" } else { "\\\\" }),
            '/' if c.next(2) == 0 => out.push_str("\\/"),
            '\t' => out.push_str("\\t"),
            c2 if (c2 as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c2 as u32)),
            c2 if escape_u => {
                let mut buf = [0u16; 2];
                for unit in c2.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c2 => out.push(c2),
        }
    }
    out.push('"');
}

/// Random JSON and term patterns over the same vocabulary.
fn pattern_text() -> impl Strategy<Value = String> {
    let path = prop::sample::select(PATHS).prop_map(str::to_owned).boxed();
    let word = prop::sample::select(WORDS)
        .prop_filter("non-empty", |w| !w.is_empty())
        .prop_map(str::to_owned)
        .boxed();
    let value = (word.clone(), 0u8..4).prop_map(|(w, star)| {
        let w = w
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\t', " ");
        match star {
            0 => format!("\"{w}\""),
            1 => format!("\"*{w}\""),
            2 => format!("\"{w}*\""),
            _ => format!("\"*{w}*\""),
        }
    });
    let cond = (
        path,
        prop_oneof![
            4 => value.prop_map(|v| format!("= {v}")),
            1 => Just("IS TRUE".to_owned()),
            1 => Just("IS FALSE".to_owned()),
            1 => Just("NOT EXISTS".to_owned()),
            1 => Just("IS NULL".to_owned()),
            1 => Just("= 400".to_owned()),
            1 => Just("!= \"Root\"".to_owned()),
        ],
    )
        .prop_map(|(p, t)| format!("{p} {t}"));
    let json = prop::collection::vec((cond, any::<bool>()), 1..4).prop_map(|cs| {
        let mut s = String::from("{ ");
        for (i, (c, and)) in cs.iter().enumerate() {
            if i > 0 {
                s.push_str(if *and { " && " } else { " || " });
            }
            s.push_str(c);
        }
        s.push_str(" }");
        s
    });
    let term = prop::collection::vec((prop::sample::select(&["", "?", "-"][..]), word), 1..3)
        .prop_map(|ts| {
            ts.iter()
                .map(|(k, w)| format!("{k}\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(" ")
        });
    prop_oneof![4 => json, 1 => term]
}

fn detector_patterns() -> Vec<String> {
    include_str!("../data/engine_detector_patterns.jsonl")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            v["pattern"].as_str().expect("pattern").to_owned()
        })
        .collect()
}

fn check(patterns: &[String], raws: &[String]) -> Result<(), TestCaseError> {
    let parsed: Vec<(String, Pattern)> = patterns
        .iter()
        .filter_map(|t| Pattern::parse(t).ok().map(|p| (t.clone(), p)))
        .collect();
    let prefilter = Prefilter::new(parsed.iter().map(|(_, p)| p.ast()));
    let engine = Engine::new(
        parsed
            .iter()
            .map(|(t, _)| (t.clone(), Pattern::parse(t).expect("parses")))
            .collect(),
    );
    let mut cand = vec![0u64; parsed.len().div_ceil(64).max(1)];
    for raw in raws {
        let msg = Message::new(raw);
        prefilter.candidates(raw.as_bytes(), &mut cand);
        let mut want = MatchSet::empty(parsed.len());
        for (i, (t, p)) in parsed.iter().enumerate() {
            if p.matches(&msg) {
                want.insert(i);
                prop_assert!(
                    cand[i / 64] & (1 << (i % 64)) != 0,
                    "prefilter skipped a match: {} on {}",
                    t,
                    raw
                );
            }
        }
        let got = match engine.eval_record(raw) {
            Ok(m) => m,
            Err(e) => e.matches,
        };
        prop_assert_eq!(got, want, "record {}", raw);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn detectors_on_escaped_records(recs in prop::collection::vec((record(), any::<u64>()), 1..6)) {
        let raws: Vec<String> = recs
            .iter()
            .map(|(v, seed)| {
                let mut out = String::new();
                spell(v, &mut Choices::new(*seed), &mut out);
                out
            })
            .collect();
        check(&detector_patterns(), &raws)?;
    }

    #[test]
    fn random_patterns_on_escaped_records(
        pats in prop::collection::vec(pattern_text(), 1..8),
        recs in prop::collection::vec((record(), any::<u64>()), 1..6),
        junk in "[ -~]{0,30}",
        dup in word(),
    ) {
        let mut raws: Vec<String> = recs
            .iter()
            .map(|(v, seed)| {
                let mut out = String::new();
                spell(v, &mut Choices::new(*seed), &mut out);
                out
            })
            .collect();
        // Messages that are not (or not only) JSON: term patterns still apply.
        raws.push(junk.clone());
        raws.push(format!("{} {junk}", raws[0]));
        // Duplicate top-level members (the last one wins), before and after the record's own:
        // the prefilter's member reading must not take the wrong one.
        let first = raws[0].trim().to_owned();
        if let Some(inner) = first.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            for key in ["eventName", "errorCode", "eventSource"] {
                let member = format!("\"{key}\":{}", serde_json::to_string(&dup).expect("json"));
                raws.push(format!("{{{member},{inner}}}"));
                raws.push(format!("{{{inner},{member}}}"));
            }
        }
        check(&pats, &raws)?;
    }
}

/// Puts `v` at the dotted `path` of `record` (creating objects on the way).
fn put(record: &mut Value, path: &[&str], v: Value) {
    let Some((first, rest)) = path.split_first() else {
        *record = v;
        return;
    };
    if !record.is_object() {
        *record = Value::Object(Map::new());
    }
    if let Value::Object(m) = record {
        put(m.entry(first.to_string()).or_insert(Value::Null), rest, v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Witness records: the record is built to match the pattern, spelled at random; the
    /// prefilter must admit it and the engine must report the match.
    #[test]
    fn matching_records_are_never_skipped(
        base in record(),
        path in prop::sample::select(&[
            "eventName", "userIdentity.type", "additionalEventData.MFAUsed", "extra.x.y",
        ][..]),
        word in prop::sample::select(WORDS)
            .prop_filter("non-empty, no tab", |w| !w.is_empty() && !w.contains('\t')),
        star in 0u8..4,
        seed in any::<u64>(),
        other in word(),
    ) {
        let steps: Vec<&str> = path.split('.').collect();
        let mut rec = base;
        // A longer value around the word, for the wildcard forms.
        let value = match star {
            1 => format!("Pre{word}"),
            2 => format!("{word}Post"),
            3 => format!("Pre{word}Post"),
            _ => word.to_owned(),
        };
        put(&mut rec, &steps, Value::String(value));
        let escaped = word.replace('\\', "\\\\").replace('"', "\\\"");
        let lit = match star {
            1 => format!("*{escaped}"),
            2 => format!("{escaped}*"),
            3 => format!("*{escaped}*"),
            _ => escaped,
        };
        let pattern = format!("{{ $.{path} = \"{lit}\" }}");
        let mut raw = String::new();
        spell(&rec, &mut Choices::new(seed), &mut raw);
        let p = Pattern::parse(&pattern).map_err(|e| TestCaseError::fail(format!("{pattern}: {e}")))?;
        prop_assert!(p.matches_message(&raw), "witness does not match: {} on {}", pattern, raw);
        // The same member written twice: the last one wins, so an earlier other value keeps
        // the match and a later one may undo it; the prefilter must agree either way.
        let mut raws = vec![raw.clone()];
        if let Some(inner) = raw.trim().strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            let top = steps[0];
            let member = format!("\"{top}\":{}", serde_json::to_string(&other).expect("json"));
            let before = format!("{{{member},{inner}}}");
            prop_assert!(p.matches_message(&before), "last member wins: {} on {}", pattern, before);
            raws.push(before);
            raws.push(format!("{{{inner},{member}}}"));
        }
        check(&[pattern], &raws)?;
    }
}

/// Named regressions for the escape rules of the prefilter.
#[test]
fn escaped_spellings_are_never_skipped() {
    let pats: Vec<String> = [
        r#"{ $.userIdentity.type = "Root" }"#,
        r#"{ $.eventName = "ConsoleLogin" }"#,
        r#"{ $.a = "a/b" }"#,
        r#"{ $.a = "400" }"#,
        r#"{ $.a = "4*" }"#,
        r#"{ $.a = "*cessDenied" }"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let raws: Vec<String> = [
        r#"{"userIdentity":{"type":"\u0052oot"}}"#,
        r#"{"eventName":"Console\u004cogin"}"#,
        r#"{"a":"a\/b"}"#,
        r#"{"a":4e2}"#,
        r#"{"a":400.0}"#,
        r#"{"a":"Ac\u0063essDenied"}"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let engine = Engine::new(
        pats.iter()
            .map(|t| (t.clone(), Pattern::parse(t).expect("parses")))
            .collect(),
    );
    let expected = [vec![0], vec![1], vec![2], vec![3, 4], vec![3, 4], vec![5]];
    for (raw, want) in raws.iter().zip(expected) {
        let got: Vec<usize> = engine.eval_record(raw).expect("json").iter().collect();
        assert_eq!(got, want, "{raw}");
    }
    check(&pats, &raws).expect("engine equals evaluator");
}
