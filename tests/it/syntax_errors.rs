//! The exact diagnostics of common mistakes, pinned by corpus/errors/syntax-errors.jsonl
//! (`pattern`, `kind`, `rendered`). To regenerate the expectations after a deliberate change
//! of wording, run with `CWFILTER_BLESS=1` and review the diff.

use std::path::PathBuf;

use cwfilter::syntax::parse;

#[test]
fn rendered_errors_match_the_corpus() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/errors/syntax-errors.jsonl");
    let text = std::fs::read_to_string(&path).expect("error corpus");
    let bless = std::env::var_os("CWFILTER_BLESS").is_some();
    let mut out = String::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut case: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let pattern = case["pattern"].as_str().expect("pattern").to_owned();
        let err = match parse(&pattern) {
            Ok(ast) => panic!("{pattern:?} was accepted as {ast}"),
            Err(e) => e,
        };
        let kind = format!("{:?}", err.kind());
        let rendered = err.render();
        if bless {
            case["kind"] = kind.into();
            case["rendered"] = rendered.into();
            out.push_str(&serde_json::to_string(&case).expect("serialise"));
            out.push('\n');
        } else {
            assert_eq!(case["kind"].as_str(), Some(kind.as_str()), "{pattern:?}");
            assert_eq!(
                case["rendered"].as_str(),
                Some(rendered.as_str()),
                "{pattern:?}\n--- got:\n{rendered}"
            );
        }
        count += 1;
    }
    assert!(count >= 40, "only {count} cases");
    if bless {
        std::fs::write(&path, out).expect("write blessed corpus");
    }
}

/// The one-line form names what and where.
#[test]
fn one_line_display_has_line_and_column() {
    let err = parse("{ $.a = 1 &&\n  $.b = }").unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a value, found `}` at line 2 column 9"
    );
    let pos = err.position();
    assert_eq!((pos.offset, pos.line, pos.column), (21, 2, 9));
}

/// Each `ErrorKind` variant's documented triggering pattern triggers it.
#[test]
fn documented_triggers_give_their_kind() {
    use cwfilter::syntax::ErrorKind::*;
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(65), ")".repeat(65));
    let long = "ERROR ".repeat(205);
    let cases: Vec<(&str, cwfilter::syntax::ErrorKind)> = vec![
        ("{ $.a = }", Syntax),
        (long.as_str(), TooLong),
        ("{$.a = abc", UnclosedBrace),
        ("[a, b", UnclosedBracket),
        ("{ ($.a = 1 }", UnclosedParen),
        ("{ $.a = \"x }", UnclosedQuote),
        ("{ $.a = %abc }", UnclosedRegex),
        (deep.as_str(), TooDeep),
        ("ERROR:", InvalidTermChar),
        ("%(alpha|beta)%", InvalidRegexChar),
        ("%%", EmptyRegex),
        ("[a=%x%, b=%y%, c=%z%]", TooManyRegexes),
        ("{ $.*.* = 1 }", TooManyWildcards),
        (
            "{ $.a[*] = 1 || $.b[*] = 2 || $.c[*] = 3 || $.d[*] = 4 }",
            TooManyWildcardSelectors,
        ),
        ("{ $.a IS NOT NULL }", IsNot),
        ("{ $.a EXISTS }", BareExists),
        ("{ $.a = 'Root' }", SingleQuote),
        ("{ $.a = “Root” }", TypographicQuote),
        ("{ status = \"401\" }", MissingDollar),
        ("[status_code = 4* && bytes > 1000]", CrossFieldCondition),
        ("[..., =404, bytes]", UnnamedFieldCondition),
        ("[a, a]", DuplicateField),
        ("[..., a, ...]", MultipleEllipses),
    ];
    for (pattern, kind) in cases {
        let err = parse(pattern).expect_err(pattern);
        assert_eq!(err.kind(), &kind, "{pattern}: {}", err.render());
    }
}
