//! The CSV report: one row per detector (RFC 4180 quoting, `\n` line ends). Every text cell is
//! guarded against formula injection: a cell that starts with `=`, `+`, `-`, `@`, tab, CR or LF
//! gets a leading `'`, so a spreadsheet shows it as text instead of evaluating it
//! (OWASP "CSV injection").

use std::fmt::Write;

use super::strip_controls;
use crate::replay::report::Report;

const HEADER: [&str; 15] = [
    "key",
    "matched",
    "fires",
    "true_fires",
    "false_fires",
    "false_positive_rate",
    "fires_by_day",
    "baseline_enabled",
    "baseline_matched",
    "baseline_fires",
    "removed_by_exclusions",
    "unused_exclusions",
    "top_principals",
    "top_event_names",
    "top_source_ips",
];

/// A text cell: control characters removed, formula-guarded, quoted when needed.
pub fn text_cell(s: &str) -> String {
    // Strip first: a removed control character (say U+202E) must not hide a leading `=`.
    // Leading spaces do not protect a formula in every spreadsheet, so look past them.
    let clean = strip_controls(s);
    let mut v = String::with_capacity(clean.len() + 3);
    if s.starts_with(['\t', '\r', '\n']) || clean.trim_start().starts_with(['=', '+', '-', '@']) {
        v.push('\'');
    }
    v.push_str(&clean);
    if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

fn num<T: ToString>(n: Option<T>) -> String {
    n.map_or_else(String::new, |n| n.to_string())
}

/// Renders the report as CSV: one row per detector.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    o.push_str(&HEADER.join(","));
    o.push('\n');
    for d in &r.detectors {
        let days: Vec<String> = d
            .fires_by_day
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let principals: Vec<String> = d
            .top_principals
            .iter()
            .map(|p| format!("{} ({}): {}", p.principal, p.identity_type, p.matched))
            .collect();
        let names: Vec<String> = d
            .top_event_names
            .iter()
            .map(|e| format!("{}: {}", e.event_name, e.matched))
            .collect();
        let ips: Vec<String> = d
            .top_source_ips
            .iter()
            .map(|e| format!("{}: {}", e.source_ip, e.matched))
            .collect();
        let unused: Vec<&str> = d
            .exclusions
            .iter()
            .filter(|e| e.removed == 0)
            .map(|e| e.clause.as_str())
            .collect();
        let base = d.baseline.as_ref();
        let cells = [
            text_cell(&d.key),
            d.matched.to_string(),
            d.fires.to_string(),
            num(d.true_fires),
            num(d.false_fires),
            num(d.false_positive_rate),
            text_cell(&days.join(";")),
            num(base.map(|b| b.enabled)),
            num(base.map(|b| b.matched)),
            num(base.map(|b| b.fires)),
            d.removed_by_exclusions.to_string(),
            text_cell(&unused.join("; ")),
            text_cell(&principals.join("; ")),
            text_cell(&names.join("; ")),
            text_cell(&ips.join("; ")),
        ];
        let _ = writeln!(o, "{}", cells.join(","));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::render::sample;

    #[test]
    fn formula_cells_are_escaped() {
        assert_eq!(text_cell("=1+1"), "'=1+1");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2"), "'-2");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("\t=1"), "' =1");
        assert_eq!(text_cell("\r=1"), "' =1");
        assert_eq!(text_cell("a=1"), "a=1");
        assert_eq!(text_cell(" =1"), "' =1");
        // Regression: a bidi control before `@` was stripped after the check.
        assert_eq!(text_cell("\u{202e}@x"), "'@x");
        assert_eq!(text_cell("alice"), "alice");
    }

    #[test]
    fn quoting() {
        assert_eq!(text_cell("a,b"), "\"a,b\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            text_cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(text_cell(" padded"), "\" padded\"");
    }

    /// Splits RFC 4180 text into rows of cells (test-only reader).
    fn parse(text: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut cell)),
                (false, '\n') => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => cell.push(c),
            }
        }
        rows
    }

    #[test]
    fn sample_is_rectangular_and_no_cell_is_a_formula() {
        let text = render(&sample::report());
        let rows = parse(&text);
        assert_eq!(rows.len(), 4, "{text}");
        assert!(rows.iter().all(|r| r.len() == HEADER.len()), "{rows:?}");
        assert_eq!(rows[1][0], "iamPolicyChanges");
        for cell in rows.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
        let root = &rows[2];
        assert_eq!(root[0], "rootAccountUsage");
        assert!(root[12].contains("=HYPERLINK"), "{root:?}");
        assert!(root[13].starts_with("ConsoleLogin: 3; "), "{root:?}");
        assert!(!text.contains('\u{1b}'));
    }
}
