//! The terminal report: a summary table, then per-detector details for detectors that matched.
//! Every value from input data passes through [`strip_controls`], so a hostile userAgent or
//! userName cannot move the cursor, clear the screen or recolour the terminal.

use std::fmt::Write;

use super::{opt_num, rate_text, strip_controls};
use crate::replay::report::{Report, MOSTLY_NOISE_RATE, TUNE_COMMAND};

/// Longest value shown in a table cell (longer ones end with `…`).
const MAX_CELL: usize = 48;

/// A terminal-safe, length-limited cell.
fn cell(s: &str) -> String {
    let clean = strip_controls(s);
    if clean.chars().count() <= MAX_CELL {
        clean
    } else {
        let mut t: String = clean.chars().take(MAX_CELL - 1).collect();
        t.push('…');
        t
    }
}

/// Renders the report as the terminal table.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let labelled = r.labels.is_some();
    let i = &r.inputs;
    let _ = writeln!(
        o,
        "cwfilter replay: {} file(s), {} event(s), {} oversize skipped, {} error(s)",
        i.files, i.events, i.oversize_skipped, i.error_count
    );
    if i.no_event_time > 0 || i.outside_window > 0 {
        let _ = writeln!(
            o,
            "  {} without eventTime, {} outside --since/--until",
            i.no_event_time, i.outside_window
        );
    }
    let _ = writeln!(
        o,
        "window: {} .. {}",
        r.window.start.as_deref().unwrap_or("(no events)"),
        r.window.end.as_deref().unwrap_or("(no events)")
    );
    if let Some(l) = &r.labels {
        let _ = writeln!(
            o,
            "labels: {} malicious ({} in the trail), {} benign ({} in the trail)",
            l.malicious, l.malicious_seen, l.benign, l.benign_seen
        );
    }
    o.push('\n');

    let with_base = r.what_if.is_some();
    let mut head = vec!["DETECTOR", "MATCHED", "FIRES", "TRUE", "FALSE", "FP RATE"];
    if with_base {
        head.extend(["BASE MATCHED", "BASE FIRES"]);
    }
    head.push("TOP PRINCIPAL");
    let mut rows: Vec<Vec<String>> = vec![head.into_iter().map(String::from).collect()];
    for d in &r.detectors {
        let mut row = vec![
            cell(&d.key),
            d.matched.to_string(),
            d.fires.to_string(),
            opt_num(d.true_fires),
            opt_num(d.false_fires),
            rate_text(d.false_positive_rate, labelled),
        ];
        if with_base {
            match &d.baseline {
                Some(b) if b.enabled => row.extend([b.matched.to_string(), b.fires.to_string()]),
                _ => row.extend(["off".to_string(), "off".to_string()]),
            }
        }
        row.push(d.top_principals.first().map_or_else(
            || "-".to_string(),
            |p| {
                format!(
                    "{} ({}) {}",
                    cell(&p.principal),
                    cell(&p.identity_type),
                    p.matched
                )
            },
        ));
        rows.push(row);
    }
    let s = &r.summary;
    let mut total = vec![
        "TOTAL*".to_string(),
        s.matched_events.to_string(),
        s.fires.to_string(),
        opt_num(s.true_fires),
        opt_num(s.false_fires),
        rate_text(s.false_positive_rate, labelled),
    ];
    if let Some(w) = &r.what_if {
        total.extend([w.baseline_matched.to_string(), w.baseline_fires.to_string()]);
    }
    rows.push(total);
    // The last column (principal) is text: left-align it too.
    let n = rows[0].len();
    let left: Vec<usize> = vec![0, n - 1];
    table_mixed(&mut o, &rows, &left);
    o.push_str("* matched: distinct events (an event two detectors match counts once)\n");
    if !labelled {
        o.push_str("(false-positive rate unknown: give --labels FILE to measure it)\n");
    }

    for d in r.detectors.iter().filter(|d| d.matched > 0 || d.fires > 0) {
        match &d.alarm {
            Some(a) => {
                let _ = writeln!(
                    o,
                    "\n{}: threshold {}, period {}s, {} of {}, treatMissingData {}",
                    cell(&d.key),
                    a.threshold,
                    a.period,
                    a.datapoints_to_alarm,
                    a.evaluation_periods,
                    a.treat_missing_data
                );
            }
            None => {
                let _ = writeln!(o, "\n{}: no alarm (matches only)", cell(&d.key));
            }
        }
        if !d.fires_by_day.is_empty() {
            let days: Vec<String> = d
                .fires_by_day
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            let _ = writeln!(o, "  fires by day: {}", days.join(", "));
        }
        let mut rows = vec![vec![
            "  top principals".to_string(),
            "type".into(),
            "matched".into(),
            "fires".into(),
            "fire events".into(),
        ]];
        for p in &d.top_principals {
            rows.push(vec![
                format!("  {}", cell(&p.principal)),
                cell(&p.identity_type),
                p.matched.to_string(),
                p.fires.to_string(),
                p.fire_events.to_string(),
            ]);
        }
        table_mixed(&mut o, &rows, &[0, 1]);
        let mut rows = vec![vec![
            "  top event names".to_string(),
            "matched".into(),
            "fires".into(),
        ]];
        for e in &d.top_event_names {
            rows.push(vec![
                format!("  {}", cell(&e.event_name)),
                e.matched.to_string(),
                e.fires.to_string(),
            ]);
        }
        rows.push(vec![
            "  top source IPs".to_string(),
            String::new(),
            String::new(),
        ]);
        for e in &d.top_source_ips {
            rows.push(vec![
                format!("  {}", cell(&e.source_ip)),
                e.matched.to_string(),
                e.fires.to_string(),
            ]);
        }
        table_mixed(&mut o, &rows, &[0]);
        // Clauses come from the config (at most 1,024 characters): shown whole, since the
        // value that matters (which user, which ARN) is at the end.
        for e in &d.exclusions {
            let _ = writeln!(
                o,
                "  exclusion removed {}: {}",
                e.removed,
                strip_controls(&e.clause)
            );
        }
    }

    if let Some(missed) = &r.missed_incidents {
        let _ = writeln!(
            o,
            "\nmissed incidents (labelled malicious, no alarm): {}",
            missed.len()
        );
        for m in missed {
            let _ = writeln!(
                o,
                "  {}  {}  {}  {} ({}){}",
                cell(&m.event_id),
                m.event_time,
                cell(&m.event_name),
                cell(&m.principal),
                cell(&m.identity_type),
                if m.matched_by.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  matched by {} below its threshold",
                        m.matched_by.join(", ")
                    )
                }
            );
        }
        if let Some(l) = &r.labels {
            if !l.malicious_not_seen.is_empty() {
                let _ = writeln!(
                    o,
                    "  {} labelled malicious event(s) not in the replayed trail",
                    l.malicious_not_seen.len()
                );
            }
        }
    }

    if let Some(w) = &r.what_if {
        let _ = writeln!(
            o,
            "\nwhat-if vs baseline: fires {} -> {}, matched {} -> {}",
            w.baseline_fires, w.current_fires, w.baseline_matched, w.current_matched
        );
        if let Some(n) = w.false_fires_removed {
            let _ = writeln!(o, "  false fires removed: {n}");
        }
        match &w.lost_incidents {
            Some(lost) if lost.is_empty() => {
                o.push_str("  every labelled incident the baseline caught still fires\n")
            }
            Some(lost) => {
                for m in lost {
                    let _ = writeln!(
                        o,
                        "  LOST incident {} at {} ({} by {})",
                        cell(&m.event_id),
                        m.event_time,
                        cell(&m.event_name),
                        cell(&m.principal)
                    );
                }
            }
            None => {}
        }
        for b in &w.baseline_only {
            let _ = writeln!(
                o,
                "  disabled: {} (baseline matched {}, fires {})",
                cell(&b.key),
                b.matched,
                b.fires
            );
        }
        for k in &w.new_detectors {
            let _ = writeln!(o, "  new: {}", cell(k));
        }
        for u in &w.unused_exclusions {
            let _ = writeln!(
                o,
                "  exclusion removed nothing: {} {}",
                cell(&u.key),
                strip_controls(&u.clause)
            );
        }
    }

    tune_hint(&mut o, r);

    if let Some(c) = &r.calibration {
        calibration(&mut o, c);
    }

    if !r.inputs.errors.is_empty() {
        let _ = writeln!(o, "\nerrors ({}):", r.inputs.error_count);
        for e in &r.inputs.errors {
            let at = e
                .line
                .map_or_else(String::new, |l| format!(":{l}:{}", e.column.unwrap_or(1)));
            let _ = writeln!(
                o,
                "  {}{}: {}",
                strip_controls(&e.path),
                at,
                strip_controls(&e.message)
            );
        }
    }
    o
}

/// Under the what-if section: the detectors whose false-positive rate is above 50%, and the
/// command that proposes exclusions for them (docs/tune.md).
fn tune_hint(o: &mut String, r: &Report) {
    let noisy: Vec<String> = r.mostly_noise().into_iter().map(cell).collect();
    if noisy.is_empty() {
        return;
    }
    if r.what_if.is_none() {
        o.push_str("\nwhat-if:\n");
    }
    let _ = writeln!(
        o,
        "  false-positive rate above {:.0}%: {}\n  run `{TUNE_COMMAND}` to propose exclusions that keep every labelled incident",
        MOSTLY_NOISE_RATE * 100.0,
        noisy.join(", ")
    );
}

/// The calibration section: one row per alarm compared, then each disagreement's time.
fn calibration(o: &mut String, c: &crate::replay::Calibration) {
    let _ = writeln!(
        o,
        "\ncalibration against the alarm history ({} alarm(s) compared):",
        c.alarms.len()
    );
    if !c.alarms.is_empty() {
        let mut rows = vec![vec![
            "alarm".to_owned(),
            "simulated".to_owned(),
            "real".to_owned(),
            "agreed".to_owned(),
            "only simulated".to_owned(),
            "only real".to_owned(),
        ]];
        for a in &c.alarms {
            rows.push(vec![
                cell(&a.alarm_name),
                a.simulated.to_string(),
                a.real.to_string(),
                a.agreed.to_string(),
                a.only_simulated.len().to_string(),
                a.only_real.len().to_string(),
            ]);
        }
        let mut table = String::new();
        table_mixed(&mut table, &rows, &[0]);
        for line in table.lines() {
            let _ = writeln!(o, "  {line}");
        }
    }
    for a in &c.alarms {
        for t in &a.only_simulated {
            let _ = writeln!(o, "  only simulated: {} fire at {t}", cell(&a.alarm_name));
        }
        for t in &a.only_real {
            let _ = writeln!(o, "  only real: {} ALARM at {t}", cell(&a.alarm_name));
        }
        if a.truncated {
            let _ = writeln!(
                o,
                "  {}: only the first simulated fires were compared",
                cell(&a.alarm_name)
            );
        }
    }
    if !c.not_in_history.is_empty() {
        let names: Vec<String> = c.not_in_history.iter().map(|n| cell(n)).collect();
        let _ = writeln!(o, "  not in the history: {}", names.join(", "));
    }
    if !c.not_replayed.is_empty() {
        let names: Vec<String> = c.not_replayed.iter().map(|n| cell(n)).collect();
        let _ = writeln!(o, "  in the history, not replayed: {}", names.join(", "));
    }
}

/// Aligns `rows` in columns two spaces apart: the `left` columns left-aligned, others right.
fn table_mixed(out: &mut String, rows: &[Vec<String>], left: &[usize]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, v) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(v.chars().count());
            if c > 0 {
                line.push_str("  ");
            }
            if left.contains(&c) {
                line.push_str(v);
                line.extend(std::iter::repeat_n(' ', pad));
            } else {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(v);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::render::sample;

    #[test]
    fn summary_lists_every_detector_and_totals() {
        let text = render(&sample::report());
        for key in [
            "iamPolicyChanges",
            "rootAccountUsage",
            "unauthorizedApiCalls",
            "TOTAL",
        ] {
            assert!(text.contains(key), "{key} missing:\n{text}");
        }
        assert!(text.contains("window: 2024-03-01T10:00:00Z .. 2024-03-05T00:30:00Z"));
        assert!(text.contains("what-if vs baseline"));
        assert!(text.contains("disabled: vpcChanges"));
    }

    #[test]
    fn no_control_characters_reach_the_terminal() {
        let text = render(&sample::report());
        assert!(text.contains("evil[2J"), "{text}");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }

    #[test]
    fn unknown_rate_without_labels() {
        let mut r = sample::report();
        r.labels = None;
        r.missed_incidents = None;
        for d in &mut r.detectors {
            d.false_positive_rate = None;
            d.true_fires = None;
            d.false_fires = None;
        }
        r.summary.false_positive_rate = None;
        let text = render(&r);
        assert!(text.contains("unknown"), "{text}");
        assert!(text.contains("give --labels"));
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(cell(&"x".repeat(100)).chars().count(), MAX_CELL);
        assert_eq!(cell("short"), "short");
    }
}
