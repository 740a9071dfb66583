//! `cwfilter parse [--ast] PATTERN`: the canonical form of a pattern, or its AST as JSON.

use std::process::ExitCode;

/// Parse a filter pattern and print its canonical form (or its AST as JSON).
#[derive(clap::Args)]
pub struct Args {
    /// Print the syntax tree as JSON (with byte spans) instead of the canonical pattern.
    #[arg(long)]
    ast: bool,
    /// The filter pattern (quote it for the shell).
    #[arg(allow_hyphen_values = true)]
    pattern: String,
}

pub fn run(args: Args) -> ExitCode {
    match cwfilter::syntax::parse(&args.pattern) {
        Ok(ast) if args.ast => match serde_json::to_string_pretty(&ast) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cwfilter: cannot serialise the syntax tree: {e}");
                ExitCode::from(2)
            }
        },
        Ok(ast) => {
            println!("{ast}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(2)
        }
    }
}
