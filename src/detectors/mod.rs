//! The detector catalog, its YAML configuration and the exclusion compiler.

pub mod exclusions;
mod yaml;
