//! cwfilter: a faithful offline interpreter of Amazon CloudWatch Logs filter patterns, the
//! CloudTrail detector catalog of simple-container's `aws-cloudtrail-security-alerts`, and a
//! replay harness that tells which CloudWatch alarms recorded CloudTrail would have fired.
//!
//! Layers, bottom up:
//! - [`syntax`]: the language (AST, parser, printer, errors). Knows nothing of events.
//! - [`eval`]: matching events with AWS's semantics. Never sees nom.
//! - [`alarm`]: the CloudWatch alarm model (settings and M-of-N evaluation over datapoints).
//! - [`detectors`]: the detector catalog, configuration and exclusion compiler.
//! - [`trail`]: reading CloudTrail in its many shapes, and generating synthetic trails.
//! - [`replay`]: simulating the detectors' alarms over recorded CloudTrail, and its reports.
//! - [`conformance`]: running JSON Lines conformance cases (`cwfilter check`, `cargo test`).
//!
//! The `cwfilter` binary (src/main.rs, src/cli/) owns the command line and I/O policy.
//!
//! ```
//! use cwfilter::Pattern;
//!
//! // The "fix" that silently dropped every event without the field: in CloudWatch, `!=` on an
//! // absent field is false, so only the NOT EXISTS guard keeps such events.
//! let naive = Pattern::parse(r#"{ $.userIdentity.userName != "bot" }"#).unwrap();
//! let guarded = Pattern::parse(
//!     r#"{ ($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "bot") }"#,
//! )
//! .unwrap();
//! let role_event = r#"{"userIdentity": {"type": "AssumedRole"}, "eventName": "PutRolePolicy"}"#;
//! assert!(!naive.matches_message(role_event));
//! assert!(guarded.matches_message(role_event));
//!
//! // Invalid patterns are rejected as CloudWatch rejects them, with a position and a hint.
//! let err = Pattern::parse("{ $.errorCode IS NOT NULL }").unwrap_err();
//! assert_eq!(err.to_string(), "IS NOT is not supported at line 1 column 15");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alarm;
pub mod conformance;
pub mod detectors;
pub mod engine;
pub mod eval;
mod raw_json;
pub mod replay;
pub mod syntax;
pub mod terminal;
mod textfile;
pub mod trail;
pub mod tune;

pub use eval::{Explanation, Pattern};
pub use syntax::ParseError;
