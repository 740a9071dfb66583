//! Static checks for detector mistakes CloudWatch accepts silently. Each finding has a stable
//! id, a message and a one-line fix. The checks work on the parsed pattern (the AST), plus the
//! detector's configuration where the mistake is in the config (CW005).
//!
//! | id    | check |
//! |-------|-------|
//! | CW001 | `!=` on a field CloudTrail does not always carry, without a `NOT EXISTS` guard |
//! | CW002 | `*` in the middle of a value: CloudWatch takes it literally |
//! | CW003 | effective pattern above 90% of the 1024-character limit |
//! | CW004 | `eventName` that other AWS services also emit, with no `eventSource` scope |
//! | CW005 | `excludeUserNames` on a detector that matches assumed roles (no `userName`) |
//! | CW006 | an exclusion clause that removed nothing over a trail ([`super::lint_data`]) |
//! | CW007 | an `eventName` that never occurs in a trail while a near variant does ([`super::lint_data`]) |
//! | CW008 | a regex whose `{...}` is literal although it looks like a grouping or repetition (spec A29) |
//! | CW009 | an alarm whose outcome depends on how many datapoints a defaultValue makes (docs/alarms.md) |
//!
//! A pattern over the 1024-character limit is not a lint: the config loader and the parser
//! reject it.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use crate::syntax::ast::{Ast, CmpOp, Condition, Expr, Selector, Step, Test, Value};
use crate::syntax::{self, ParseError};

use super::{Detector, ExclusionKind, Origin, MAX_PATTERN_LEN};

/// A lint's stable identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintId {
    /// CW001: `!=` on a field CloudTrail may omit, without a `NOT EXISTS` guard.
    UnguardedNotEqual,
    /// CW002: a `*` inside a value, which CloudWatch takes literally.
    MidValueWildcard,
    /// CW003: a pattern over 90% of the 1024-character limit.
    NearLengthLimit,
    /// CW004: an eventName several services emit, without an eventSource.
    UnscopedEventName,
    /// CW005: `excludeUserNames` on a detector that matches assumed roles.
    UserNameOnAssumedRoles,
    /// CW006: an exclusion clause that removed nothing in the trail.
    ExclusionRemovedNothing,
    /// CW007: an eventName the trail only holds in another spelling.
    EventNameVariant,
    /// CW008: regex braces that are literal characters.
    LiteralRegexBrace,
    /// CW009: an alarm whose outcome depends on how a defaultValue is read.
    DefaultValueReading,
}

impl LintId {
    /// Every check, in code order.
    pub const ALL: [LintId; 9] = [
        LintId::UnguardedNotEqual,
        LintId::MidValueWildcard,
        LintId::NearLengthLimit,
        LintId::UnscopedEventName,
        LintId::UserNameOnAssumedRoles,
        LintId::ExclusionRemovedNothing,
        LintId::EventNameVariant,
        LintId::LiteralRegexBrace,
        LintId::DefaultValueReading,
    ];

    /// The stable code (`CW001`...).
    pub const fn code(self) -> &'static str {
        match self {
            LintId::UnguardedNotEqual => "CW001",
            LintId::MidValueWildcard => "CW002",
            LintId::NearLengthLimit => "CW003",
            LintId::UnscopedEventName => "CW004",
            LintId::UserNameOnAssumedRoles => "CW005",
            LintId::ExclusionRemovedNothing => "CW006",
            LintId::EventNameVariant => "CW007",
            LintId::LiteralRegexBrace => "CW008",
            LintId::DefaultValueReading => "CW009",
        }
    }

    /// What the lint finds, in one line.
    pub const fn summary(self) -> &'static str {
        match self {
            LintId::UnguardedNotEqual => "`!=` on a field CloudTrail does not always carry, with no `NOT EXISTS` guard",
            LintId::MidValueWildcard => "`*` in the middle of a value, which CloudWatch takes literally",
            LintId::NearLengthLimit => "effective pattern above 90% of CloudWatch's 1024-character limit",
            LintId::UnscopedEventName => "`eventName` that other AWS services also emit, with no `eventSource` scope",
            LintId::UserNameOnAssumedRoles => "`excludeUserNames` on a detector that matches assumed roles",
            LintId::ExclusionRemovedNothing => "an exclusion clause that removed nothing over a recorded trail",
            LintId::EventNameVariant => "an `eventName` that never occurs in a recorded trail while a near variant does",
            LintId::LiteralRegexBrace => "a regex `{...}` that CloudWatch reads literally although it looks like a grouping or repetition",
            LintId::DefaultValueReading => "an alarm whose outcome depends on how many datapoints a defaultValue makes",
        }
    }

    /// Why it matters and what to do, in a few sentences.
    pub const fn help(self) -> &'static str {
        match self {
            LintId::UnguardedNotEqual => "An event without the field never matches `$.f != \"x\"`, so the detector misses it. Guard the test: `(($.f NOT EXISTS) || ($.f != \"x\"))`. Fields every CloudTrail record carries need no guard.",
            LintId::MidValueWildcard => "CloudWatch only treats a trailing `*` as a wildcard; one in the middle of a value is a literal character, so the condition may never hold. Spell the middle part out and keep only a trailing `*`.",
            LintId::NearLengthLimit => "PutMetricFilter rejects a pattern over 1024 characters, so the next exclusion may fail the deployment. Replace several values with one that ends in a trailing `*`.",
            LintId::UnscopedEventName => "The same eventName comes from other services (CreatePolicy is IAM's, Organizations' and IoT's), so the detector fires on all of them. AND a `$.eventSource = \"...\"` test for the service meant.",
            LintId::UserNameOnAssumedRoles => "AssumedRole events (CI roles, SSO) carry no `userIdentity.userName`, so a role's name in `excludeUserNames` excludes nothing. Use `excludeUserArnGlobs: [\"arn:aws:sts::<account-id>:assumed-role/<role-name>/*\"]`.",
            LintId::ExclusionRemovedNothing => "None of the events the detector's base pattern matched in the trail was removed by this exclusion, so it is likely misspelled or of the wrong kind. Compare its values with the field's values in the matching events, or drop it.",
            LintId::EventNameVariant => "The eventName literal never occurs in the trail while another case, a dated API version or a close spelling does, so the condition misses those events. Use the exact spelling, or a trailing `*` for versions.",
            LintId::LiteralRegexBrace => "CloudWatch's regex reads `{` as a literal unless it starts an `{n}`, `{n,}` or `{n,m}` repetition (filter-patterns.md A29), so the pattern only matches text that contains the braces. Write what was meant (the fix shows it), or `\\{` if a brace is really wanted.",
            LintId::DefaultValueReading => "AWS's API reference publishes the defaultValue once per non-matching event (cwfilter's reading); its user guide once per period without a match. SampleCount, Average, Minimum, percentiles, and a Sum of a non-zero default differ between the two. Alarm on Sum with defaultValue 0, which both agree on (docs/alarms.md).",
        }
    }

    /// The check whose code (`CW004`) or name (`unscoped-event-name`) is `text`, in any case.
    pub fn parse(text: &str) -> Option<LintId> {
        LintId::ALL
            .into_iter()
            .find(|id| text.eq_ignore_ascii_case(id.code()) || text.eq_ignore_ascii_case(id.name()))
    }

    /// A short kebab-case name.
    pub const fn name(self) -> &'static str {
        match self {
            LintId::UnguardedNotEqual => "unguarded-not-equal",
            LintId::MidValueWildcard => "mid-value-wildcard",
            LintId::NearLengthLimit => "near-length-limit",
            LintId::UnscopedEventName => "unscoped-event-name",
            LintId::UserNameOnAssumedRoles => "username-on-assumed-roles",
            LintId::ExclusionRemovedNothing => "exclusion-removed-nothing",
            LintId::EventNameVariant => "event-name-variant",
            LintId::LiteralRegexBrace => "literal-regex-brace",
            LintId::DefaultValueReading => "default-value-reading",
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Which check.
    pub id: LintId,
    /// The detector key, or `None` for a bare `--pattern`.
    pub detector: Option<String>,
    /// What is wrong.
    pub message: String,
    /// A one-line fix.
    pub fix: String,
    /// The exclusion list the finding is about (CW005, CW006), so it can point at that list.
    pub exclusion: Option<ExclusionKind>,
    /// The finding is about a built-in catalog pattern as the catalog writes it (the base
    /// pattern alone gives it; no override or exclusion of the config causes it), so the user
    /// cannot change what it is about. The command line reports these as notes.
    pub builtin: bool,
}

impl Finding {
    /// Where in the detector's config file the finding lives (1-based line and column): the
    /// exclusion list it is about, else the override that lengthened the pattern (CW003), else
    /// a custom detector's `pattern:`, else the selector or custom entry that enables the
    /// detector. `None` for a detector without a config file.
    pub fn position(&self, origin: &Origin) -> Option<(u64, u64)> {
        let exclusion = self.exclusion.and_then(|k| origin.exclusion(k));
        // CW003 on a pattern the override's exclusions lengthened is about the override.
        let about_override = self.exclusion.is_some()
            || (self.id == LintId::NearLengthLimit && !origin.exclusions.is_empty());
        exclusion
            .or(origin.overrides.filter(|_| about_override))
            .or(origin.pattern)
            .or(origin.enabled)
            .or(origin.overrides)
    }
}

/// Fields every CloudTrail management or data event carries (CloudTrail record contents;
/// spec §5.7), so `!=` on them needs no guard.
const ALWAYS_PRESENT: [&[&str]; 10] = [
    &["eventVersion"],
    &["eventTime"],
    &["eventSource"],
    &["eventName"],
    &["awsRegion"],
    &["sourceIPAddress"],
    &["eventID"],
    &["eventType"],
    &["recipientAccountId"],
    &["userIdentity", "type"],
];

/// eventNames that more than one service emits: (name, its usual service, the others).
/// From botocore's operation index (upstream-notes.md §9 and the per-detector notes).
const SHARED_EVENT_NAMES: [(&str, &str, &str); 12] = [
    ("CreatePolicy", "iam.amazonaws.com", "organizations, iot, verifiedpermissions, bedrock-agentcore-control"),
    ("DeletePolicy", "iam.amazonaws.com", "autoscaling, organizations, iot, fms, acm-pca, mediaconvert, verifiedpermissions, bedrock-agentcore-control"),
    ("CreatePolicyVersion", "iam.amazonaws.com", "iot"),
    ("DeletePolicyVersion", "iam.amazonaws.com", "iot"),
    ("SetDefaultPolicyVersion", "iam.amazonaws.com", "iot"),
    ("AttachPolicy", "organizations.amazonaws.com", "iot"),
    ("DetachPolicy", "organizations.amazonaws.com", "iot"),
    ("CreateRoute", "ec2.amazonaws.com", "apigateway (v2), appmesh, refactor-spaces"),
    ("DeleteRoute", "ec2.amazonaws.com", "apigateway (v2), appmesh, refactor-spaces"),
    ("CreateVpcPeeringConnection", "ec2.amazonaws.com", "gamelift"),
    ("DeleteVpcPeeringConnection", "ec2.amazonaws.com", "gamelift"),
    ("CreateSecurityGroup", "ec2.amazonaws.com", "wickr"),
];

/// Lints a bare pattern.
pub fn lint_pattern(pattern: &str) -> Result<Vec<Finding>, ParseError> {
    let ast = syntax::parse(pattern)?;
    Ok(lint_ast(None, pattern, &ast))
}

/// Lints a configured detector: its effective pattern and its exclusions.
pub fn lint_detector(d: &Detector) -> Result<Vec<Finding>, ParseError> {
    let ast = syntax::parse(&d.pattern)?;
    let mut out = lint_ast(Some(&d.key), &d.pattern, &ast);
    if d.is_builtin() {
        // What the catalog's pattern alone gives is not the config's doing.
        let base = syntax::parse(&d.base_pattern)?;
        let catalog = lint_ast(Some(&d.key), &d.base_pattern, &base);
        for f in &mut out {
            f.builtin = catalog
                .iter()
                .any(|c| c.id == f.id && c.message == f.message);
        }
    }
    let user_names: Vec<&str> = d
        .exclusions
        .iter()
        .filter(|c| c.kind == ExclusionKind::UserNames)
        .flat_map(|c| c.values.iter().map(String::as_str))
        .collect();
    if !user_names.is_empty() {
        let base = syntax::parse(&d.base_pattern)?;
        if !restricted_to_users(&base) {
            out.push(Finding {
                id: LintId::UserNameOnAssumedRoles,
                detector: Some(d.key.clone()),
                message: format!(
                    "excludeUserNames ({}) only silences IAM users: AssumedRole events (CI roles, SSO) carry no userIdentity.userName, so a role name here excludes nothing",
                    user_names.join(", ")
                ),
                fix: "for a role, use excludeUserArnGlobs: [\"arn:aws:sts::<account-id>:assumed-role/<role-name>/*\"] (only a trailing *)".to_owned(),
                exclusion: Some(ExclusionKind::UserNames),
                builtin: false,
            });
        }
    }
    if let Some(finding) = default_value_reading(d) {
        out.push(finding);
    }
    Ok(out)
}

/// CW009: AWS's pages disagree on whether a defaultValue is published once per non-matching
/// event (the API reference, cwfilter's reading) or once per period without a match (the user
/// guide). Only a Sum of a default of 0 is the same under both.
fn default_value_reading(d: &Detector) -> Option<Finding> {
    if d.no_alarm {
        return None;
    }
    let default = d.metric.default_value?;
    let statistic = d.alarm.statistic;
    if statistic == crate::alarm::Statistic::Sum && default == 0.0 {
        return None;
    }
    Some(Finding {
        id: LintId::DefaultValueReading,
        detector: Some(d.key.clone()),
        message: format!(
            "the alarm's {statistic} of a metric with defaultValue {default} depends on how many datapoints the default makes: one per non-matching event (the API reference; cwfilter's reading) or one per period without a match (the user guide)"
        ),
        fix: "alarm on Sum with defaultValue 0, which both readings agree on (docs/alarms.md, \"defaultValue\")".to_owned(),
        exclusion: None,
        builtin: false,
    })
}

fn lint_ast(detector: Option<&str>, pattern: &str, ast: &Ast) -> Vec<Finding> {
    let finding = |id, message: String, fix: String| Finding {
        id,
        detector: detector.map(str::to_owned),
        message,
        fix,
        exclusion: None,
        builtin: false,
    };
    let mut out = Vec::new();
    if let Ast::Json(json) = ast {
        let mut leaves = Vec::new();
        collect(&json.expr, &Scope::default(), &mut leaves);

        let mut unguarded = BTreeSet::new();
        let mut stars = BTreeSet::new();
        let mut unscoped = BTreeSet::new();
        for (cond, scope) in &leaves {
            let sel = &cond.selector;
            // The AST's printer is lossless (`$.['a.b']` is not `$.a.b`): it names the field.
            let path = sel.to_string();
            match &cond.test {
                Test::Compare(CmpOp::Ne, _)
                    if !scope.guarded.contains(&sel.steps)
                        && !ALWAYS_PRESENT.iter().any(|p| is_field_path(sel, p)) =>
                {
                    unguarded.insert(path.clone());
                }
                Test::Compare(CmpOp::Eq, Value::String(name))
                    if is_field_path(sel, &["eventName"]) && !scope.source_scoped =>
                {
                    if let Some(shared) = SHARED_EVENT_NAMES.iter().find(|s| s.0 == name) {
                        unscoped.insert(*shared);
                    }
                }
                _ => {}
            }
            if let Test::Compare(_, Value::String(v)) = &cond.test {
                if has_mid_star(v) {
                    stars.insert((
                        path,
                        v.clone(),
                        matches!(cond.test, Test::Compare(CmpOp::Ne, _)),
                    ));
                }
            }
        }
        for path in unguarded {
            out.push(finding(
                LintId::UnguardedNotEqual,
                format!("`{path} != ...` is false when CloudTrail omits {path}, so those events never match"),
                format!("write `(({path} NOT EXISTS) || ({path} != ...))`"),
            ));
        }
        for (path, value, negated) in stars {
            let effect = if negated {
                "so this exclusion may exclude nothing"
            } else {
                "so this condition may never match"
            };
            let fix = mid_star_fix(&path, &value);
            out.push(finding(
                LintId::MidValueWildcard,
                format!("the `*` inside {value:?} (on {path}) is taken literally by CloudWatch, which treats only a leading or trailing `*` as a wildcard, {effect}"),
                fix,
            ));
        }
        if !unscoped.is_empty() {
            let names: Vec<&str> = unscoped.iter().map(|s| s.0).collect();
            let others: BTreeSet<&str> = unscoped.iter().flat_map(|s| s.2.split(", ")).collect();
            let sources: BTreeSet<&str> = unscoped.iter().map(|s| s.1).collect();
            let scope = sources
                .iter()
                .map(|s| format!("$.eventSource = \"{s}\""))
                .collect::<Vec<_>>()
                .join(" or ");
            out.push(finding(
                LintId::UnscopedEventName,
                format!(
                    "eventName {} {} also emitted by other services ({}), and nothing here scopes the pattern by eventSource",
                    names.join(", "),
                    if names.len() == 1 { "is" } else { "are" },
                    others.into_iter().collect::<Vec<_>>().join(", ")
                ),
                format!("AND the eventName conditions with `{scope}`"),
            ));
        }
    }
    for re in ast.regexes() {
        if let Some(fix) = syntax::dialect::literal_brace_fix(&re.source) {
            out.push(finding(
                LintId::LiteralRegexBrace,
                format!("the braces in %{}% are literal characters (no `{{n,m}}` repetition begins there), so it only matches text containing them", re.source),
                format!("if they were meant as a grouping or repetition, write %{fix}%"),
            ));
        }
    }
    let len = pattern.chars().count();
    if len * 10 > MAX_PATTERN_LEN * 9 {
        out.push(finding(
            LintId::NearLengthLimit,
            format!("pattern is {len} of {MAX_PATTERN_LEN} characters (over 90%); one more exclusion may break the deploy"),
            "replace several ARNs or names by one value with a trailing `*`".to_owned(),
        ));
    }
    out
}

/// What encloses a leaf: selectors guarded by a sibling `NOT EXISTS` in an enclosing `||`,
/// and whether an enclosing `&&` pins eventSource (and to which exact values, when known).
#[derive(Clone, Default)]
struct Scope {
    guarded: HashSet<Vec<Step>>,
    source_scoped: bool,
    sources: Option<BTreeSet<String>>,
}

/// A `$.eventName = "X"` condition of a pattern, with the eventSource values an enclosing `&&`
/// requires of the same event (`None`: not pinned to exact values).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventNameLiteral {
    /// The eventName compared with `=`.
    pub name: String,
    /// The eventSources an enclosing `&&` pins it to, when known exactly.
    pub sources: Option<BTreeSet<String>>,
}

/// The exact (wildcard-free) `$.eventName = "X"` literals of a pattern, deduplicated, in
/// order of name.
pub fn event_name_literals(ast: &Ast) -> Vec<EventNameLiteral> {
    let Ast::Json(json) = ast else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    collect(&json.expr, &Scope::default(), &mut leaves);
    let set: BTreeSet<EventNameLiteral> = leaves
        .into_iter()
        .filter(|(c, _)| is_field_path(&c.selector, &["eventName"]))
        .filter_map(|(c, scope)| match &c.test {
            Test::Compare(CmpOp::Eq, Value::String(name)) if !is_wildcard(name) => {
                Some(EventNameLiteral {
                    name: name.clone(),
                    sources: scope.sources,
                })
            }
            _ => None,
        })
        .collect();
    set.into_iter().collect()
}

/// A value with a `*` at either end (a wildcard, spec A19).
fn is_wildcard(v: &str) -> bool {
    v.starts_with('*') || v.ends_with('*')
}

fn collect<'a>(expr: &'a Expr<Condition>, scope: &Scope, out: &mut Vec<(&'a Condition, Scope)>) {
    match expr {
        Expr::Leaf(c) => out.push((c, scope.clone())),
        Expr::Or(items, _) => {
            let mut inner = scope.clone();
            for item in items {
                if let Expr::Leaf(c) = item {
                    if c.test == Test::NotExists {
                        inner.guarded.insert(c.selector.steps.clone());
                    }
                }
            }
            for item in items {
                collect(item, &inner, out);
            }
        }
        Expr::And(items, _) => {
            let mut inner = scope.clone();
            inner.source_scoped |= items.iter().any(pins_event_source);
            for pinned in items.iter().filter_map(pinned_sources) {
                inner.sources = Some(match inner.sources {
                    Some(outer) => outer.intersection(&pinned).cloned().collect(),
                    None => pinned,
                });
            }
            for item in items {
                collect(item, &inner, out);
            }
        }
    }
}

/// `$.eventSource = "x"`, or an `||` of such.
fn pins_event_source(expr: &Expr<Condition>) -> bool {
    match expr {
        Expr::Leaf(c) => {
            is_field_path(&c.selector, &["eventSource"])
                && matches!(&c.test, Test::Compare(CmpOp::Eq, Value::String(_)))
        }
        Expr::Or(items, _) => items.iter().all(pins_event_source),
        Expr::And(items, _) => items.iter().any(pins_event_source),
    }
}

/// The exact eventSource values `expr` requires one of, if it pins them (no wildcards).
fn pinned_sources(expr: &Expr<Condition>) -> Option<BTreeSet<String>> {
    match expr {
        Expr::Leaf(c) => match &c.test {
            Test::Compare(CmpOp::Eq, Value::String(v))
                if is_field_path(&c.selector, &["eventSource"]) && !is_wildcard(v) =>
            {
                Some(BTreeSet::from([v.clone()]))
            }
            _ => None,
        },
        Expr::Or(items, _) => {
            let mut all = BTreeSet::new();
            for item in items {
                all.extend(pinned_sources(item)?);
            }
            Some(all)
        }
        Expr::And(items, _) => items
            .iter()
            .filter_map(pinned_sources)
            .reduce(|a, b| a.intersection(&b).cloned().collect()),
    }
}

/// Whether the pattern requires userIdentity.type to be IAMUser or Root (types that carry
/// userIdentity.userName).
fn restricted_to_users(ast: &Ast) -> bool {
    fn user_type(expr: &Expr<Condition>) -> bool {
        match expr {
            Expr::Leaf(c) => {
                is_field_path(&c.selector, &["userIdentity", "type"])
                    && matches!(&c.test, Test::Compare(CmpOp::Eq, Value::String(t)) if t == "IAMUser" || t == "Root")
            }
            Expr::Or(items, _) => items.iter().all(user_type),
            Expr::And(items, _) => items.iter().any(user_type),
        }
    }
    matches!(ast, Ast::Json(j) if user_type(&j.expr))
}

/// CW002's fix for `value` on the field `path`: spell the value out or keep a trailing `*`,
/// with an example of the field's kind (an ARN for an ARN field, else the value cut at its
/// first literal `*`).
fn mid_star_fix(path: &str, value: &str) -> String {
    let is_arn = path
        .rsplit(['.', '[', '\'', ']'])
        .find(|s| !s.is_empty())
        .is_some_and(|last| last.to_ascii_lowercase().ends_with("arn"));
    if is_arn || value.starts_with("arn:") {
        format!("spell out the {path} value, keeping only a trailing `*` (e.g. {path} = \"arn:aws:sts::123456789012:assumed-role/Role/*\")")
    } else {
        let start = usize::from(value.starts_with('*'));
        let cut = value[start..].find('*').map_or(value.len(), |i| i + start);
        format!(
            "spell out the {path} value, or keep only a trailing `*` (e.g. {path} = \"{}*\")",
            &value[..cut]
        )
    }
}

pub(crate) fn has_mid_star(v: &str) -> bool {
    let inner = v.strip_prefix('*').unwrap_or(v);
    let inner = inner.strip_suffix('*').unwrap_or(inner);
    inner.contains('*')
}

/// Whether `s` is exactly the field path `fields` (`["userIdentity", "type"]` for
/// `$.userIdentity.type`), compared step by step, never by printed text.
fn is_field_path(s: &Selector, fields: &[&str]) -> bool {
    s.steps.len() == fields.len()
        && s.steps
            .iter()
            .zip(fields)
            .all(|(step, f)| matches!(step, Step::Field(name) if name == f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_star_detection() {
        assert!(has_mid_star("arn:aws:sts::*:assumed-role/X/*"));
        assert!(has_mid_star("Ev*ent"));
        assert!(!has_mid_star("*UnauthorizedOperation"));
        assert!(!has_mid_star("AccessDenied*"));
        assert!(!has_mid_star("*html*"));
        assert!(!has_mid_star("*"));
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let codes: BTreeSet<&str> = LintId::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes.len(), LintId::ALL.len());
        assert_eq!(LintId::UnguardedNotEqual.code(), "CW001");
        assert_eq!(LintId::UserNameOnAssumedRoles.code(), "CW005");
        assert_eq!(LintId::ExclusionRemovedNothing.code(), "CW006");
        assert_eq!(LintId::EventNameVariant.code(), "CW007");
    }

    #[test]
    fn event_name_literals_with_their_pinned_sources() {
        let lits = |p: &str| event_name_literals(&syntax::parse(p).unwrap());
        let pinned = |s: &[&str]| Some(s.iter().map(|s| (*s).to_owned()).collect());
        let l = lits(
            r#"{ ($.eventSource = "lambda.amazonaws.com") && (($.eventName = "B") || ($.eventName = "A")) && ($.x = "y") }"#,
        );
        let names: Vec<(&str, Option<BTreeSet<String>>)> = l
            .iter()
            .map(|l| (l.name.as_str(), l.sources.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("A", pinned(&["lambda.amazonaws.com"])),
                ("B", pinned(&["lambda.amazonaws.com"]))
            ]
        );
        // An `||` of sources pins their union; a wildcard source pins nothing exact.
        let l =
            lits(r#"{ (($.eventSource = "a") || ($.eventSource = "b")) && $.eventName = "N" }"#);
        assert_eq!(l[0].sources, pinned(&["a", "b"]));
        let l = lits(r#"{ $.eventSource = "a*" && $.eventName = "N" }"#);
        assert_eq!(l[0].sources, None);
        // Per-branch scopes, wildcards and `!=` are no literals of their own.
        let l = lits(
            r#"{ ($.eventSource = "s3" && $.eventName = "P") || $.eventName = "Q" || $.eventName = "R*" || $.eventName != "S" }"#,
        );
        let names: Vec<(&str, Option<BTreeSet<String>>)> = l
            .iter()
            .map(|l| (l.name.as_str(), l.sources.clone()))
            .collect();
        assert_eq!(names, [("P", pinned(&["s3"])), ("Q", None)]);
        assert!(lits(r#"[a, b = "ConsoleLogin"]"#).is_empty());
    }
}
