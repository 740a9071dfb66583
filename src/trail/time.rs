//! UTC calendar arithmetic for CloudTrail: `eventTime` parsing, `--since`/`--until` dates and
//! the date in an S3 key. Hand-written (Howard Hinnant's days-from-civil) so the crate needs
//! no date library; CloudTrail times are always UTC.

use std::fmt;
use std::path::Path;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date. `month` 1..=12, `day` 1..=31.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Reads exactly `n` ASCII digits at `*pos`.
fn digits(b: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let s = b.get(*pos..*pos + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    *pos += n;
    Some(v)
}

fn expect(b: &[u8], pos: &mut usize, c: u8) -> Option<()> {
    if b.get(*pos) == Some(&c) {
        *pos += 1;
        Some(())
    } else {
        None
    }
}

/// Parses `YYYY-MM-DD` at the start of `b`, validating the calendar; returns days since epoch.
fn parse_ymd(b: &[u8], pos: &mut usize) -> Option<i64> {
    let year = i64::from(digits(b, pos, 4)?);
    expect(b, pos, b'-')?;
    let month = digits(b, pos, 2)?;
    expect(b, pos, b'-')?;
    let day = digits(b, pos, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Parses a CloudTrail `eventTime` to epoch seconds (fractions truncated toward the past).
///
/// Accepts RFC 3339 (`2023-07-10T11:42:18Z`, `...18.123Z`, `...18+02:00`, lower-case `t`/`z`)
/// and the `2025-03-26 17:22:33.000000000` variant some exporters write, read as UTC. A leap
/// second (`:60`) is accepted as the next second, as RFC 3339 allows it.
pub fn parse_event_time(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let mut pos = 0;
    let days = parse_ymd(b, &mut pos)?;
    match b.get(pos) {
        Some(b'T' | b't' | b' ') => pos += 1,
        _ => return None,
    }
    let hour = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let minute = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let second = digits(b, &mut pos, 2)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if pos == start {
            return None;
        }
    }
    let offset = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') => {
            pos += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            pos += 1;
            let oh = digits(b, &mut pos, 2)?;
            expect(b, &mut pos, b':')?;
            let om = digits(b, &mut pos, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 3600 + om * 60);
            if sign == b'+' {
                off
            } else {
                -off
            }
        }
        Some(_) => return None,
    };
    if pos != b.len() {
        return None;
    }
    Some(days * DAY + i64::from(hour * 3600 + minute * 60 + second) - offset)
}

/// Parses a `--since`/`--until` value: `YYYY-MM-DD` (midnight UTC) or a full event time.
pub fn parse_date_or_time(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() == 10 {
        let mut pos = 0;
        return parse_ymd(b, &mut pos).map(|d| d * DAY);
    }
    parse_event_time(s)
}

/// Formats epoch seconds as CloudTrail does: `2023-07-10T11:42:18Z`.
pub fn format_event_time(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    let sod = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Formats the UTC day of epoch seconds as `YYYY-MM-DD`.
pub fn format_day(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day (days since epoch) in a CloudTrail S3 key:
/// `.../AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>`.
///
/// Returns `None` when the path does not have that shape (such files are never pruned).
pub fn s3_key_day(path: &Path) -> Option<i64> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let at = parts.iter().rposition(|p| *p == "CloudTrail")?;
    // CloudTrail, region, YYYY, MM, DD, file name.
    let tail = parts.get(at + 2..at + 5)?;
    if parts.len() < at + 6 {
        return None;
    }
    let (y, m, d) = (tail[0], tail[1], tail[2]);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let text = format!("{y}-{m}-{d}");
    let mut pos = 0;
    parse_ymd(text.as_bytes(), &mut pos)
}

/// Which end of a [`TimeWindow`] a `--since`/`--until` value bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// `--since`: the first second in the window.
    Since,
    /// `--until`: the last second in the window.
    Until,
}

/// A `--since`/`--until` value that is neither a valid date nor an RFC 3339 time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundError {
    /// The value as given.
    pub input: String,
}

impl fmt::Display for BoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.input.trim().len() == 10 {
            write!(f, "invalid date {:?}: expected YYYY-MM-DD", self.input)
        } else {
            write!(
                f,
                "invalid date {:?}: expected YYYY-MM-DD or an RFC 3339 time like 2024-03-01T00:00:00Z",
                self.input
            )
        }
    }
}

impl std::error::Error for BoundError {}

/// Parses a `--since`/`--until` value into its [`TimeWindow`] end: a date `YYYY-MM-DD` (the
/// whole day is included, so `--until 2024-03-31` keeps events up to 23:59:59 that day) or an
/// RFC 3339 timestamp (that second itself is included).
pub fn parse_bound(s: &str, bound: Bound) -> Result<i64, BoundError> {
    let error = || BoundError {
        input: s.to_owned(),
    };
    let t = s.trim();
    if t.len() == 10 {
        let start = parse_date_or_time(t).ok_or_else(error)?;
        return Ok(match bound {
            Bound::Since => start,
            Bound::Until => start + DAY - 1,
        });
    }
    parse_event_time(t).ok_or_else(error)
}

/// The `--since`/`--until` window, in whole seconds since the epoch. **Both ends are
/// inclusive**: an event at exactly `until` is in the window. Every command that takes the
/// flags (`replay`, `match`, and the S3 key pruning of the inputs) reads them through this
/// type, so they agree on every boundary (docs/replay.md, "The window").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWindow {
    /// The first second in the window; `None` for no lower bound.
    pub since: Option<i64>,
    /// The last second in the window; `None` for no upper bound.
    pub until: Option<i64>,
}

impl TimeWindow {
    /// Whether neither end is set (every event is in the window).
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether an event at `secs` is in the window (`since <= secs <= until`).
    pub fn contains(&self, secs: i64) -> bool {
        self.since.is_none_or(|s| secs >= s) && self.until.is_none_or(|u| secs <= u)
    }

    /// Whether the CloudTrail file at `path` may hold an event in the window, judged by the
    /// day in its S3 key ([`s3_key_in_window`]).
    pub fn may_hold_s3_key(&self, path: &Path) -> bool {
        s3_key_in_window(path, self)
    }
}

/// Whether a file may hold events in `window`, judged by its S3 key.
///
/// CloudTrail files sit under the UTC day they were delivered, a few minutes (rarely hours)
/// after their events, so a file under day D holds events from D and the end of D-1. A file
/// is pruned only when it cannot hold an event in the window: its day is before the day of
/// `since`, or more than one day after the day of `until` (the window's last second). Events
/// are still filtered by `eventTime`; pruning only saves work.
pub fn s3_key_in_window(path: &Path, window: &TimeWindow) -> bool {
    let Some(day) = s3_key_day(path) else {
        return true;
    };
    if let Some(since) = window.since {
        if day < since.div_euclid(DAY) {
            return false;
        }
    }
    if let Some(until) = window.until {
        if day > until.div_euclid(DAY) + 1 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000..800_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_cloudtrail_event_times() {
        assert_eq!(
            parse_event_time("2023-07-10T11:42:18Z"),
            Some(1_688_989_338)
        );
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2023-07-10T11:42:18.999Z"),
            Some(1_688_989_338)
        );
        assert_eq!(
            parse_event_time("2023-07-10t11:42:18z"),
            Some(1_688_989_338)
        );
        assert_eq!(
            parse_event_time("2023-07-10T13:42:18+02:00"),
            Some(1_688_989_338)
        );
        assert_eq!(
            parse_event_time("2023-07-10T06:42:18-05:00"),
            Some(1_688_989_338)
        );
        // The exporter variant seen in the stratus-red-team corpus, read as UTC.
        assert_eq!(
            parse_event_time("2025-03-26 17:22:33.000000000"),
            Some(1_743_009_753)
        );
        assert_eq!(
            parse_event_time("2024-02-29T23:59:59Z"),
            Some(1_709_251_199)
        );
        assert_eq!(parse_event_time("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn rejects_malformed_event_times() {
        for bad in [
            "",
            "2023-07-10",
            "2023-07-10T11:42Z",
            "2023-13-10T11:42:18Z",
            "2023-02-29T11:42:18Z",
            "2023-07-32T11:42:18Z",
            "2023-07-10T24:00:00Z",
            "2023-07-10T11:60:00Z",
            "2023-07-10T11:42:18.Z",
            "2023-07-10T11:42:18ZZ",
            "2023-07-10T11:42:18+0200",
            "2023/07/10T11:42:18Z",
            "...",
            "redacted",
            "２023-07-10T11:42:18Z",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in [0, 1_688_989_338, 1_709_251_199, -1, 4_102_444_800] {
            assert_eq!(parse_event_time(&format_event_time(t)), Some(t));
        }
        assert_eq!(format_day(1_688_989_338), "2023-07-10");
        assert_eq!(parse_date_or_time("2023-07-10"), Some(1_688_947_200));
        assert_eq!(
            parse_date_or_time("2023-07-10T00:00:01Z"),
            Some(1_688_947_201)
        );
        assert_eq!(parse_date_or_time("2023-7-10"), None);
    }

    #[test]
    fn reads_the_day_of_an_s3_key() {
        let p = Path::new("trail/AWSLogs/111122223333/CloudTrail/us-east-1/2023/07/10/111122223333_CloudTrail_us-east-1_20230710T1145Z_abc.json.gz");
        assert_eq!(s3_key_day(p), Some(days_from_civil(2023, 7, 10)));
        let org = Path::new("AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/2024/02/29/f.json");
        assert_eq!(s3_key_day(org), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(s3_key_day(Path::new("logs/2023/07/10/f.json")), None);
        assert_eq!(
            s3_key_day(Path::new("AWSLogs/1/CloudTrail/us-east-1/2023/02/30/f")),
            None
        );
        // A directory, not a file inside the day folder.
        assert_eq!(
            s3_key_day(Path::new("AWSLogs/1/CloudTrail/us-east-1/2023/07/10")),
            None
        );
    }

    #[test]
    fn prunes_by_key_conservatively() {
        let file = |d: &str| format!("AWSLogs/1/CloudTrail/us-east-1/{d}/f.json.gz");
        // The window is days 10 and 11, both whole.
        let window = TimeWindow {
            since: parse_bound("2023-07-10", Bound::Since).ok(),
            until: parse_bound("2023-07-11", Bound::Until).ok(),
        };
        let keep = |d: &str| s3_key_in_window(Path::new(&file(d)), &window);
        assert!(!keep("2023/07/09"));
        assert!(keep("2023/07/10"));
        assert!(keep("2023/07/11"));
        // Day 12 may hold late-delivered events of day 11.
        assert!(keep("2023/07/12"));
        assert!(!keep("2023/07/13"));
        assert!(s3_key_in_window(Path::new("other.json"), &window));
        assert!(s3_key_in_window(
            Path::new(&file("2001/01/01")),
            &TimeWindow::default()
        ));
    }

    /// Issue 10 bug 4: `--until` was inclusive for events and exclusive for the S3 key
    /// pruning. With `--until` at a day's first second, that second's events are in the
    /// window, and so is the file delivered the next day that may hold them.
    #[test]
    fn until_is_inclusive_for_events_and_for_key_pruning() {
        let file = |d: &str| format!("AWSLogs/1/CloudTrail/us-east-1/{d}/f.json.gz");
        let midnight = parse_bound("2023-07-11T00:00:00Z", Bound::Until).unwrap();
        let window = TimeWindow {
            since: None,
            until: Some(midnight),
        };
        assert!(window.contains(midnight));
        assert!(!window.contains(midnight + 1));
        // An event at 00:00:00 on the 11th is delivered on the 11th or the 12th.
        assert!(window.may_hold_s3_key(Path::new(&file("2023/07/11"))));
        assert!(window.may_hold_s3_key(Path::new(&file("2023/07/12"))));
        assert!(!window.may_hold_s3_key(Path::new(&file("2023/07/13"))));
        // Every second of the window is kept by the pruning of the days that may hold it.
        for t in [midnight - DAY, midnight - 1, midnight] {
            assert!(window.contains(t));
            for late in [0, DAY - 1] {
                let (y, m, d) = civil_from_days((t + late).div_euclid(DAY));
                let key = file(&format!("{y:04}/{m:02}/{d:02}"));
                assert!(window.may_hold_s3_key(Path::new(&key)), "{key}");
            }
        }
        // And `since` the same way: its own second is in.
        let since = parse_bound("2023-07-11T00:00:00Z", Bound::Since).unwrap();
        let window = TimeWindow {
            since: Some(since),
            until: None,
        };
        assert!(window.contains(since) && !window.contains(since - 1));
        assert!(window.may_hold_s3_key(Path::new(&file("2023/07/11"))));
        assert!(!window.may_hold_s3_key(Path::new(&file("2023/07/10"))));
    }

    #[test]
    fn date_bounds_cover_the_whole_day() {
        assert_eq!(parse_bound("2024-03-01", Bound::Since), Ok(1_709_251_200));
        assert_eq!(
            parse_bound("2024-03-01", Bound::Until),
            Ok(1_709_251_200 + 86_399)
        );
        assert_eq!(
            parse_bound("2024-03-01T06:00:00Z", Bound::Until),
            Ok(1_709_251_200 + 6 * 3600)
        );
        assert!(parse_bound("yesterday", Bound::Since).is_err());
        assert_eq!(
            parse_bound("2024-02-30", Bound::Since)
                .unwrap_err()
                .to_string(),
            "invalid date \"2024-02-30\": expected YYYY-MM-DD"
        );
    }
}
