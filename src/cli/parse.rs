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
    // Compiling (not only parsing) also catches regexes the regex engine refuses, such as
    // `%a{5,3}%`, so `parse` accepts exactly what `match`, `check` and `replay` accept.
    let pattern = match cwfilter::eval::Pattern::parse(&args.pattern) {
        Ok(pattern) => pattern,
        Err(e) => {
            eprintln!("{}", e.render());
            return ExitCode::from(2);
        }
    };
    let ast = pattern.ast();
    let text = if args.ast {
        match serde_json::to_string_pretty(ast) {
            Ok(json) => json,
            Err(e) => {
                eprintln!("cwfilter: cannot serialise the syntax tree: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        ast.to_string()
    };
    match super::output::print(&(text + "\n")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
