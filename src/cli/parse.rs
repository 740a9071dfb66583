//! Placeholder until this command lands.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("cwfilter: this command is not implemented yet");
    ExitCode::from(2)
}
