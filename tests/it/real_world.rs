//! Every filter pattern of corpus/real-world/patterns.jsonl, each deployed through
//! infrastructure code in a public repository (so the service accepted it), must parse,
//! compile, print canonically, and re-parse to the same tree and the same text (issue #11).
//! The test lists every pattern that fails, with where it was found.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cwfilter::eval::Pattern;
use cwfilter::syntax::parse;

struct Record {
    pattern: String,
    kind: String,
    cloudtrail: bool,
    source: String,
}

fn corpus() -> Vec<Record> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/real-world/patterns.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is part of the repository: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("patterns.jsonl line {}: {e}", n + 1));
            let s = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("patterns.jsonl line {}: no {k}", n + 1))
                    .to_owned()
            };
            for k in ["repo", "path", "commit", "licence", "host"] {
                s(k);
            }
            Record {
                pattern: s("pattern"),
                kind: s("kind"),
                cloudtrail: v["cloudtrail"].as_bool().expect("cloudtrail is a boolean"),
                source: format!("{}:{}:{}", s("repo"), s("path"), v["line"]),
            }
        })
        .collect()
}

/// Why one pattern fails the round trip, or `None` if it passes.
fn check(pattern: &str) -> Option<String> {
    let ast = match parse(pattern) {
        Ok(ast) => ast,
        Err(e) => return Some(format!("rejected: {}", e.render())),
    };
    if let Err(e) = Pattern::from_ast(ast.clone()) {
        return Some(format!("parses but does not compile: {e}"));
    }
    let printed = ast.to_string();
    match parse(&printed) {
        Err(e) => Some(format!("canonical form {printed:?} is rejected: {e}")),
        Ok(again) if again != ast => {
            Some(format!("canonical form {printed:?} parses to another tree"))
        }
        Ok(again) if again.to_string() != printed => Some(format!(
            "canonical form {printed:?} prints as {:?}",
            again.to_string()
        )),
        Ok(_) => None,
    }
}

#[test]
fn every_deployed_pattern_parses_prints_and_reparses() {
    let corpus = corpus();
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|r| {
            check(&r.pattern).map(|why| format!("{:?} ({})\n  {why}", r.pattern, r.source))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} deployed patterns fail:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

/// The corpus is what issue #11 asks for: several hundred patterns, at least a quarter of them
/// not CloudTrail JSON, each kind of syntax present, and the kind recorded correctly.
#[test]
fn corpus_is_broad_and_labelled() {
    let corpus = corpus();
    assert!(corpus.len() >= 300, "{} patterns", corpus.len());
    let not_cloudtrail = corpus.iter().filter(|r| !r.cloudtrail).count();
    assert!(
        not_cloudtrail * 4 >= corpus.len(),
        "{not_cloudtrail} not CloudTrail JSON"
    );
    let mut kinds = BTreeMap::new();
    for r in &corpus {
        *kinds.entry(r.kind.as_str()).or_insert(0) += 1;
        if let Ok(pattern) = Pattern::parse(&r.pattern) {
            let kind = format!("{:?}", pattern.kind()).to_lowercase();
            assert_eq!(kind, r.kind, "{} ({})", r.pattern, r.source);
        }
        assert!(!r.cloudtrail || r.kind == "json", "{}", r.source);
    }
    for kind in ["terms", "json", "delimited", "regex"] {
        assert!(kinds.contains_key(kind), "no {kind} pattern in {kinds:?}");
    }
}
