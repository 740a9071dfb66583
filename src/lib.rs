//! cwfilter: a faithful offline interpreter of Amazon CloudWatch Logs filter patterns, the
//! CloudTrail detector catalog of simple-container's `aws-cloudtrail-security-alerts`, and a
//! replay harness that tells which CloudWatch alarms recorded CloudTrail would have fired.
//!
//! Layers, bottom up:
//! - [`syntax`]: the language (AST, parser, printer, errors). Knows nothing of events.
//! - [`eval`]: matching events with AWS's semantics. Never sees nom.
//! - [`detectors`]: the detector catalog, configuration and exclusion compiler.
//! - [`trail`]: reading CloudTrail in its many shapes, and generating synthetic trails.
//! - [`replay`]: the alarm model and reports.
//! - [`conformance`]: running JSON Lines conformance cases (`cwfilter check`, `cargo test`).
//!
//! The `cwfilter` binary (src/main.rs, src/cli/) owns the command line and I/O policy.

pub mod conformance;
pub mod detectors;
pub mod engine;
pub mod eval;
pub mod replay;
pub mod syntax;
mod textfile;
pub mod trail;
