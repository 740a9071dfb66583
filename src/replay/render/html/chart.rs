//! The fires-per-day bar chart of the HTML report, as inline SVG.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::escape;
use crate::replay::report::Report;
use crate::trail::time::{format_day, parse_event_time as parse_timestamp};

/// Most days drawn in one chart; longer windows are narrowed to the days with fires.
const MAX_CHART_DAYS: i64 = 400;

/// The days a chart spans: the whole window, or (for very long windows) only the days with
/// fires, then `false`.
fn chart_days(days: &BTreeMap<String, u64>, r: &Report) -> (Vec<String>, bool) {
    let secs = |s: &Option<String>| s.as_deref().and_then(parse_timestamp);
    let from_keys = |days: &BTreeMap<String, u64>| -> Option<(i64, i64)> {
        let first = parse_timestamp(&format!("{}T00:00:00Z", days.keys().next()?))?;
        let last = parse_timestamp(&format!("{}T00:00:00Z", days.keys().next_back()?))?;
        Some((first, last))
    };
    let span = match (secs(&r.window.start), secs(&r.window.end)) {
        (Some(a), Some(b)) if b >= a && (b - a) / 86_400 < MAX_CHART_DAYS => Some((a, b)),
        _ => from_keys(days).filter(|(a, b)| (b - a) / 86_400 < MAX_CHART_DAYS),
    };
    match span {
        Some((a, b)) => (
            (a.div_euclid(86_400)..=b.div_euclid(86_400))
                .map(|d| format_day(d * 86_400))
                .collect(),
            true,
        ),
        None => (days.keys().cloned().collect(), false),
    }
}

/// A bar chart of fires per day as inline SVG (one bar per day, a `<title>` tooltip each).
pub(super) fn chart(days: &BTreeMap<String, u64>, r: &Report, width: u32, height: u32) -> String {
    let (labels, contiguous) = chart_days(days, r);
    if labels.is_empty() {
        return "<p class=\"meta\">No events in the window.</p>\n".into();
    }
    // Month-day labels suffice within one year; otherwise show the full date.
    let one_year = labels.first().map(|d| d.get(..4)) == labels.last().map(|d| d.get(..4));
    let max = days.values().copied().max().unwrap_or(0).max(1);
    let (left, right, top, bottom) = (34.0, 34.0, 16.0, 20.0);
    let (w, h) = (f64::from(width), f64::from(height));
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let slot = plot_w / labels.len() as f64;
    let bar_w = (slot * 0.75).clamp(1.0, 36.0);
    let mut s = format!(
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"fires per day\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    // Axis and grid: 0 and max.
    let base_y = top + plot_h;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{base_y}\" x2=\"{}\" y2=\"{base_y}\" stroke=\"#d0d7de\"/>",
        w - right
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{}\" y2=\"{top}\" stroke=\"#eef1f4\" stroke-dasharray=\"3 3\"/>",
        w - right
    );
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        left - 4.0,
        top + 8.0,
        left - 4.0,
        base_y
    );
    for (i, day) in labels.iter().enumerate() {
        let n = days.get(day).copied().unwrap_or(0);
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let bh = plot_h * n as f64 / max as f64;
        let (y, fill, bh) = if n == 0 {
            (base_y - 1.0, "var(--bar2)", 1.0)
        } else {
            (base_y - bh, "var(--bar)", bh)
        };
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" rx=\"1.5\" fill=\"{fill}\"><title>{}: {n} fire(s)</title></rect>",
            escape(day)
        );
        // Value labels while bars are wide enough to carry them.
        if n > 0 && slot >= 14.0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
                x + bar_w / 2.0,
                y - 4.0
            );
        }
    }
    // Day labels: first, last, and a few between, never overlapping.
    let shown = |day: &'_ str| -> String {
        if one_year {
            day.get(5..).unwrap_or(day).to_owned()
        } else {
            day.to_owned()
        }
    };
    let widest = labels.iter().map(|d| shown(d).len()).max().unwrap_or(0);
    for i in tick_indices(labels.len(), slot, label_width(widest)) {
        let x = left + slot * i as f64 + slot / 2.0;
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            h - 5.0,
            escape(&shown(&labels[i]))
        );
    }
    s.push_str("</svg>\n");
    if !contiguous {
        s.push_str("<p class=\"meta\">The window is too long to draw day by day: only days with fires are shown.</p>\n");
    }
    s
}

/// Room an axis label of `chars` characters takes in the chart's 10-unit font (digits and
/// dashes are about 5.6 units wide), with a gap.
fn label_width(chars: usize) -> f64 {
    chars as f64 * 6.0 + 8.0
}

/// Which of `n` day slots (each `slot` units wide) get an axis label: the first, every
/// `step`-th, and the last, with centres at least `label_w` apart. The last label replaces
/// the one before it when they would overlap.
fn tick_indices(n: usize, slot: f64, label_w: f64) -> Vec<usize> {
    if n == 0 || slot <= 0.0 {
        return Vec::new();
    }
    let min_gap = ((label_w / slot).ceil() as usize).max(1);
    let step = (n / 6).max(min_gap);
    let mut ticks: Vec<usize> = (0..n).step_by(step).collect();
    let last = n - 1;
    if ticks.last() != Some(&last) {
        if ticks.last().is_some_and(|&prev| last - prev < min_gap) {
            if ticks.len() == 1 {
                // Only the first fits.
                return ticks;
            }
            ticks.pop();
        }
        ticks.push(last);
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::render::sample;

    #[test]
    fn charts_have_a_bar_per_day_of_the_window() {
        let r = sample::report();
        let root = r
            .detectors
            .iter()
            .find(|d| d.key == "rootAccountUsage")
            .unwrap();
        let svg = chart(&root.fires_by_day, &r, 900, 110);
        // Window 2024-03-01 .. 2024-03-05: five days.
        assert_eq!(svg.matches("<rect").count(), 5);
        assert!(svg.contains("<title>2024-03-01: 2 fire(s)</title>"));
        assert!(svg.contains("<title>2024-03-03: 0 fire(s)</title>"));
    }

    #[test]
    fn axis_labels_never_overlap() {
        // Regression: the last label was always added, so on the bundled trail's chart
        // (29 days with fires over 11 years) "2025-07-08" and "2025-08-13" overlapped.
        for label_w in [label_width(5), label_width(10)] {
            for n in 1..400 {
                let slot = 832.0 / n as f64;
                let ticks = tick_indices(n, slot, label_w);
                assert_eq!(ticks.first(), Some(&0), "n={n}");
                if n > 1 && (n - 1) as f64 * slot >= label_w {
                    assert_eq!(ticks.last(), Some(&(n - 1)), "n={n}");
                }
                for w in ticks.windows(2) {
                    assert!(
                        (w[1] - w[0]) as f64 * slot >= label_w,
                        "n={n}: {ticks:?} overlap"
                    );
                }
            }
        }
    }
}
