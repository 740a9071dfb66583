//! The JSON report: the serde model, pretty-printed. serde_json escapes every string, so
//! event-derived values cannot break the document.

use crate::replay::report::Report;

/// Renders the report as the JSON contract (docs/replay.md), pretty-printed.
pub fn render(report: &Report) -> String {
    // Serializing plain structs with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    out.push('\n');
    out
}
