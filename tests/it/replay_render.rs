//! Renderers against hostile event data (issue 7: outputs must not be injectable) and empty
//! reports (no panic, still well-formed).

use cwfilter::alarm::AlarmSpec;
use cwfilter::replay::render::{render, Format};
use cwfilter::replay::report::Report;
use cwfilter::replay::{Accumulator, DetectorSpec, ReplayConfig, Verdicts};
use proptest::prelude::*;
use serde_json::json;

const FORMATS: [Format; 5] = [
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Markdown,
    Format::Html,
];

fn report_with(values: &[(String, String, String)]) -> Report {
    let cfg = ReplayConfig::new(vec![DetectorSpec {
        key: "d".into(),
        alarm: AlarmSpec::new(1.0, 300, 1),
        exclusions: vec!["x".into()],
        no_alarm: false,
    }]);
    let mut acc = Accumulator::new(&cfg);
    for (i, (user, name, ip)) in values.iter().enumerate() {
        let rec = json!({
            "eventTime": format!("2024-05-01T{:02}:00:00Z", i % 24),
            "eventName": name,
            "sourceIPAddress": ip,
            "userIdentity": {"type": user, "userName": user},
        });
        acc.observe(
            &cfg,
            &rec,
            &Verdicts {
                current: &[true],
                ..Verdicts::default()
            },
        );
        acc.add_error(user, Some(i as u64), name);
    }
    acc.finish(&cfg)
}

/// Every `<` in the document opens one of the renderer's own tags.
fn only_own_tags(html: &str) -> Result<(), String> {
    const TAGS: &[&str] = &[
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3",
        "p", "div", "span", "b", "code", "table", "thead", "tbody", "tr", "th", "td", "section",
        "header", "ul", "li", "svg", "line", "text", "rect", "footer",
    ];
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if !TAGS.contains(&name) {
            return Err(format!("foreign tag <{tag}>"));
        }
        if tag.to_ascii_lowercase().contains(" on") {
            return Err(format!("event handler in <{tag}>"));
        }
        rest = &rest[end + 1..];
    }
    Ok(())
}

fn csv_cells(text: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',' | '\n') => cells.push(std::mem::take(&mut cell)),
            (_, c) => cell.push(c),
        }
    }
    cells
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[=+@\\-\t\r<>&\"'`|\\\\\u{1b}\u{7}\u{202e}a-z ]{0,24}",
        Just("<script>alert(1)</script>".to_string()),
        Just("=cmd|' /C calc'!A0".to_string()),
        Just("</code></td><img src=x onerror=alert(1)>".to_string()),
    ]
}

proptest! {
    #[test]
    fn hostile_event_values_cannot_inject(
        values in prop::collection::vec((hostile(), hostile(), hostile()), 1..6),
    ) {
        let report = report_with(&values);
        let html = render(&report, Format::Html);
        prop_assert!(only_own_tags(&html).is_ok(), "{:?}", only_own_tags(&html));

        let table = render(&report, Format::Table);
        prop_assert!(!table.chars().any(|c| c.is_control() && c != '\n'));
        let markdown = render(&report, Format::Markdown);
        prop_assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'));

        let csv = render(&report, Format::Csv);
        for cell in csv_cells(&csv) {
            prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']), "{:?}", cell);
        }

        let back: Report = serde_json::from_str(&render(&report, Format::Json)).unwrap();
        prop_assert_eq!(back, report);
    }
}

#[test]
fn empty_reports_render_in_every_format() {
    let empty = Report::default();
    let cfg = ReplayConfig::new(vec![DetectorSpec {
        key: "quiet".into(),
        alarm: AlarmSpec::new(1.0, 300, 1),
        exclusions: Vec::new(),
        no_alarm: false,
    }]);
    let no_events = Accumulator::new(&cfg).finish(&cfg);
    assert_eq!(no_events.window.start, None);
    assert_eq!(no_events.detectors.len(), 1);
    for r in [&empty, &no_events] {
        for f in FORMATS {
            let text = render(r, f);
            assert!(text.ends_with('\n'), "{f:?}");
        }
        only_own_tags(&render(r, Format::Html)).unwrap();
    }
    assert!(render(&no_events, Format::Table).contains("(no events)"));
    assert!(render(&no_events, Format::Html).contains("No events in the window"));
}
