//! `cwfilter completions SHELL`: a completion script generated from the clap definitions, so
//! it always offers the real subcommands and flags.

use std::process::ExitCode;

use clap_complete::Shell;

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter completions bash > ~/.local/share/bash-completion/completions/cwfilter\n  \
    cwfilter completions zsh > ~/.zfunc/_cwfilter\n  \
    cwfilter completions fish > ~/.config/fish/completions/cwfilter.fish")]
pub struct Args {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args) -> ExitCode {
    let mut command = super::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "cwfilter", &mut script);
    match std::str::from_utf8(&script).map(super::output::print) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(code)) => code,
        Err(e) => {
            eprintln!("cwfilter: the completion script is not UTF-8: {e}");
            ExitCode::from(2)
        }
    }
}
