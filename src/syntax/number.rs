//! The number grammar of the pattern language (spec §5.3.2), shared by the parser (is an
//! unquoted value a number?) and the evaluator (is an event's string numeric?).
//!
//! A number is an optional sign, digits, optional `.digits`, optional exponent
//! (`-5`, `+1000`, `55.5`, `1e-3`, `10e3`), whose value is a finite double. `1e999` has the
//! shape but overflows a double: it is not a number (spec A12), so unquoted in a pattern it is
//! the word `1e999`, compared as text, and in an event it is a string no relational operator
//! can order. `inf`, `NaN`, `.5`, `1.` and hex are never numbers.

/// The value of `text` if it is a number as the pattern language writes them, else `None`.
pub fn parse_number(text: &str) -> Option<f64> {
    if !has_number_shape(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether `text` is a number (see [`parse_number`]).
pub fn is_number(text: &str) -> bool {
    parse_number(text).is_some()
}

/// Sign, digits, optional decimals, optional exponent: nothing else, no spaces.
fn has_number_shape(text: &str) -> bool {
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let s = text.strip_prefix(['+', '-']).unwrap_or(text);
    let n = digits(s);
    if n == 0 {
        return false;
    }
    let mut s = &s[n..];
    if let Some(rest) = s.strip_prefix('.') {
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        s = &rest[n..];
    }
    if let Some(rest) = s.strip_prefix(['e', 'E']) {
        let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        s = &rest[n..];
    }
    s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_forms_are_numbers() {
        for (s, v) in [
            ("1e+3", 1000.0),
            ("+1000", 1000.0),
            ("-5", -5.0),
            ("55.5", 55.5),
            ("1e-3", 0.001),
            ("10e3", 10000.0),
            ("1E3", 1000.0),
        ] {
            assert_eq!(parse_number(s), Some(v), "{s}");
            assert!(is_number(s), "{s}");
        }
    }

    #[test]
    fn other_shapes_are_not() {
        for s in [
            "", "inf", "NaN", "1.", ".5", "1e", "0x10", " 1", "1 ", "--1", "+", "1e+", "1_000",
        ] {
            assert_eq!(parse_number(s), None, "{s}");
            assert!(!is_number(s), "{s}");
        }
    }

    /// Regression (#10 bug 5): the parser called `1e999` a number and the evaluator did not.
    #[test]
    fn overflowing_exponent_is_not_a_number_anywhere() {
        assert!(!is_number("1e999"));
        assert_eq!(parse_number("1e999"), None);
        assert_eq!(parse_number("-1e999"), None);
        // Underflow is still a finite number (zero).
        assert_eq!(parse_number("1e-999"), Some(0.0));
    }
}
