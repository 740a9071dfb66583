//! The one-pass engine: many patterns compiled into one program that reads each raw record
//! once (see docs/engine.md).

pub mod extract;
pub mod prefilter;
