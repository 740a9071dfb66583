//! `cwfilter parse [--ast] PATTERN`: the canonical form of a pattern, or its AST as JSON.

use std::process::ExitCode;

/// Parse a filter pattern and print its canonical form (or its AST as JSON).
#[derive(clap::Args)]
pub struct Args {
    /// Print the syntax tree as JSON (with byte spans) instead of the canonical pattern.
    #[arg(long)]
    ast: bool,
    /// Read the pattern from FILE (`-` for stdin) instead of the command line.
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "pattern")]
    pattern_file: Option<std::path::PathBuf>,
    /// The filter pattern (quote it for the shell).
    #[arg(allow_hyphen_values = true, required_unless_present = "pattern_file")]
    pattern: Option<String>,
}

pub fn run(args: Args) -> ExitCode {
    // Compiling (not only parsing) also catches regexes the regex engine refuses, such as
    // `%a{5,3}%`, so `parse` accepts exactly what `match`, `check` and `replay` accept.
    let text =
        match super::input::pattern_text(args.pattern.as_deref(), args.pattern_file.as_deref()) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("cwfilter: {e}");
                return ExitCode::from(2);
            }
        };
    let pattern = match cwfilter::eval::Pattern::parse(&text) {
        Ok(pattern) => pattern,
        Err(e) => {
            super::input::pattern_error(&e, &text, args.pattern_file.is_none());
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
