//! UTC time without a date-time dependency: CloudTrail `eventTime` parsing, `--since`/`--until`
//! bounds and RFC 3339 / day formatting. Everything is whole seconds since the Unix epoch.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn parse_date(s: &[u8]) -> Option<i64> {
    let (y, m, d) = (digits(s, 0, 4)?, digits(s, 5, 2)?, digits(s, 8, 2)?);
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let y = i64::from(y);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses an RFC 3339 timestamp as CloudTrail writes it (`2024-03-01T12:34:56Z`), also with
/// fractional seconds (truncated) or a numeric offset. Returns seconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let days = parse_date(b)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (digits(b, 11, 2)?, digits(b, 14, 2)?);
    let sec = if b.get(16) == Some(&b':') {
        digits(b, 17, 2)?
    } else {
        return None;
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (digits(b, i + 1, 2)?, digits(b, i + 4, 2)?);
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
        _ => return None,
    };
    // A leap second is folded into the next second's bucket neighbour; CloudTrail never emits one.
    let secs = i64::from(h * 3600 + mi * 60 + sec.min(59));
    Some(days * 86_400 + secs - offset)
}

/// Which end of the replay window a `--since`/`--until` value bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Since,
    Until,
}

/// Parses a `--since`/`--until` value: a date `YYYY-MM-DD` (the whole day is included, so
/// `--until 2024-03-31` keeps events up to 23:59:59 that day) or an RFC 3339 timestamp.
/// Returns the inclusive bound in seconds since the epoch.
pub fn parse_bound(s: &str, bound: Bound) -> Result<i64, String> {
    let t = s.trim();
    if t.len() == 10 {
        let days = parse_date(t.as_bytes())
            .ok_or_else(|| format!("invalid date {s:?}: expected YYYY-MM-DD"))?;
        return Ok(match bound {
            Bound::Since => days * 86_400,
            Bound::Until => days * 86_400 + 86_399,
        });
    }
    parse_timestamp(t).ok_or_else(|| {
        format!(
            "invalid date {s:?}: expected YYYY-MM-DD or an RFC 3339 time like 2024-03-01T00:00:00Z"
        )
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_timestamp(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The UTC day `YYYY-MM-DD` holding `secs`.
pub fn format_day(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_event_times() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2018-11-28T22:31:59Z"), Some(1_543_444_319));
        assert_eq!(
            parse_timestamp("2018-11-28T22:31:59.999Z"),
            Some(1_543_444_319)
        );
        assert_eq!(
            parse_timestamp("2018-11-28T23:31:59+01:00"),
            Some(1_543_444_319)
        );
        assert_eq!(parse_timestamp("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2018-11-28",
            "2018-11-28T22:31Z",
            "2018-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2018-11-28T24:00:00Z",
            "2018-11-28T22:31:59",
            "2018-11-28T22:31:59Zjunk",
            "2018-11-28T22:31:59.Z",
            "２018-11-28T22:31:59Z",
            "2018-11-28T22:31:59+1:00",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in [0, 1_543_444_319, 1_709_164_800, -86_401, 4_102_444_799] {
            assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
        }
        assert_eq!(format_day(1_543_444_319), "2018-11-28");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59Z");
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
        assert!(parse_bound("2024-02-30", Bound::Since).is_err());
    }
}
