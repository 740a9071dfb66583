//! CW007: an eventName literal the trail holds only in another spelling (case, an API
//! version suffix, a near spelling of the same verb).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use regex::Regex;

use super::LiteralCheck;
use crate::detectors::lint::{Finding, LintId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum VariantKind {
    Case,
    Version,
    Spelling,
}

#[derive(Clone, Copy)]
struct Variant<'a> {
    kind: VariantKind,
    count: u64,
    name: &'a str,
    sources: &'a BTreeMap<String, u64>,
}

pub(super) fn variant_finding(
    check: &LiteralCheck,
    names: &HashMap<String, BTreeMap<String, u64>>,
    spelled: &BTreeSet<&str>,
) -> Option<Finding> {
    let literal = &check.literal.name;
    if names.contains_key(literal) {
        return None;
    }
    let mut variants: Vec<Variant> = Vec::new();
    for (name, sources) in names {
        let Some(kind) = variant_kind(literal, name, check.spellings, spelled) else {
            continue;
        };
        let count: u64 = match &check.literal.sources {
            Some(pinned) => sources
                .iter()
                .filter(|(s, _)| pinned.contains(*s))
                .map(|(_, n)| n)
                .sum(),
            None => sources.values().sum(),
        };
        if count > 0 {
            variants.push(Variant {
                kind,
                count,
                name,
                sources,
            });
        }
    }
    // The closest kind first, then the most frequent, then by name (for a stable report).
    variants.sort_by(|a, b| {
        (a.kind, std::cmp::Reverse(a.count), a.name).cmp(&(
            b.kind,
            std::cmp::Reverse(b.count),
            b.name,
        ))
    });
    let Variant {
        kind,
        count,
        name: best,
        sources,
    } = *variants.first()?;
    let source_list = sources
        .keys()
        .filter(|s| !s.is_empty())
        .filter(|s| {
            check
                .literal
                .sources
                .as_ref()
                .is_none_or(|p| p.contains(*s))
        })
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let from = if source_list.is_empty() {
        String::new()
    } else {
        format!(" from {source_list}")
    };
    let events = if count == 1 { "event" } else { "events" };
    let others = match variants.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} other variant{})", if n == 1 { "" } else { "s" }),
    };
    let fix = match kind {
        VariantKind::Case => {
            format!("write {best:?}: CloudWatch compares eventName case-sensitively")
        }
        VariantKind::Version => match version_split(literal) {
            None => format!(
                "match every version with a trailing wildcard: $.eventName = \"{literal}*\""
            ),
            Some((base, _)) => {
                format!("match every version with a trailing wildcard: $.eventName = \"{base}*\"")
            }
        },
        VariantKind::Spelling => format!("write {best:?} if that is the operation meant"),
    };
    Some(Finding {
        id: LintId::EventNameVariant,
        detector: check.detector.clone(),
        message: format!(
            "eventName {literal:?} never occurs in the trail, but {best:?} does ({count} {events}{from}){others}, so this condition misses them"
        ),
        fix,
        exclusion: None,
        // Near spellings are only looked for in user-written patterns.
        builtin: !check.spellings,
    })
}

fn variant_kind(
    literal: &str,
    name: &str,
    spellings: bool,
    spelled: &BTreeSet<&str>,
) -> Option<VariantKind> {
    if literal.eq_ignore_ascii_case(name) {
        return Some(VariantKind::Case);
    }
    let unversioned = |s| version_split(s).map_or(s, |(base, _)| base);
    if unversioned(literal) == unversioned(name) {
        return Some(VariantKind::Version);
    }
    if spellings
        && !spelled.contains(name)
        && strsim::damerau_levenshtein(literal, name) <= 2
        && !different_verbs(literal, name)
    {
        return Some(VariantKind::Spelling);
    }
    None
}

/// `CreateFunctionUrlConfig20211031` -> (`CreateFunctionUrlConfig`, `20211031`); also
/// `...20150331v2` and CloudFront's `...2020_05_31`.
fn version_split(name: &str) -> Option<(&str, &str)> {
    static VERSIONED: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^([A-Za-z]+?)(\d{4}_?\d{2}_?\d{2}(?:v\d+)?)$").ok());
    let caps = VERSIONED.as_ref()?.captures(name)?;
    Some((caps.get(1)?.as_str(), caps.get(2)?.as_str()))
}

/// Leading verbs of AWS operation names; two names that differ in them are different
/// operations, however close the spelling (`Get`/`Put`, `Attach`/`Detach`, `Tag`/`Untag`).
const VERBS: [&str; 46] = [
    "Accept",
    "Add",
    "Allow",
    "Associate",
    "Attach",
    "Authorize",
    "Cancel",
    "Copy",
    "Create",
    "Delete",
    "Deregister",
    "Describe",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Export",
    "Get",
    "Grant",
    "Import",
    "Invoke",
    "List",
    "Lookup",
    "Modify",
    "Publish",
    "Put",
    "Receive",
    "Register",
    "Reject",
    "Remove",
    "Reset",
    "Restore",
    "Revoke",
    "Run",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Subscribe",
    "Tag",
    "Unsubscribe",
    "Untag",
    "Update",
    "Upload",
    "Validate",
    "Verify",
];

fn different_verbs(a: &str, b: &str) -> bool {
    let (va, vb) = (leading_word(a), leading_word(b));
    va != vb && VERBS.contains(&va) && VERBS.contains(&vb)
}

/// The first CamelCase word: up to the next upper-case letter.
fn leading_word(s: &str) -> &str {
    let end = s
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_off() {
        assert_eq!(
            version_split("CreateFunctionUrlConfig20211031"),
            Some(("CreateFunctionUrlConfig", "20211031"))
        );
        assert_eq!(
            version_split("UpdateFunctionCode20150331v2"),
            Some(("UpdateFunctionCode", "20150331v2"))
        );
        assert_eq!(
            version_split("UpdateDistribution2017_03_25"),
            Some(("UpdateDistribution", "2017_03_25"))
        );
        assert_eq!(version_split("CreateFunctionUrlConfig"), None);
        assert_eq!(version_split("GetObject2"), None);
    }

    #[test]
    fn variant_kinds() {
        let none = BTreeSet::new();
        let k = |a, b, spell| variant_kind(a, b, spell, &none);
        assert_eq!(
            k("ConsoleLogin", "consolelogin", false),
            Some(VariantKind::Case)
        );
        assert_eq!(
            k(
                "CreateFunctionUrlConfig",
                "CreateFunctionUrlConfig20211031",
                false
            ),
            Some(VariantKind::Version)
        );
        assert_eq!(
            k(
                "CreateFunctionUrlConfig20211031",
                "CreateFunctionUrlConfig",
                false
            ),
            Some(VariantKind::Version)
        );
        assert_eq!(
            k("AddPermission20150331", "AddPermission20150331v2", false),
            Some(VariantKind::Version)
        );
        assert_eq!(k("ConsoleLogn", "ConsoleLogin", false), None);
        assert_eq!(
            k("ConsoleLogn", "ConsoleLogin", true),
            Some(VariantKind::Spelling)
        );
        assert_eq!(
            k("CrateUser", "CreateUser", true),
            Some(VariantKind::Spelling)
        );
        // Different operations, one or two edits apart (seen in the bundled corpus).
        assert_eq!(k("PutBucketCors", "GetBucketCors", true), None);
        assert_eq!(k("DetachPolicy", "AttachPolicy", true), None);
        assert_eq!(k("TagResource", "UntagResource", true), None);
        assert_eq!(k("StopLogging", "StartLogging", true), None);
        // A name the patterns themselves spell is no misspelling of another.
        let spelled = BTreeSet::from(["CreateRole"]);
        assert_eq!(
            variant_kind("CreateRoute", "CreateRole", true, &spelled),
            None
        );
    }

    #[test]
    fn leading_words() {
        assert_eq!(leading_word("GetBucketCors"), "Get");
        assert_eq!(leading_word("Get"), "Get");
        assert_eq!(leading_word(""), "");
        assert_eq!(leading_word("ÉtéX"), "Été");
    }
}
