//! Properties of the evaluator over the whole conformance corpus: no panics on any message,
//! `explain` always agrees with `matches`, and the canonical text means the same pattern.

use std::path::Path;

use cwfilter::eval::{Message, Pattern};
use proptest::prelude::*;
use serde_json::Value;

fn corpus() -> &'static [(Pattern, Vec<String>)] {
    static CORPUS: std::sync::OnceLock<Vec<(Pattern, Vec<String>)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(load_corpus)
}

fn load_corpus() -> Vec<(Pattern, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/conformance");
    let mut by_pattern: Vec<(String, Vec<String>)> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        for line in std::fs::read_to_string(&path).expect("readable").lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let (Some(p), Some(Value::String(e))) = (v["pattern"].as_str(), v.get("event")) else {
                continue;
            };
            match by_pattern.iter_mut().find(|(q, _)| q == p) {
                Some((_, evs)) => evs.push(e.clone()),
                None => by_pattern.push((p.to_owned(), vec![e.clone()])),
            }
        }
    }
    by_pattern
        .into_iter()
        .filter_map(|(p, evs)| Pattern::parse(&p).ok().map(|p| (p, evs)))
        .collect()
}

#[test]
fn explain_agrees_with_matches_on_every_corpus_case() {
    let corpus = corpus();
    assert!(corpus.len() > 200);
    for (p, events) in corpus {
        for e in events {
            let m = Message::new(e);
            assert_eq!(p.explain(&m).matched, p.matches(&m), "{p} on {e}");
            if let Ok(v) = serde_json::from_str::<Value>(e) {
                if p.kind() == cwfilter::eval::PatternKind::Json {
                    assert_eq!(p.matches_json(&v), p.matches(&m), "{p} on {e}");
                }
            }
        }
    }
}

#[test]
fn canonical_text_is_the_same_pattern() {
    for (p, events) in corpus() {
        let q = Pattern::parse(&p.to_string()).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(p.ast(), q.ast());
        for e in events {
            assert_eq!(p.matches_message(e), q.matches_message(e), "{p} on {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_panic_and_explain_agrees_on_arbitrary_messages(
        msg in prop_oneof![
            "\\PC{0,40}",
            "[ \"\\[\\]a-z0-9{}:,.$*-]{0,40}",
            "\\{\"[a-z]{1,3}\":(null|true|1|\"x\"|\\[1,\\{\\}\\]|\\{\"k\":\"v\"\\})\\}",
        ]
    ) {
        for (p, _) in corpus().iter().step_by(7) {
            let m = Message::new(&msg);
            prop_assert_eq!(p.explain(&m).matched, p.matches(&m));
            let _ = p.extracted_values(&msg);
        }
    }
}
