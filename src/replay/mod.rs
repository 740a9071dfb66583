//! The replay harness: records x detectors -> matched counts and simulated alarm fires, and
//! the reports that present them.
//!
//! [`core`] is pure: it never reads files and never matches patterns. The caller feeds it each
//! record with the detectors' verdicts ([`Verdicts`]) and renders the [`Report`] it returns with
//! [`render::render`].

pub mod attribution;
pub mod calibration;
pub mod core;
pub mod driver;
pub mod partial;
pub mod render;
pub mod report;
pub mod time;

pub use self::calibration::{calibrate, AlarmHistory, CalibratedAlarm, Calibration};
pub use self::core::{Accumulator, DetectorSpec, Observed, ReplayConfig, SetupError, Verdicts};
pub use self::driver::{FileDone, Replay, Setup};
pub use self::partial::{Partial, PartialError};
pub use self::render::Format;
pub use self::report::Report;
pub use crate::trail::labels::{Label, LabelError, Labels};
pub use crate::trail::reader::event_time;
