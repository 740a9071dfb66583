//! The integration tests, as one test binary (one link, shared helpers); each module is one
//! area of behaviour.

mod cli_check;
mod cli_completions;
mod cli_detectors;
mod cli_match;
mod cli_output;
mod cli_parse;
mod cli_replay;
mod cli_synth;
mod cli_test_metric_filter;
mod conformance;
mod detectors_catalog;
mod detectors_config;
mod docs_guide;
mod docs_links;
mod docs_spec_refs;
mod engine_differential;
mod engine_props;
mod eval_properties;
mod exclusion_properties;
mod fuzz_regressions;
mod hostile;
mod lint;
mod lint_data;
mod replay_core;
mod replay_props;
mod replay_render;
mod selector_oracle;
mod support;
mod syntax_ast;
mod syntax_conformance;
mod syntax_errors;
mod syntax_roundtrip;
mod trail_corpus;
mod trail_reader;
mod trail_synth;
