//! The Markdown report, for a pull-request comment (GitHub-flavoured Markdown).
//!
//! Every value from input data is rendered as an inline code span: inside one, GitHub renders
//! no HTML, links, emphasis or @mentions, so a userName of `<img src=x onerror=...>` or
//! `@org/everyone` is shown as text. The fence is longer than any backtick run in the value,
//! control characters are removed, and `|` is escaped inside tables.

use std::fmt::Write;

use super::{opt_num, rate_text, strip_controls};
use crate::replay::report::{Incident, Report, MOSTLY_NOISE_RATE, TUNE_COMMAND};

/// Rows per top list: GitHub comments are limited to 65,536 characters, and 23 detectors with
/// three full top-10 lists come close. The JSON report has the full lists.
const MAX_ROWS: usize = 5;

/// `value` as an inline code span; `in_table` escapes `|` (GFM splits cells on it even inside
/// code spans, and unescapes `\|` there).
pub fn code(value: &str, in_table: bool) -> String {
    let mut v = strip_controls(value);
    if v.is_empty() {
        return "*(empty)*".into();
    }
    if in_table {
        v = v.replace('|', "\\|");
    }
    let mut longest = 0;
    let mut run = 0;
    for c in v.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space pads a value that starts or ends with a backtick (stripped again by the parser).
    let pad = if v.starts_with('`') || v.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{v}{pad}{fence}")
}

fn incident_line(o: &mut String, m: &Incident) {
    let _ = write!(
        o,
        "- {} at {} — {} by {} ({})",
        code(&m.event_id, false),
        m.event_time,
        code(&m.event_name, false),
        code(&m.principal, false),
        code(&m.identity_type, false)
    );
    if !m.matched_by.is_empty() {
        let keys: Vec<String> = m.matched_by.iter().map(|k| code(k, false)).collect();
        let _ = write!(o, "; matched by {} but no alarm fired", keys.join(", "));
    }
    o.push('\n');
}

/// Renders the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let labelled = r.labels.is_some();
    let i = &r.inputs;
    o.push_str("## cwfilter replay\n\n");
    let _ = writeln!(
        o,
        "**Window** {} → {} · **Files** {} · **Events** {} ({} oversize skipped) · **Errors** {}\n",
        r.window.start.as_deref().unwrap_or("(no events)"),
        r.window.end.as_deref().unwrap_or("(no events)"),
        i.files,
        i.events,
        i.oversize_skipped,
        i.error_count
    );

    let base = r.what_if.is_some();
    o.push_str("| Detector | Matched | Fires | True | False | FP rate |");
    if base {
        o.push_str(" Baseline matched | Baseline fires |");
    }
    o.push_str(" Top principal |\n|---|--:|--:|--:|--:|--:|");
    if base {
        o.push_str("--:|--:|");
    }
    o.push_str("---|\n");
    for d in &r.detectors {
        let _ = write!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            code(&d.key, true),
            d.matched,
            d.fires,
            opt_num(d.true_fires),
            opt_num(d.false_fires),
            rate_text(d.false_positive_rate, labelled)
        );
        if base {
            match &d.baseline {
                Some(b) if b.enabled => {
                    let _ = write!(o, " {} | {} |", b.matched, b.fires);
                }
                _ => o.push_str(" off | off |"),
            }
        }
        match d.top_principals.first() {
            Some(p) => {
                let _ = writeln!(
                    o,
                    " {} ({}) ×{} |",
                    code(&p.principal, true),
                    code(&p.identity_type, true),
                    p.matched
                );
            }
            None => o.push_str(" – |\n"),
        }
    }
    let s = &r.summary;
    let _ = write!(
        o,
        "| **Total** | {} | {} | {} | {} | {} |",
        s.matched_events,
        s.fires,
        opt_num(s.true_fires),
        opt_num(s.false_fires),
        rate_text(s.false_positive_rate, labelled)
    );
    if let Some(w) = &r.what_if {
        let _ = write!(o, " {} | {} |", w.baseline_matched, w.baseline_fires);
    }
    o.push_str(" |\n\n");
    if !labelled {
        o.push_str(
            "False-positive rate: **unknown** (no `--labels` file; the replay does not guess).\n\n",
        );
    }

    for d in r.detectors.iter().filter(|d| d.matched > 0) {
        let _ = writeln!(
            o,
            "<details><summary><code>{}</code> — {} matched, {} fires</summary>\n",
            super::html::escape(&strip_controls(&d.key)),
            d.matched,
            d.fires
        );
        if !d.fires_by_day.is_empty() {
            let days: Vec<String> = d
                .fires_by_day
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            let _ = writeln!(o, "Fires by day: {}\n", days.join(", "));
        }
        o.push_str(
            "| Principal | Type | Matched | Fires | Events in fires |\n|---|---|--:|--:|--:|\n",
        );
        for p in d.top_principals.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                code(&p.principal, true),
                code(&p.identity_type, true),
                p.matched,
                p.fires,
                p.fire_events
            );
        }
        o.push_str("\n| Event name | Matched | Fires |\n|---|--:|--:|\n");
        for e in d.top_event_names.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                code(&e.event_name, true),
                e.matched,
                e.fires
            );
        }
        o.push_str("\n| Source IP | Matched | Fires |\n|---|--:|--:|\n");
        for e in d.top_source_ips.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                code(&e.source_ip, true),
                e.matched,
                e.fires
            );
        }
        if !d.exclusions.is_empty() {
            o.push_str("\n| Exclusion | Events removed |\n|---|--:|\n");
            for e in &d.exclusions {
                let _ = writeln!(o, "| {} | {} |", code(&e.clause, true), e.removed);
            }
        }
        o.push_str("\n*Top 5 of each list; `--format json` has the full lists.*\n\n</details>\n\n");
    }

    if let Some(w) = &r.what_if {
        o.push_str("### What-if vs baseline\n\n");
        let _ = writeln!(
            o,
            "Fires {} → {}, matched {} → {}.",
            w.baseline_fires, w.current_fires, w.baseline_matched, w.current_matched
        );
        if let Some(n) = w.false_fires_removed {
            let _ = writeln!(o, "False fires removed: **{n}**.");
        }
        match &w.lost_incidents {
            Some(lost) if lost.is_empty() => {
                o.push_str("Every labelled incident the baseline caught still fires.\n")
            }
            Some(lost) => {
                let _ = writeln!(o, "\n**Lost incidents ({}):**\n", lost.len());
                for m in lost {
                    incident_line(&mut o, m);
                }
            }
            None => {}
        }
        for b in &w.baseline_only {
            let _ = writeln!(
                o,
                "\n- Disabled: {} (baseline: {} matched, {} fires)",
                code(&b.key, false),
                b.matched,
                b.fires
            );
        }
        for k in &w.new_detectors {
            let _ = writeln!(o, "- New: {}", code(k, false));
        }
        if !w.unused_exclusions.is_empty() {
            o.push_str("\nExclusions that removed nothing:\n\n");
            for u in &w.unused_exclusions {
                let _ = writeln!(o, "- {} {}", code(&u.key, false), code(&u.clause, false));
            }
        }
        o.push('\n');
    }
    let noisy = r.mostly_noise();
    if !noisy.is_empty() {
        let keys: Vec<String> = noisy.into_iter().map(|k| code(k, false)).collect();
        let _ = writeln!(
            o,
            "### Tune the noise\n\nFalse-positive rate above {:.0}%: {}. Run `{TUNE_COMMAND}` to \
             propose exclusions that keep every labelled incident.\n",
            MOSTLY_NOISE_RATE * 100.0,
            keys.join(", ")
        );
    }

    if let Some(missed) = &r.missed_incidents {
        let _ = writeln!(o, "### Missed incidents ({})\n", missed.len());
        if missed.is_empty() {
            o.push_str("Every labelled malicious event in the trail was covered by an alarm.\n");
        }
        for m in missed {
            incident_line(&mut o, m);
        }
        if let Some(l) = &r.labels {
            if !l.malicious_not_seen.is_empty() {
                let _ = writeln!(
                    o,
                    "\n{} labelled malicious event(s) are not in the replayed trail.",
                    l.malicious_not_seen.len()
                );
            }
        }
        o.push('\n');
    }

    if let Some(c) = &r.calibration {
        let _ = writeln!(o, "### Calibration against the alarm history\n");
        o.push_str("| Alarm | Simulated | Real | Agreed | Only simulated | Only real |\n|---|--:|--:|--:|---|---|\n");
        for a in &c.alarms {
            let times = |ts: &[String]| {
                ts.iter()
                    .map(|t| code(t, true))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                code(&a.alarm_name, true),
                a.simulated,
                a.real,
                a.agreed,
                times(&a.only_simulated),
                times(&a.only_real)
            );
        }
        if !c.not_in_history.is_empty() {
            let names: Vec<String> = c.not_in_history.iter().map(|n| code(n, false)).collect();
            let _ = writeln!(o, "\nNot in the history: {}.", names.join(", "));
        }
        if !c.not_replayed.is_empty() {
            let names: Vec<String> = c.not_replayed.iter().map(|n| code(n, false)).collect();
            let _ = writeln!(o, "\nIn the history, not replayed: {}.", names.join(", "));
        }
        o.push('\n');
    }

    if !i.errors.is_empty() {
        let _ = writeln!(o, "### Input errors ({})\n", i.error_count);
        for e in &i.errors {
            let at = e.line.map_or_else(String::new, |l| format!(" line {l}"));
            let _ = writeln!(
                o,
                "- {}{at}: {}",
                code(&e.path, false),
                code(&e.message, false)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::render::sample;

    #[test]
    fn code_spans() {
        assert_eq!(code("alice", false), "`alice`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("x\u{1b}[2J\ny", false), "`x[2J y`");
        assert_eq!(code("", true), "*(empty)*");
    }

    #[test]
    fn table_rows_keep_their_cell_count() {
        let text = render(&sample::report());
        let header_cells = |l: &str| l.matches(" | ").count();
        let mut lines = text.lines().skip_while(|l| !l.starts_with("| Detector"));
        let head = lines.next().unwrap();
        for line in lines.take_while(|l| l.starts_with('|')) {
            // Unescaped pipes outside `\|` are the only cell separators.
            let seps = line.replace("\\|", "").matches('|').count();
            assert_eq!(seps, head.matches('|').count(), "{line}");
        }
        assert!(header_cells(head) > 5);
    }

    #[test]
    fn event_values_are_never_raw_markdown_or_html() {
        let text = render(&sample::report());
        // The script tag appears only inside code spans.
        for (i, _) in text.match_indices("<script>") {
            let before = &text[..i];
            assert!(
                before.ends_with('`'),
                "raw HTML at {i}: {}",
                &text[i.saturating_sub(20)..i + 10]
            );
        }
        assert!(
            text.contains("`a\\|b`c*d_@team`") || text.contains("``a\\|b`c*d_@team``"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("### What-if vs baseline"));
        assert!(text.contains("| **Total** |"));
    }
}
