//! jsonpath-rust as an oracle for our selector resolver: for every selector in the conformance
//! corpus and in the detector patterns, the nodes `cwfilter::eval::select` finds on the corpus
//! events are exactly the nodes jsonpath-rust finds for the equivalent JSONPath (RFC 9535):
//! absent = no nodes, `[*]` / `.*` = every child. Events are the JSON events of
//! corpus/conformance/*.jsonl plus the bundled trail (corpus/trail), all in the repository.

use std::collections::BTreeMap;
use std::path::Path;

use cwfilter::eval::select;
use cwfilter::syntax::ast::{Ast, Expr, Selector, Step};
use cwfilter::trail::{discover, read_input, Item, ReadOptions};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

/// The RFC 9535 JSONPath for one of our selectors.
fn to_jsonpath(s: &Selector) -> String {
    let mut out = String::from("$");
    for step in &s.steps {
        match step {
            Step::Field(name) => {
                out.push_str("['");
                for c in name.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::AnyIndex | Step::AnyField => out.push_str("[*]"),
        }
    }
    out
}

fn leaves(e: &Expr<cwfilter::syntax::ast::Condition>, out: &mut Vec<Selector>) {
    match e {
        Expr::And(xs, _) | Expr::Or(xs, _) => xs.iter().for_each(|x| leaves(x, out)),
        Expr::Leaf(c) => out.push(c.selector.clone()),
    }
}

fn selectors_of(pattern: &str, out: &mut BTreeMap<String, Selector>) {
    if let Ok(Ast::Json(j)) = cwfilter::syntax::parse(pattern) {
        let mut sels = Vec::new();
        leaves(&j.expr, &mut sels);
        for s in sels {
            out.insert(to_jsonpath(&s), s);
        }
    }
}

fn corpus_cases() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/conformance");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "jsonl") {
            let text = std::fs::read_to_string(&path).expect("readable");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                out.push(serde_json::from_str(line).expect("case line"));
            }
        }
    }
    out
}

#[test]
fn resolver_agrees_with_jsonpath_rust() {
    let cases = corpus_cases();
    let mut selectors = BTreeMap::new();
    let mut events: Vec<Value> = Vec::new();
    for c in &cases {
        if let Some(p) = c.get("pattern").and_then(Value::as_str) {
            selectors_of(p, &mut selectors);
        }
        match c.get("event") {
            Some(Value::String(s)) => {
                if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                    events.push(v);
                }
            }
            Some(v @ Value::Object(_)) => events.push(v.clone()),
            _ => {}
        }
    }
    let from_corpus = selectors.len();
    // The 65 detector pattern strings (upstream's 23, Security Hub's and CIS's), and the
    // bundled trail's records: data in the repository, so the oracle never depends on what
    // happens to be on the machine.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/data/engine_detector_patterns.jsonl"))
        .expect("detector patterns");
    let mut detector_patterns = 0usize;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        let p = v["pattern"].as_str().expect("a pattern string");
        assert!(cwfilter::syntax::parse(p).is_ok(), "{p} does not parse");
        selectors_of(p, &mut selectors);
        detector_patterns += 1;
    }
    assert!(
        detector_patterns >= 60,
        "only {detector_patterns} detector patterns"
    );
    let found = discover(&[root.join("corpus/trail")], &|_| true);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    for input in &found.inputs {
        read_input(input, &ReadOptions::default(), &mut |item| {
            if let Item::Record { text, .. } = item {
                events.push(serde_json::from_str(text).expect("a record"));
            }
        });
    }
    // Selectors that exercise nesting, indexes and wildcards beyond the detectors.
    for p in [
        "{ $.resources[*].ARN = * }",
        "{ $.resources[0].type = * }",
        "{ $.userIdentity.* = * }",
        "{ $.requestParameters.instancesSet.items[*].instanceId = * }",
        "{ $.requestParameters.* = * }",
        "{ $.*.type = * }",
        "{ $.['userIdentity'].sessionContext.sessionIssuer.userName = * }",
    ] {
        let before = selectors.len();
        assert!(cwfilter::syntax::parse(p).is_ok(), "{p} parses");
        selectors_of(p, &mut selectors);
        assert!(selectors.len() > before, "{p} adds a selector");
    }
    assert!(
        from_corpus >= 50,
        "only {from_corpus} selectors from the corpus"
    );
    assert!(events.len() >= 4000, "only {} events", events.len());

    let mut disagreements = Vec::new();
    let mut nonempty = 0usize;
    for (path, sel) in &selectors {
        let query = parse_json_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for (i, ev) in events.iter().enumerate() {
            let ours: Vec<*const Value> =
                select(sel, ev).into_iter().map(|v| v as *const _).collect();
            let theirs: Vec<*const Value> = js_path_process(&query, ev)
                .unwrap_or_else(|e| panic!("{path}: {e}"))
                .into_iter()
                .map(|r| r.val as *const _)
                .collect();
            let (mut a, mut b) = (ours.clone(), theirs);
            a.sort();
            b.sort();
            if a != b && disagreements.len() < 20 {
                disagreements.push(format!(
                    "{path} on event #{i}: ours {} nodes, jsonpath {}",
                    a.len(),
                    b.len()
                ));
            }
            nonempty += usize::from(!ours.is_empty());
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        nonempty > 1000,
        "selectors found nodes only {nonempty} times"
    );
}

#[test]
fn jsonpath_translation() {
    let Ok(Ast::Json(j)) = cwfilter::syntax::parse("{ $.['a.b'][0].*.c = 1 }") else {
        panic!("parses")
    };
    let mut sels = Vec::new();
    leaves(&j.expr, &mut sels);
    assert_eq!(to_jsonpath(&sels[0]), "$['a.b'][0][*]['c']");
}
