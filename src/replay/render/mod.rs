//! The replay report's renderers: pure functions from a [`Report`] to text, one module per
//! `--format`. Every value that comes from an event (principals, eventNames, source IPs,
//! eventIDs, error messages quoting input) is escaped for its format.

use super::report::Report;

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

/// Report formats (`--format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A table for the terminal.
    #[default]
    Table,
    /// The JSON contract.
    Json,
    /// CSV, one row per detector.
    Csv,
    /// Markdown, for a pull request.
    Markdown,
    /// A self-contained HTML page.
    Html,
}

/// A `--format` name that is not one of [`Format`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl std::fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown format {:?} (expected table, json, csv, markdown or html)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// Renders `report` in `format`. The text ends with a newline.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => table::render(report),
        Format::Json => json::render(report),
        Format::Csv => csv::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

/// Removes control characters (C0, DEL, C1) and Unicode bidi/format controls that could
/// rewrite a terminal or reorder text; tabs and newlines become spaces.
pub fn strip_controls(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect()
}

/// A rate as a percentage for the text formats: `unknown` without labels, `n/a` without fires.
pub(crate) fn rate_text(rate: Option<f64>, labelled: bool) -> String {
    match (rate, labelled) {
        (Some(r), _) => format!("{:.0}%", r * 100.0),
        (None, true) => "n/a".into(),
        (None, false) => "unknown".into(),
    }
}

pub(crate) fn opt_num(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}

#[cfg(test)]
pub(crate) mod sample;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_terminal_controls() {
        assert_eq!(strip_controls("a\u{1b}[31mred\u{7}\tb\nc"), "a[31mred b c");
        assert_eq!(strip_controls("x\u{202e}gnp.exe\u{9b}"), "xgnp.exe");
        assert_eq!(strip_controls("plain é 日本"), "plain é 日本");
    }

    #[test]
    fn format_names() {
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!("html".parse::<Format>(), Ok(Format::Html));
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn json_round_trips_the_model() {
        let r = sample::report();
        let text = render(&r, Format::Json);
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn json_key_order_follows_the_contract() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&sample::report(), Format::Json)).unwrap();
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(
            keys(&v)[..3],
            ["inputs".to_string(), "window".into(), "detectors".into()]
        );
        assert_eq!(
            keys(&v["inputs"])[..4],
            [
                "files".to_string(),
                "events".into(),
                "oversize_skipped".into(),
                "errors".into()
            ]
        );
        let d = keys(&v["detectors"][0]);
        assert_eq!(d[0], "key");
        for k in ["matched", "fires", "fires_by_day", "top_principals"] {
            assert!(d.iter().any(|x| x == k), "{k}");
        }
        assert_eq!(
            keys(&v["detectors"][1]["top_principals"][0])[..1],
            ["principal".to_string()]
        );
    }

    #[test]
    fn rates_say_unknown_without_labels() {
        assert_eq!(rate_text(None, false), "unknown");
        assert_eq!(rate_text(None, true), "n/a");
        assert_eq!(rate_text(Some(0.25), true), "25%");
    }
}
