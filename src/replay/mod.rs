//! The replay harness: records x detectors -> matched counts and simulated alarm fires, and
//! the reports that present them.

pub mod alarm;
