//! `cwfilter test-metric-filter`: an offline `aws logs test-metric-filter`. Same flags, same
//! answer, same output formats and the AWS CLI's exit status for a rejected call, so a
//! pipeline can alias the command and drop its credentials.

use std::process::ExitCode;

use serde_json::{json, Map, Value};

use cwfilter::eval::Pattern;
use cwfilter::trail::MAX_EVENT_BYTES;

use super::aws_output::{self, AwsOutput};
use super::output;

/// The AWS CLI's exit status when the service answers with an error.
const SERVICE_ERROR: u8 = 254;
/// TestMetricFilter takes 1 to 50 messages (API reference).
const MAX_MESSAGES: usize = 50;

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter test-metric-filter --filter-pattern ERROR \\\n      \
    --log-event-messages \"[ERROR] 400 BAD REQUEST\" \"[INFO] 200 OK\"\n  \
    cwfilter test-metric-filter --cli-input-json file://request.json --output text\n  \
    alias aws-logs-test-metric-filter='cwfilter test-metric-filter'\n\n\
Output: the service's answer as the AWS CLI prints it: {\"matches\": [{\"eventNumber\", \
\"eventMessage\", \"extractedValues\"}]}, event numbers 1-based in input order, only the \
matching messages; extractedValues holds $name (named fields) and $N (unnamed or `...` \
fields) for space-delimited patterns, in message order, and is {} otherwise.\n\n\
Exit status (the AWS CLI's, not cwfilter's usual 0/1/2): 0 when the call succeeds, whether or \
not a message matched; 254 when the service would reject the call (an invalid pattern: the \
AWS CLI's InvalidParameterException line, then cwfilter's diagnostic with its position); 2 on \
a usage error or an unreadable --cli-input-json. More than 50 messages, or a message over \
CloudWatch Logs' 256 KB event size, prints a warning that the service would refuse the call, \
then the answer.")]
pub struct Args {
    /// The filter pattern to test.
    #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
    filter_pattern: Option<String>,
    /// The log event messages to test (one or more).
    #[arg(long, value_name = "MSG", num_args = 1..)]
    log_event_messages: Option<Vec<String>>,
    /// The request as JSON, `{"filterPattern": ..., "logEventMessages": [...]}`, inline or
    /// `file://PATH`. Flags given on the command line take precedence.
    #[arg(long, value_name = "JSON")]
    cli_input_json: Option<String>,
    /// Output format, as the AWS CLI's `--output`.
    #[arg(long, value_enum, default_value = "json")]
    output: AwsOutput,
}

/// The request the command would send.
struct Request {
    filter_pattern: String,
    messages: Vec<String>,
}

fn request(args: &Args) -> Result<Request, String> {
    let mut pattern = args.filter_pattern.clone();
    let mut messages = args.log_event_messages.clone();
    if let Some(input) = &args.cli_input_json {
        let text = match input.strip_prefix("file://") {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --cli-input-json file {path}: {e}"))?,
            None => input.clone(),
        };
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("--cli-input-json is not valid JSON: {e}"))?;
        let Value::Object(doc) = doc else {
            return Err("--cli-input-json must be a JSON object".to_owned());
        };
        for key in doc.keys() {
            if key != "filterPattern" && key != "logEventMessages" {
                return Err(format!(
                    "--cli-input-json: unknown parameter \"{key}\", must be one of: \
                     filterPattern, logEventMessages"
                ));
            }
        }
        if pattern.is_none() {
            if let Some(p) = doc.get("filterPattern") {
                pattern = Some(
                    p.as_str()
                        .ok_or("--cli-input-json: filterPattern must be a string")?
                        .to_owned(),
                );
            }
        }
        if messages.is_none() {
            if let Some(m) = doc.get("logEventMessages") {
                let list = m
                    .as_array()
                    .ok_or("--cli-input-json: logEventMessages must be a list of strings")?;
                let strings: Option<Vec<String>> =
                    list.iter().map(|v| v.as_str().map(str::to_owned)).collect();
                messages = Some(
                    strings
                        .ok_or("--cli-input-json: logEventMessages must be a list of strings")?,
                );
            }
        }
    }
    let mut missing = Vec::new();
    if pattern.is_none() {
        missing.push("--filter-pattern");
    }
    if messages.is_none() {
        missing.push("--log-event-messages");
    }
    if !missing.is_empty() {
        return Err(format!(
            "the following arguments are required: {}",
            missing.join(", ")
        ));
    }
    Ok(Request {
        filter_pattern: pattern.unwrap_or_default(),
        messages: messages.unwrap_or_default(),
    })
}

/// The service's answer: the matching messages, 1-based, with what the pattern extracts.
pub fn response(pattern: &Pattern, messages: &[String]) -> Value {
    let matches: Vec<Value> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, message)| {
            let extracted = pattern.extracted_values(message)?;
            let values: Map<String, Value> = extracted
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            Some(json!({
                "eventNumber": i + 1,
                "eventMessage": message,
                "extractedValues": values,
            }))
        })
        .collect();
    json!({ "matches": matches })
}

/// What the service would refuse before evaluating anything (AWS's own validation).
fn service_warnings(req: &Request) -> Vec<String> {
    let mut warnings = Vec::new();
    if req.messages.is_empty() || req.messages.len() > MAX_MESSAGES {
        warnings.push(format!(
            "logEventMessages has {} item{}; the service accepts 1 to {MAX_MESSAGES}",
            req.messages.len(),
            if req.messages.len() == 1 { "" } else { "s" }
        ));
    }
    for (i, m) in req.messages.iter().enumerate() {
        if m.is_empty() {
            warnings.push(format!(
                "message {} is empty; the service requires at least 1 character",
                i + 1
            ));
        } else if m.len() > MAX_EVENT_BYTES {
            warnings.push(format!(
                "message {} is {} bytes, over CloudWatch Logs' {MAX_EVENT_BYTES}-byte event size",
                i + 1,
                m.len()
            ));
        }
    }
    warnings
}

pub fn run(args: Args) -> ExitCode {
    let req = match request(&args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cwfilter test-metric-filter: error: {e}");
            return ExitCode::from(2);
        }
    };
    let pattern = match Pattern::parse(&req.filter_pattern) {
        Ok(p) => p,
        Err(e) => {
            // The AWS CLI's line for a service error (with its leading blank line), then where
            // the pattern goes wrong, which the service does not say.
            eprintln!(
                "\nAn error occurred (InvalidParameterException) when calling the \
                 TestMetricFilter operation: Invalid metric filter pattern"
            );
            eprintln!("{}", e.render());
            return ExitCode::from(SERVICE_ERROR);
        }
    };
    for w in service_warnings(&req) {
        eprintln!("cwfilter: warning: the service would reject this call: {w}");
    }
    let text = aws_output::render(
        args.output,
        "TestMetricFilter",
        &response(&pattern, &req.messages),
    );
    match output::print(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
