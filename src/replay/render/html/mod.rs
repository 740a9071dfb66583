//! The HTML report: one self-contained file (inline CSS and SVG, no script, no font, no
//! network). A Content-Security-Policy forbids scripts and remote loads as a second line of
//! defence; the first is that every value is HTML-escaped by [`escape`], so a userAgent or
//! userName of `<script>` renders as text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{opt_num, rate_text, strip_controls};

mod chart;

use self::chart::chart;
use crate::replay::report::{DetectorReport, Incident, Report, MOSTLY_NOISE_RATE, TUNE_COMMAND};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Event-derived text: control characters removed, then escaped.
fn t(s: &str) -> String {
    escape(&strip_controls(s))
}

/// One "top N" table: a first cell of ready HTML, then matched and fires.
fn top_table(o: &mut String, heading: &str, rows: impl Iterator<Item = (String, u64, u64)>) {
    let _ = write!(
        o,
        "<table><thead><tr><th>{heading}</th><th class=\"n\">Matched</th><th class=\"n\">Fires</th></tr></thead><tbody>"
    );
    for (cell, matched, fires) in rows {
        let _ = write!(
            o,
            "<tr><td>{cell}</td><td class=\"n\">{matched}</td><td class=\"n\">{fires}</td></tr>"
        );
    }
    o.push_str("</tbody></table>");
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#ffffff;--panel:#f6f8fa;--accent:#cf222e;--ok:#1a7f37;--bar:#d1242f;--bar2:#8c959f}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:32px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:0}
.sub{color:var(--muted);margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:12px 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
table{border-collapse:collapse;width:100%;margin:8px 0 4px;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:var(--panel)}
td.n,th.n{text-align:right}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);border-radius:4px;padding:1px 4px;word-break:break-all}
.det{border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:14px 0;background:var(--bg)}
.det header{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
.meta{color:var(--muted);font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
.pill{display:inline-block;border-radius:999px;padding:1px 8px;font-size:12px;font-weight:600}
.fire{background:#ffebe9;color:var(--accent)}
.quiet{background:#eef1f4;color:var(--muted)}
.good{color:var(--ok);font-weight:600}
.bad{color:var(--accent);font-weight:600}
.note{background:#fff8c5;border:1px solid #eac54f;border-radius:6px;padding:8px 12px;margin:10px 0}
svg{display:block;width:100%;height:auto;margin:8px 0}
svg text{font:10px -apple-system,Segoe UI,Helvetica,Arial,sans-serif;fill:var(--muted)}
footer{margin-top:36px;color:var(--muted);font-size:12px}
"#;

/// Renders the report as a self-contained HTML page.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<title>cwfilter replay report</title>\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n<main>\n");

    let labelled = r.labels.is_some();
    let (start, end) = (
        r.window.start.as_deref().unwrap_or("no events"),
        r.window.end.as_deref().unwrap_or("no events"),
    );
    let _ = writeln!(
        o,
        "<h1>CloudTrail replay: simulated CloudWatch alarms</h1>\n<p class=\"sub\">{} → {}</p>",
        t(start),
        t(end)
    );
    let i = &r.inputs;
    let s = &r.summary;
    let mut cards = vec![
        ("Files", i.files.to_string()),
        ("Events read", i.events.to_string()),
        ("Oversize skipped", i.oversize_skipped.to_string()),
        ("Input errors", i.error_count.to_string()),
        ("Matched events", s.matched_events.to_string()),
        ("Alarm fires", s.fires.to_string()),
        (
            "False-positive rate",
            rate_text(s.false_positive_rate, labelled),
        ),
    ];
    if i.no_event_time + i.outside_window > 0 {
        cards.push(("No eventTime", i.no_event_time.to_string()));
        cards.push(("Outside window", i.outside_window.to_string()));
    }
    o.push_str("<div class=\"cards\">");
    for (k, v) in cards {
        let _ = write!(
            o,
            "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
            escape(&v),
            escape(k)
        );
    }
    o.push_str("</div>\n");
    if !labelled {
        o.push_str("<p class=\"note\">False-positive rate <b>unknown</b>: no labels were given (<code>--labels FILE</code>), and the replay does not guess.</p>\n");
    }

    // Overview: all fires per day.
    let mut all: BTreeMap<String, u64> = BTreeMap::new();
    for d in &r.detectors {
        for (day, n) in &d.fires_by_day {
            *all.entry(day.clone()).or_insert(0) += n;
        }
    }
    o.push_str("<h2>Alarm fires per day, all detectors</h2>\n");
    o.push_str(&chart(&all, r, 900, 150));

    summary_table(&mut o, r, labelled);

    o.push_str("<h2>Detectors</h2>\n");
    let active: Vec<&DetectorReport> = r
        .detectors
        .iter()
        .filter(|d| d.matched > 0 || d.fires > 0)
        .collect();
    if active.is_empty() {
        o.push_str("<p>No detector matched an event.</p>\n");
    }
    for d in active {
        detector_section(&mut o, d, r, labelled);
    }

    if let Some(w) = &r.what_if {
        o.push_str("<h2>What-if: baseline → current</h2>\n");
        let _ = writeln!(
            o,
            "<p>Fires {} → <b>{}</b> {}, matched {} → <b>{}</b> {}.</p>",
            w.baseline_fires,
            w.current_fires,
            delta(w.baseline_fires, w.current_fires),
            w.baseline_matched,
            w.current_matched,
            delta(w.baseline_matched, w.current_matched)
        );
        if let Some(n) = w.false_fires_removed {
            let _ = writeln!(o, "<p>False fires removed: <b>{n}</b>.</p>");
        }
        match &w.lost_incidents {
            Some(lost) if lost.is_empty() => o.push_str(
                "<p class=\"good\">Every labelled incident the baseline caught still fires.</p>\n",
            ),
            Some(lost) => {
                let _ = writeln!(
                    o,
                    "<p class=\"bad\">{} labelled incident(s) no longer fire:</p>",
                    lost.len()
                );
                incidents(&mut o, lost);
            }
            None => {}
        }
        o.push_str("<table><thead><tr><th>Detector</th><th class=\"n\">Matched</th><th class=\"n\">Fires</th><th class=\"n\">False fires</th><th class=\"n\">Removed by exclusions</th></tr></thead><tbody>\n");
        for d in &r.detectors {
            let b = d.baseline.clone().unwrap_or_default();
            let pair = |x: u64, y: u64, on: bool| {
                if on {
                    format!("{x} → {y} {}", delta(x, y))
                } else {
                    format!("<span class=\"meta\">off</span> → {y}")
                }
            };
            let ff = match (b.false_fires, d.false_fires) {
                (Some(x), Some(y)) => pair(x, y, b.enabled),
                _ => "–".into(),
            };
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                t(&d.key),
                pair(b.matched, d.matched, b.enabled),
                pair(b.fires, d.fires, b.enabled),
                ff,
                d.removed_by_exclusions
            );
        }
        for b in &w.baseline_only {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code> <span class=\"pill quiet\">disabled</span></td><td class=\"n\">{} → off</td><td class=\"n\">{} → off</td><td class=\"n\">{}</td><td class=\"n\">–</td></tr>",
                t(&b.key),
                b.matched,
                b.fires,
                opt_num(b.false_fires)
            );
        }
        o.push_str("</tbody></table>\n");
        if !w.unused_exclusions.is_empty() {
            o.push_str("<p>Exclusions that removed nothing:</p><ul>\n");
            for u in &w.unused_exclusions {
                let _ = writeln!(
                    o,
                    "<li><code>{}</code>: <code>{}</code></li>",
                    t(&u.key),
                    t(&u.clause)
                );
            }
            o.push_str("</ul>\n");
        }
    }
    let noisy = r.mostly_noise();
    if !noisy.is_empty() {
        let keys: Vec<String> = noisy
            .into_iter()
            .map(|k| format!("<code>{}</code>", t(k)))
            .collect();
        let _ = writeln!(
            o,
            "<h2>Tune the noise</h2>\n<p>False-positive rate above {:.0}%: {}. Run <code>{}</code> to propose exclusions that keep every labelled incident.</p>",
            MOSTLY_NOISE_RATE * 100.0,
            keys.join(", "),
            t(TUNE_COMMAND)
        );
    }

    if let Some(missed) = &r.missed_incidents {
        let _ = writeln!(o, "<h2>Missed incidents ({})</h2>", missed.len());
        if missed.is_empty() {
            o.push_str("<p class=\"good\">Every labelled malicious event in the trail was covered by an alarm.</p>\n");
        } else {
            incidents(&mut o, missed);
        }
        if let Some(l) = &r.labels {
            let _ = writeln!(
                o,
                "<p class=\"meta\">Labels: {} malicious ({} in the trail), {} benign ({} in the trail).</p>",
                l.malicious, l.malicious_seen, l.benign, l.benign_seen
            );
        }
    }

    if let Some(c) = &r.calibration {
        o.push_str("<h2>Calibration against the alarm history</h2>\n");
        o.push_str("<table><thead><tr><th>Alarm</th><th class=\"n\">Simulated</th><th class=\"n\">Real</th><th class=\"n\">Agreed</th><th>Only simulated</th><th>Only real</th></tr></thead><tbody>\n");
        for a in &c.alarms {
            let times = |ts: &[String]| ts.iter().map(|x| t(x)).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                t(&a.alarm_name),
                a.simulated,
                a.real,
                a.agreed,
                times(&a.only_simulated),
                times(&a.only_real)
            );
        }
        o.push_str("</tbody></table>\n");
        for (what, names) in [
            ("Not in the history", &c.not_in_history),
            ("In the history, not replayed", &c.not_replayed),
        ] {
            if !names.is_empty() {
                let names: Vec<String> = names.iter().map(|n| t(n)).collect();
                let _ = writeln!(o, "<p class=\"meta\">{what}: {}.</p>", names.join(", "));
            }
        }
    }

    if !i.errors.is_empty() {
        let _ = writeln!(o, "<h2>Input errors ({})</h2>", i.error_count);
        o.push_str("<table><thead><tr><th>File</th><th class=\"n\">Line</th><th>Error</th></tr></thead><tbody>\n");
        for e in &i.errors {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
                t(&e.path),
                e.line.map_or_else(|| "–".to_string(), |l| l.to_string()),
                t(&e.message)
            );
        }
        o.push_str("</tbody></table>\n");
    }

    o.push_str("<footer>Generated by cwfilter replay. Alarm model: metric value 1 per matching event, Sum per period aligned to the UTC epoch, a fire is a transition into ALARM.</footer>\n");
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn delta(before: u64, after: u64) -> String {
    match after.cmp(&before) {
        std::cmp::Ordering::Less => format!("<span class=\"good\">−{}</span>", before - after),
        std::cmp::Ordering::Greater => format!("<span class=\"bad\">+{}</span>", after - before),
        std::cmp::Ordering::Equal => String::new(),
    }
}

fn summary_table(o: &mut String, r: &Report, labelled: bool) {
    o.push_str("<h2>Summary</h2>\n<table><thead><tr><th>Detector</th><th class=\"n\">Matched</th><th class=\"n\">Fires</th><th class=\"n\">True</th><th class=\"n\">False</th><th class=\"n\">FP rate</th><th>Top principal</th></tr></thead><tbody>\n");
    for d in &r.detectors {
        let pill = if d.fires > 0 {
            format!("<span class=\"pill fire\">{}</span>", d.fires)
        } else {
            "<span class=\"pill quiet\">0</span>".to_string()
        };
        let top = d.top_principals.first().map_or_else(
            || "<span class=\"meta\">–</span>".to_string(),
            |p| {
                format!(
                    "<code>{}</code> <span class=\"meta\">{} · {}</span>",
                    t(&p.principal),
                    t(&p.identity_type),
                    p.matched
                )
            },
        );
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            t(&d.key),
            d.matched,
            pill,
            opt_num(d.true_fires),
            opt_num(d.false_fires),
            escape(&rate_text(d.false_positive_rate, labelled)),
            top
        );
    }
    o.push_str("</tbody></table>\n");
}

fn detector_section(o: &mut String, d: &DetectorReport, r: &Report, labelled: bool) {
    let settings = match &d.alarm {
        Some(a) => format!(
            "threshold {} · period {}s · {} of {} · missing data: {}",
            a.threshold,
            a.period,
            a.datapoints_to_alarm,
            a.evaluation_periods,
            escape(a.treat_missing_data.name())
        ),
        None => "no alarm watches this metric filter: matches only".to_owned(),
    };
    let _ = writeln!(
        o,
        "<section class=\"det\"><header><h3><code>{}</code></h3><span class=\"meta\">{settings}</span></header>",
        t(&d.key),
    );
    let mut line = format!("{} matched · <b>{}</b> fires", d.matched, d.fires);
    if labelled {
        let _ = write!(
            line,
            " · {} true · {} false · FP rate {}",
            opt_num(d.true_fires),
            opt_num(d.false_fires),
            escape(&rate_text(d.false_positive_rate, true))
        );
    }
    if let Some(b) = d.baseline.as_ref().filter(|b| b.enabled) {
        let _ = write!(line, " · baseline {} matched, {} fires", b.matched, b.fires);
    }
    let _ = writeln!(o, "<p>{line}</p>");
    o.push_str(&chart(&d.fires_by_day, r, 900, 110));
    o.push_str("<div class=\"grid\"><div>");
    top_table(
        o,
        "Principal",
        d.top_principals.iter().map(|p| {
            let cell = format!(
                "<code>{}</code> <span class=\"meta\">{}</span>",
                t(&p.principal),
                t(&p.identity_type)
            );
            (cell, p.matched, p.fires)
        }),
    );
    o.push_str("</div><div>");
    top_table(
        o,
        "Event name",
        d.top_event_names.iter().map(|e| {
            (
                format!("<code>{}</code>", t(&e.event_name)),
                e.matched,
                e.fires,
            )
        }),
    );
    top_table(
        o,
        "Source IP",
        d.top_source_ips.iter().map(|e| {
            (
                format!("<code>{}</code>", t(&e.source_ip)),
                e.matched,
                e.fires,
            )
        }),
    );
    o.push_str("</div></div>\n");
    if !d.exclusions.is_empty() {
        o.push_str("<table><thead><tr><th>Exclusion clause</th><th class=\"n\">Events removed</th></tr></thead><tbody>");
        for e in &d.exclusions {
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
                t(&e.clause),
                e.removed
            );
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("</section>\n");
}

fn incidents(o: &mut String, list: &[Incident]) {
    o.push_str("<table><thead><tr><th>eventID</th><th>Time</th><th>Event</th><th>Principal</th><th>Matched by (no alarm)</th></tr></thead><tbody>\n");
    // In time order, so the steps of one attack read together (as the report lists them;
    // sorted again so a hand-made report reads the same).
    let mut list: Vec<&Incident> = list.iter().collect();
    list.sort_by(|a, b| (&a.event_time, &a.event_id).cmp(&(&b.event_time, &b.event_id)));
    for m in list {
        let by: Vec<String> = m
            .matched_by
            .iter()
            .map(|k| format!("<code>{}</code>", t(k)))
            .collect();
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><code>{}</code> <span class=\"meta\">{}</span></td><td>{}</td></tr>",
            t(&m.event_id),
            t(&m.event_time),
            t(&m.event_name),
            t(&m.principal),
            t(&m.identity_type),
            if by.is_empty() { "–".to_string() } else { by.join(" ") }
        );
    }
    o.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::render::sample;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn hostile_values_render_as_text() {
        let html = render(&sample::report());
        // Our document contains no script element and no event handler at all.
        assert!(!html.contains("<script"), "raw script tag");
        assert!(!html.contains("<svg onload"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>bad</b>"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;svg onload=alert(1)&gt;"));
        assert!(!html.contains('\u{1b}'));
    }

    /// Every tag in the document is one we write: event text can only ever be text.
    #[test]
    fn self_contained_and_only_our_tags() {
        let html = render(&sample::report());
        const TAGS: &[&str] = &[
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3",
            "p", "div", "span", "b", "code", "table", "thead", "tbody", "tr", "th", "td",
            "section", "header", "ul", "li", "svg", "line", "text", "rect", "footer",
        ];
        let mut rest = html.as_str();
        let mut count = 0;
        while let Some(i) = rest.find('<') {
            let end = rest[i..].find('>').expect("unclosed tag") + i;
            let tag = &rest[i + 1..end];
            let name = tag
                .trim_start_matches('/')
                .split([' ', '/'])
                .next()
                .unwrap_or("");
            assert!(TAGS.contains(&name), "unexpected tag <{tag}>");
            let lower = tag.to_ascii_lowercase();
            for bad in [" src=", " href=", " on", "url(", "javascript:"] {
                assert!(!lower.contains(bad), "{bad} in <{tag}>");
            }
            if name == "svg" && !tag.starts_with('/') {
                assert!(tag.contains("xmlns=\"http://www.w3.org/2000/svg\""));
            }
            rest = &rest[end + 1..];
            count += 1;
        }
        assert!(count > 100);
        assert!(!STYLE.contains('<') && !STYLE.contains("url(") && !STYLE.contains("@import"));
        assert!(html.contains("Content-Security-Policy"));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn missed_incidents_are_listed_in_time_order() {
        let inc = |id: &str, time: &str| Incident {
            event_id: id.into(),
            event_time: time.into(),
            event_name: format!("Event{id}"),
            principal: "p".into(),
            identity_type: "IAMUser".into(),
            matched_by: Vec::new(),
        };
        let mut o = String::new();
        incidents(
            &mut o,
            &[
                inc("a", "2024-03-02T00:00:00Z"),
                inc("b", "2024-03-01T00:00:00Z"),
            ],
        );
        assert!(o.find("Eventb").unwrap() < o.find("Eventa").unwrap(), "{o}");
    }

    #[test]
    fn sections_present() {
        let html = render(&sample::report());
        for s in [
            "Summary",
            "Detectors",
            "What-if: baseline → current",
            "Missed incidents",
            "Input errors",
        ] {
            assert!(html.contains(s), "{s}");
        }
        let mut r = sample::report();
        r.labels = None;
        r.missed_incidents = None;
        assert!(render(&r).contains("False-positive rate <b>unknown</b>"));
    }
}
