//! `cwfilter man`: the manual page (roff), generated from the clap definitions: name,
//! synopsis, description, options, and every subcommand with its summary.

use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter man > cwfilter.1 && man ./cwfilter.1\n  \
    cwfilter man | gzip > /usr/local/share/man/man1/cwfilter.1.gz")]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    let mut page = Vec::new();
    match clap_mangen::Man::new(super::command()).render(&mut page) {
        Ok(()) => match super::output::print(&String::from_utf8_lossy(&page)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(e) => {
            eprintln!("cwfilter: cannot render the manual page: {e}");
            ExitCode::from(2)
        }
    }
}
