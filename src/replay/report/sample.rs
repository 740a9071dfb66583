//! A hand-built report for the renderer tests.
use super::*;
pub(crate) fn report() -> Report { Report::default() }
