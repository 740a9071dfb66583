//! The one-pass engine (work in progress).

pub mod extract;
pub mod prefilter;
