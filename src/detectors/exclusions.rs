//! The exclusion compiler, byte-identical to upstream's `applyOverride` and
//! `buildExclusionClauses` (simple-container-com/api PR #277; upstream-notes.md §4).
//!
//! Each non-empty exclusion list becomes one clause guarded by `NOT EXISTS`, because in
//! CloudWatch `$.f != "x"` is false when `$.f` is absent (spec §5.5): without the guard an
//! exclusion would also drop every event lacking the field.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

/// The six exclusion kinds, in the fixed order upstream emits their clauses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum ExclusionKind {
    /// `excludeUserNames`: `userIdentity.userName`.
    UserNames,
    /// `excludePrincipalIds`: `userIdentity.principalId`.
    PrincipalIds,
    /// `excludeUserArns`: `userIdentity.arn`, exact.
    UserArns,
    /// `excludeUserArnGlobs`: `userIdentity.arn`, a trailing `*` allowed.
    UserArnGlobs,
    /// `excludeUserTypes`: `userIdentity.type`.
    UserTypes,
    /// `excludeInvokedBy`: `userIdentity.invokedBy`.
    InvokedBy,
}

impl ExclusionKind {
    /// All kinds, in clause order.
    pub const ALL: [ExclusionKind; 6] = [
        ExclusionKind::UserNames,
        ExclusionKind::PrincipalIds,
        ExclusionKind::UserArns,
        ExclusionKind::UserArnGlobs,
        ExclusionKind::UserTypes,
        ExclusionKind::InvokedBy,
    ];

    /// The override key in the YAML config (`excludeUserNames`, ...).
    pub const fn config_key(self) -> &'static str {
        match self {
            ExclusionKind::UserNames => "excludeUserNames",
            ExclusionKind::PrincipalIds => "excludePrincipalIds",
            ExclusionKind::UserArns => "excludeUserArns",
            ExclusionKind::UserArnGlobs => "excludeUserArnGlobs",
            ExclusionKind::UserTypes => "excludeUserTypes",
            ExclusionKind::InvokedBy => "excludeInvokedBy",
        }
    }

    /// The CloudTrail field the clause tests, without the leading `$.`.
    pub const fn field(self) -> &'static str {
        match self {
            ExclusionKind::UserNames => "userIdentity.userName",
            ExclusionKind::PrincipalIds => "userIdentity.principalId",
            ExclusionKind::UserArns | ExclusionKind::UserArnGlobs => "userIdentity.arn",
            ExclusionKind::UserTypes => "userIdentity.type",
            ExclusionKind::InvokedBy => "userIdentity.invokedBy",
        }
    }

    /// The kind whose config key is `key`.
    pub fn from_config_key(key: &str) -> Option<ExclusionKind> {
        Self::ALL.into_iter().find(|k| k.config_key() == key)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The six exclusion lists of one override, as the user wrote them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExclusionLists {
    lists: [Vec<String>; 6],
}

impl ExclusionLists {
    /// The list for `kind`.
    pub fn get(&self, kind: ExclusionKind) -> &[String] {
        &self.lists[kind.index()]
    }

    /// Replaces the list for `kind`.
    pub fn set(&mut self, kind: ExclusionKind, values: Vec<String>) {
        self.lists[kind.index()] = values;
    }

    /// Builder form of [`ExclusionLists::set`].
    pub fn with(mut self, kind: ExclusionKind, values: &[&str]) -> Self {
        self.set(kind, values.iter().map(|v| (*v).to_owned()).collect());
        self
    }
}

/// One compiled exclusion clause: which list it came from, the values it excludes (sorted,
/// deduplicated, `""` dropped) and its exact text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExclusionClause {
    /// The config list it came from.
    pub kind: ExclusionKind,
    /// The field tested, without `$.` (e.g. `userIdentity.userName`).
    pub field: String,
    /// The values it excludes (sorted, deduplicated, `""` dropped).
    pub values: Vec<String>,
    /// The clause as it appears in the effective pattern.
    pub text: String,
}

/// Builds the clauses for `lists` in upstream's fixed kind order. Lists that hold nothing
/// but `""` produce no clause.
pub fn build_clauses(lists: &ExclusionLists) -> Vec<ExclusionClause> {
    ExclusionKind::ALL
        .into_iter()
        .filter_map(|kind| build_clause(kind, lists.get(kind)))
        .collect()
}

fn build_clause(kind: ExclusionKind, raw: &[String]) -> Option<ExclusionClause> {
    // Go's sort.Strings: byte order. Only exact "" is skipped; whitespace is kept as is.
    let mut values: Vec<String> = raw.to_vec();
    values.sort();
    values.dedup();
    values.retain(|v| !v.is_empty());
    if values.is_empty() {
        return None;
    }
    let field = kind.field();
    let mut text = String::new();
    if let [only] = values.as_slice() {
        text = single_value_text(field, only);
    } else {
        let _ = write!(text, "(($.{field} NOT EXISTS) || ");
        text.push('(');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                text.push_str(" && ");
            }
            let _ = write!(text, "($.{field} != {})", go_quote(v));
        }
        text.push_str("))");
    }
    Some(ExclusionClause {
        kind,
        field: field.to_owned(),
        values,
        text,
    })
}

/// Upstream's clause for one value: `(($.f NOT EXISTS) || ($.f != "v"))`.
fn single_value_text(field: &str, value: &str) -> String {
    format!(
        "(($.{field} NOT EXISTS) || ($.{field} != {}))",
        go_quote(value)
    )
}

impl ExclusionClause {
    /// The clause as a pattern of its own, `{ <text> }`: it holds on (matches) a record the
    /// clause keeps. Replay and lint evaluate clauses through this text.
    pub fn pattern_text(&self) -> String {
        format!("{{ {} }}", self.text)
    }

    /// The clause for its value `i` alone, as a pattern (upstream's single-value shape).
    ///
    /// # Panics
    /// If `i` is not an index of [`ExclusionClause::values`].
    pub fn value_pattern_text(&self, i: usize) -> String {
        format!("{{ {} }}", single_value_text(&self.field, &self.values[i]))
    }
}

/// Which clauses removed a record its detector's base pattern matched, from whether each
/// clause holds on the record (in clause order): bit `j` is set when clause `j` does not hold.
/// A record removed by two clauses counts for both. The one attribution rule of the replay's
/// `excluded_by` and of lint CW006. At most 64 clauses (upstream has six kinds).
pub fn removed_by(held: impl IntoIterator<Item = bool>) -> u64 {
    held.into_iter()
        .enumerate()
        .filter(|(_, holds)| !holds)
        .fold(0, |mask, (j, _)| mask | (1u64 << j))
}

/// Re-wraps `base` with the clauses: `{ (<base>) && <c1> && <c2> }`. With no clauses the base
/// is returned unchanged, byte for byte.
pub fn apply_clauses(base: &str, clauses: &[ExclusionClause]) -> String {
    if clauses.is_empty() {
        return base.to_owned();
    }
    let mut inner = base.trim();
    inner = inner.strip_prefix('{').unwrap_or(inner);
    inner = inner.strip_suffix('}').unwrap_or(inner);
    inner = inner.trim();
    let mut out = String::with_capacity(base.len() + 64 * clauses.len());
    out.push_str("{ (");
    out.push_str(inner);
    out.push(')');
    for clause in clauses {
        out.push_str(" && ");
        out.push_str(&clause.text);
    }
    out.push_str(" }");
    out
}

/// Quotes `s` as Go's `strconv.Quote` (`%q`) does: `"` and `\` escaped, the usual C escapes,
/// `\xHH` for other ASCII controls, `\uHHHH` / `\UHHHHHHHH` for non-printable non-ASCII,
/// printable non-ASCII kept as is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            ' '..='~' => out.push(c),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint` for non-ASCII: letters, marks, numbers, punctuation and symbols.
/// Space separators other than U+0020, format, private-use and unassigned code points are not
/// printable. (Unicode tables are those of regex-syntax, which may differ from Go's version
/// for code points assigned recently.)
fn go_is_print(c: char) -> bool {
    static PRINT: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").ok());
    let mut buf = [0u8; 4];
    PRINT
        .as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut buf)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_by_sets_the_bits_of_clauses_that_do_not_hold() {
        assert_eq!(removed_by([true, true]), 0);
        assert_eq!(removed_by([false, true, false]), 0b101);
        assert_eq!(removed_by([]), 0);
    }

    #[test]
    fn a_clause_as_a_pattern_and_each_value_alone() {
        let lists = ExclusionLists::default().with(ExclusionKind::UserNames, &["b", "a"]);
        let c = &build_clauses(&lists)[0];
        assert_eq!(c.pattern_text(), format!("{{ {} }}", c.text));
        assert_eq!(
            c.value_pattern_text(0),
            r#"{ (($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "a")) }"#
        );
        // A one-value clause is exactly its value's pattern.
        let one = ExclusionLists::default().with(ExclusionKind::UserNames, &["a"]);
        let c1 = &build_clauses(&one)[0];
        assert_eq!(c1.pattern_text(), c.value_pattern_text(0));
    }

    fn names(values: &[&str]) -> ExclusionLists {
        ExclusionLists::default().with(ExclusionKind::UserNames, values)
    }

    #[test]
    fn single_value_shape() {
        let c = build_clauses(&names(&["integrail-deployer-bot"]));
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].text,
            r#"(($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "integrail-deployer-bot"))"#
        );
    }

    // Upstream test 15.
    #[test]
    fn several_values_shape_sorted() {
        let c = build_clauses(&names(&["gamma", "alpha", "beta"]));
        assert_eq!(
            c[0].text,
            r#"(($.userIdentity.userName NOT EXISTS) || (($.userIdentity.userName != "alpha") && ($.userIdentity.userName != "beta") && ($.userIdentity.userName != "gamma")))"#
        );
        assert_eq!(c[0].values, ["alpha", "beta", "gamma"]);
    }

    #[test]
    fn byte_order_sorts_upper_case_first() {
        let c = build_clauses(&names(&["bob", "Zed", "alice"]));
        assert_eq!(c[0].values, ["Zed", "alice", "bob"]);
    }

    // Upstream test 21.
    #[test]
    fn empty_strings_skipped() {
        let c = build_clauses(&names(&["", "real-bot", ""]));
        let p = apply_clauses("{ $.a = 1 }", &c);
        assert_eq!(p.matches("$.userIdentity.userName").count(), 2);
        assert!(p.contains("\"real-bot\""));
        assert!(!p.contains("!= \"\""));
        assert!(build_clauses(&names(&["", ""])).is_empty());
    }

    #[test]
    fn whitespace_values_are_kept() {
        let c = build_clauses(&names(&[" "]));
        assert_eq!(c[0].values, [" "]);
        assert!(c[0].text.ends_with(r#"!= " "))"#));
    }

    // Upstream test 22.
    #[test]
    fn exact_duplicates_dropped_case_sensitively() {
        let c = build_clauses(&names(&["bot", "bot", "bot", "Bot"]));
        assert_eq!(c[0].values, ["Bot", "bot"]);
        assert_eq!(c[0].text.matches("\"bot\"").count(), 1);
    }

    #[test]
    fn kinds_in_fixed_order_and_arn_lists_stay_separate() {
        let lists = ExclusionLists::default()
            .with(ExclusionKind::InvokedBy, &["s3.amazonaws.com"])
            .with(
                ExclusionKind::UserArnGlobs,
                &["arn:aws:sts::1:assumed-role/x/*"],
            )
            .with(ExclusionKind::UserArns, &["arn:aws:iam::1:user/a"])
            .with(ExclusionKind::UserTypes, &["AWSService"])
            .with(ExclusionKind::PrincipalIds, &["AIDA1"])
            .with(ExclusionKind::UserNames, &["u"]);
        let kinds: Vec<_> = build_clauses(&lists).iter().map(|c| c.kind).collect();
        assert_eq!(kinds, ExclusionKind::ALL);
        let p = apply_clauses("{ $.a = 1 }", &build_clauses(&lists));
        assert_eq!(p.matches("($.userIdentity.arn NOT EXISTS)").count(), 2);
    }

    #[test]
    fn no_clauses_keeps_base_byte_identical() {
        let base = "  {$.a=1}  ";
        assert_eq!(apply_clauses(base, &[]), base);
    }

    // Upstream test 20.
    #[test]
    fn worst_case_base_is_trimmed_and_wrapped() {
        let base = r#"{   ($.eventName = "A") || ($.eventName = "B") && ($.eventSource = "x.amazonaws.com")   }"#;
        let p = apply_clauses(base, &build_clauses(&names(&["bot"])));
        assert_eq!(
            p,
            r#"{ (($.eventName = "A") || ($.eventName = "B") && ($.eventSource = "x.amazonaws.com")) && (($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "bot")) }"#
        );
        assert!(Regex::new(r"^\{ \(.*\) && \(.*\) \}$")
            .unwrap()
            .is_match(&p));
    }

    #[test]
    fn only_one_brace_removed_each_side() {
        let p = apply_clauses("{{x}}", &build_clauses(&names(&["b"])));
        assert!(p.starts_with("{ ({x}) && "));
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("plain"), r#""plain""#);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(
            go_quote("\n\t\r\u{7}\u{8}\u{b}\u{c}"),
            r#""\n\t\r\a\b\v\f""#
        );
        assert_eq!(go_quote("\u{0}\u{1b}\u{7f}"), r#""\x00\x1b\x7f""#);
        assert_eq!(
            go_quote("\u{85}\u{a0}\u{200b}\u{feff}"),
            r#""\u0085\u00a0\u200b\ufeff""#
        );
        assert_eq!(go_quote("\u{e000}\u{f0000}"), r#""\ue000\U000f0000""#);
        assert_eq!(go_quote("héllo — ünï 日本 🎉"), "\"héllo — ünï 日本 🎉\"");
        assert_eq!(go_quote("arn:aws:sts::*:x/*"), r#""arn:aws:sts::*:x/*""#);
    }
}
