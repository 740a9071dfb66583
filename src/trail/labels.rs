//! Ground truth for a trail, as JSON Lines `{"eventID": "...", "label": "malicious"|"benign"}`:
//! written by `cwfilter synth` ([`Label::jsonl_line`]) and read by `replay --labels`
//! ([`Labels::from_jsonl`]). One [`Label`] type for both.

use std::collections::HashMap;

/// What a labelled event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// An event an alert should fire on.
    Malicious,
    /// An event an alert should not fire on.
    Benign,
}

impl Label {
    /// `malicious` or `benign`, as in the label file.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Malicious => "malicious",
            Label::Benign => "benign",
        }
    }

    /// The label file's line for `event_id` (without the newline), which
    /// [`Labels::from_jsonl`] reads back.
    pub fn jsonl_line(self, event_id: &str) -> String {
        serde_json::json!({"eventID": event_id, "label": self}).to_string()
    }
}

/// A label file that cannot be used, with the 1-based line and column at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    /// 1-based line at fault.
    pub line: usize,
    /// 1-based column (1 when the whole line is at fault).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// `line:col: message`, to follow the file's path and a `:` (`labels.jsonl:2:29: ...`).
impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for LabelError {}

#[derive(serde::Deserialize)]
struct Line {
    #[serde(rename = "eventID")]
    event_id: String,
    label: Label,
}

/// Labels by eventID.
#[derive(Clone, Debug, Default)]
pub struct Labels {
    by_id: HashMap<String, Label>,
}

impl Labels {
    /// Parses JSON Lines. Blank lines are skipped; any other line must be an object with a string
    /// `eventID` and a `label` of `malicious` or `benign` (extra keys are allowed). A second label
    /// for the same eventID must agree with the first.
    pub fn from_jsonl(text: &str) -> Result<Labels, LabelError> {
        let mut by_id = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let parsed: Line = serde_json::from_str(raw).map_err(|e| LabelError {
                line,
                column: e.column().max(1),
                message: format!(
                    "expected {{\"eventID\": \"...\", \"label\": \"malicious\"|\"benign\"}}: {}",
                    crate::trail::reader::json_message(&e)
                ),
            })?;
            match by_id.insert(parsed.event_id.clone(), parsed.label) {
                Some(prev) if prev != parsed.label => {
                    return Err(LabelError {
                        line,
                        column: 1,
                        message: format!(
                            "eventID {:?} is labelled both malicious and benign",
                            parsed.event_id
                        ),
                    })
                }
                _ => {}
            }
        }
        Ok(Labels { by_id })
    }

    /// Labels `event_id` (replacing an earlier label).
    pub fn insert(&mut self, event_id: impl Into<String>, label: Label) {
        self.by_id.insert(event_id.into(), label);
    }

    /// The label of `event_id`.
    pub fn get(&self, event_id: &str) -> Option<Label> {
        self.by_id.get(event_id).copied()
    }

    /// Events with this label.
    pub fn count(&self, label: Label) -> usize {
        self.by_id.values().filter(|&&l| l == label).count()
    }

    /// Every (eventID, label), sorted by eventID.
    pub fn sorted(&self) -> Vec<(&str, Label)> {
        let mut all: Vec<(&str, Label)> =
            self.by_id.iter().map(|(k, &l)| (k.as_str(), l)).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all
    }

    /// Malicious eventIDs, sorted.
    pub fn malicious_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .by_id
            .iter()
            .filter(|(_, &l)| l == Label::Malicious)
            .map(|(k, _)| k.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_labels() {
        let l = Labels::from_jsonl(
            "{\"eventID\": \"a\", \"label\": \"malicious\"}\n\n{\"eventID\": \"b\", \"label\": \"benign\", \"note\": 1}\n",
        )
        .unwrap();
        assert_eq!(l.get("a"), Some(Label::Malicious));
        assert_eq!(l.get("b"), Some(Label::Benign));
        assert_eq!(l.get("c"), None);
        assert_eq!(l.count(Label::Malicious), 1);
        assert_eq!(l.malicious_ids(), vec!["a"]);
    }

    /// Issue 10 bug 5: the synthetic trail's writer had a `Label` of its own and spelled the
    /// line by hand; what it writes is what the reader reads.
    #[test]
    fn written_lines_read_back() {
        let text = [
            Label::Malicious.jsonl_line("a\"b"),
            Label::Benign.jsonl_line("c"),
        ]
        .join("\n");
        assert_eq!(text, "{\"eventID\":\"a\\\"b\",\"label\":\"malicious\"}\n{\"eventID\":\"c\",\"label\":\"benign\"}");
        let l = Labels::from_jsonl(&text).unwrap();
        assert_eq!(l.get("a\"b"), Some(Label::Malicious));
        assert_eq!(l.get("c"), Some(Label::Benign));
        assert_eq!(Label::Benign.as_str(), "benign");
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = Labels::from_jsonl("{\"eventID\": \"a\", \"label\": \"malicious\"}\n{\"eventID\": \"b\", \"label\": \"evil\"}")
            .unwrap_err();
        assert_eq!(e.line, 2);
        let e = Labels::from_jsonl("not json").unwrap_err();
        assert_eq!(e.line, 1);
        let e = Labels::from_jsonl(
            "{\"eventID\": \"a\", \"label\": \"malicious\"}\n{\"eventID\": \"a\", \"label\": \"benign\"}",
        )
        .unwrap_err();
        assert!(e.message.contains("both"), "{e}");
    }
}
