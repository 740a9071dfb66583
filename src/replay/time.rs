//! The replay window: `--since` / `--until` values. Event times themselves are parsed and
//! formatted by [`crate::trail::time`], so the reader, the engine and the report agree on
//! every timestamp.

use crate::trail::time::{parse_date_or_time, parse_event_time};

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
        let start = parse_date_or_time(t)
            .ok_or_else(|| format!("invalid date {s:?}: expected YYYY-MM-DD"))?;
        return Ok(match bound {
            Bound::Since => start,
            Bound::Until => start + 86_399,
        });
    }
    parse_event_time(t).ok_or_else(|| {
        format!(
            "invalid date {s:?}: expected YYYY-MM-DD or an RFC 3339 time like 2024-03-01T00:00:00Z"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::time::{format_day, format_event_time};

    #[test]
    fn parses_cloudtrail_event_times() {
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2018-11-28T22:31:59Z"),
            Some(1_543_444_319)
        );
        assert_eq!(
            parse_event_time("2018-11-28T22:31:59.999Z"),
            Some(1_543_444_319)
        );
        assert_eq!(
            parse_event_time("2018-11-28T23:31:59+01:00"),
            Some(1_543_444_319)
        );
        assert_eq!(
            parse_event_time("2024-02-29T00:00:00Z"),
            Some(1_709_164_800)
        );
    }

    #[test]
    fn rejects_malformed_times() {
        // A time without an offset is read as UTC (exporters write `2025-03-26 17:22:33`).
        for bad in [
            "",
            "2018-11-28",
            "2018-11-28T22:31Z",
            "2018-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2018-11-28T24:00:00Z",
            "2018-11-28T22:31:59Zjunk",
            "2018-11-28T22:31:59.Z",
            "２018-11-28T22:31:59Z",
            "2018-11-28T22:31:59+1:00",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in [0, 1_543_444_319, 1_709_164_800, -86_401, 4_102_444_799] {
            assert_eq!(parse_event_time(&format_event_time(t)), Some(t));
        }
        assert_eq!(format_day(1_543_444_319), "2018-11-28");
        assert_eq!(format_event_time(-1), "1969-12-31T23:59:59Z");
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
