//! The record generator: one API call at a time, written as CloudTrail JSON, for everyday
//! noise, service-linked AccessDenied bursts and the planted incidents.

use std::fmt::Write as _;

use super::rng::{stable_id, stable_uuid, Rng, HEX, LOWER_ALNUM, UPPER_ALNUM};
use super::tables::*;
use super::{IncidentKind, Label, SynthConfig};
use crate::trail::time::{format_event_time, DAY};

mod incidents;

/// One generated record.
pub(super) struct Event {
    pub(super) time: i64,
    pub(super) region: usize,
    pub(super) id: String,
    pub(super) json: String,
    pub(super) label: Option<Label>,
}

/// Who makes a call.
#[derive(Clone, Copy)]
pub(super) enum Who<'a> {
    /// A role session: role name, session name, optional invoking service.
    Role(&'a str, &'a str, Option<&'a str>),
    User(&'a str),
    Root,
    Service(&'a str),
    Anonymous,
}

/// One API call to write.
pub(super) struct Call<'a> {
    who: Who<'a>,
    source: &'a str,
    name: &'a str,
    region: usize,
    ip: &'a str,
    agent: &'a str,
    /// JSON object text, or "null".
    request: &'a str,
    response: &'a str,
    error: Option<(&'a str, &'a str)>,
    additional: Option<&'a str>,
    read_only: bool,
    event_type: &'a str,
    management: bool,
    label: Option<Label>,
}

impl<'a> Call<'a> {
    fn new(who: Who<'a>, source: &'a str, name: &'a str) -> Self {
        Call {
            who,
            source,
            name,
            region: 0,
            ip: "203.0.113.10",
            agent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
            request: "null",
            response: "null",
            error: None,
            additional: None,
            read_only: false,
            event_type: "AwsApiCall",
            management: true,
            label: None,
        }
    }
}

pub(super) struct Gen<'c, 'r> {
    pub(super) cfg: &'c SynthConfig,
    pub(super) rng: &'r mut Rng,
    /// Scratch buffer the record is written into.
    pub(super) out: String,
}

impl Gen<'_, '_> {
    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFF,
            0x8000 | ((b >> 48) & 0x3FFF),
            b & 0xFFFF_FFFF_FFFF
        )
    }

    fn token(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len)
            .map(|_| char::from(*self.rng.pick(alphabet)))
            .collect()
    }

    /// The region for a call: global services log in the first region.
    fn region_for(&mut self, source: &str) -> usize {
        let global = matches!(
            source,
            "iam.amazonaws.com"
                | "sts.amazonaws.com"
                | "signin.amazonaws.com"
                | "organizations.amazonaws.com"
                | "sso.amazonaws.com"
        );
        if global || self.cfg.regions.len() == 1 || self.rng.chance(700) {
            0
        } else {
            1 + self.rng.below(self.cfg.regions.len() as u64 - 1) as usize
        }
    }

    /// Expands `$X` placeholders in a JSON template.
    fn fill(&mut self, template: &str) -> String {
        let mut s = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            s.push_str(&rest[..i]);
            let key = rest.as_bytes().get(i + 1).copied();
            rest = &rest[(i + 2).min(rest.len())..];
            match key {
                Some(b'B') => s.push_str(self.rng.pick::<&str>(BUCKETS)),
                Some(b'F') => s.push_str(self.rng.pick::<&str>(FUNCTIONS)),
                Some(b'G') => s.push_str(&self.cfg.regions[0]),
                Some(b'A') => s.push_str(&self.cfg.account),
                Some(b'R') => s.push_str(self.rng.pick::<&str>(READ_ROLES)),
                Some(b'I') => {
                    let id = self.token(17, HEX);
                    s.push_str("i-");
                    s.push_str(&id);
                }
                Some(b'N') => {
                    let n = 100 + self.rng.below(900);
                    let _ = write!(s, "{n}");
                }
                Some(b'Q') => {
                    let id = self.uuid();
                    s.push_str(&id);
                }
                _ => s.push('$'),
            }
        }
        s.push_str(rest);
        s
    }

    fn identity(&mut self, who: Who<'_>, time: i64) {
        let acct = &self.cfg.account;
        let out = &mut self.out;
        match who {
            Who::Role(role, session, invoked_by) => {
                let role_id = format!("AROA{}", stable_id(role, 17, UPPER_ALNUM));
                let key = format!(
                    "ASIA{}",
                    stable_id(&format!("{role}{session}{}", time / 3600), 16, UPPER_ALNUM)
                );
                let created = format_event_time(time - time.rem_euclid(3600));
                let _ = write!(
                    out,
                    r#"{{"type":"AssumedRole","principalId":"{role_id}:{session}","arn":"arn:aws:sts::{acct}:assumed-role/{role}/{session}","accountId":"{acct}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{acct}:role/{path}{role}","accountId":"{acct}","userName":"{role}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{created}","mfaAuthenticated":"false"}}}}"#,
                    path = if role.starts_with("AWSServiceRole") {
                        "aws-service-role/"
                    } else if role.starts_with("AWSReservedSSO") {
                        "aws-reserved/sso.amazonaws.com/"
                    } else {
                        ""
                    },
                );
                if let Some(by) = invoked_by {
                    let _ = write!(out, r#","invokedBy":"{by}""#);
                }
                out.push('}');
            }
            Who::User(name) => {
                let _ = write!(
                    out,
                    r#"{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{acct}:user/{name}","accountId":"{acct}","accessKeyId":"AKIA{}","userName":"{name}"}}"#,
                    stable_id(name, 17, UPPER_ALNUM),
                    stable_id(&format!("key-{name}"), 16, UPPER_ALNUM),
                );
            }
            Who::Root => {
                let _ = write!(
                    out,
                    r#"{{"type":"Root","principalId":"{acct}","arn":"arn:aws:iam::{acct}:root","accountId":"{acct}","accessKeyId":"ASIA{}"}}"#,
                    stable_id(&format!("root{}", time / 3600), 16, UPPER_ALNUM),
                );
            }
            Who::Service(by) => {
                let _ = write!(out, r#"{{"type":"AWSService","invokedBy":"{by}"}}"#);
            }
            Who::Anonymous => {
                out.push_str(
                    r#"{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}"#,
                );
            }
        }
    }

    fn emit(&mut self, time: i64, call: &Call<'_>) -> Event {
        self.out.clear();
        self.out
            .push_str(r#"{"eventVersion":"1.09","userIdentity":"#);
        self.identity(call.who, time);
        let region = self.cfg.regions[call.region].clone();
        let request_id = self.uuid();
        let event_id = self.uuid();
        let out = &mut self.out;
        let _ = write!(
            out,
            r#","eventTime":"{}","eventSource":"{}","eventName":"{}","awsRegion":"{region}","sourceIPAddress":"{}","userAgent":"{}""#,
            format_event_time(time),
            call.source,
            call.name,
            call.ip,
            call.agent,
        );
        if let Some((code, message)) = call.error {
            // Console sign-in failures carry only an errorMessage.
            if !code.is_empty() {
                let _ = write!(out, r#","errorCode":"{code}""#);
            }
            let _ = write!(out, r#","errorMessage":"{message}""#);
        }
        let _ = write!(
            out,
            r#","requestParameters":{},"responseElements":{}"#,
            call.request, call.response
        );
        if let Some(extra) = call.additional {
            let _ = write!(out, r#","additionalEventData":{extra}"#);
        }
        let _ = write!(
            out,
            r#","requestID":"{request_id}","eventID":"{event_id}","readOnly":{},"eventType":"{}","managementEvent":{},"recipientAccountId":"{}","eventCategory":"{}""#,
            call.read_only,
            call.event_type,
            call.management,
            self.cfg.account,
            if call.management {
                "Management"
            } else {
                "Data"
            },
        );
        if call.ip.starts_with(|c: char| c.is_ascii_digit()) {
            let _ = write!(
                out,
                r#","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{}.{region}.amazonaws.com"}}"#,
                call.source.trim_end_matches(".amazonaws.com"),
            );
        }
        out.push('}');
        Event {
            time,
            region: call.region,
            id: event_id,
            json: self.out.clone(),
            label: call.label,
        }
    }

    /// A service-linked role denied an API it probes (benign, but CIS CloudWatch.2 counts it).
    pub(super) fn service_denied(&mut self, time: i64, which: usize) -> Event {
        let (role, by, source, name) = SERVICE_LINKED_DENIED[which];
        let request = match source {
            "s3.amazonaws.com" => {
                self.fill(r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","policy":""}"#)
            }
            "kms.amazonaws.com" => format!(
                r#"{{"keyId":"{}","policyName":"default"}}"#,
                stable_uuid("kms-app-key")
            ),
            _ => "null".to_string(),
        };
        let session = by.trim_end_matches(".amazonaws.com");
        let message = format!(
            "User: arn:aws:sts::{}:assumed-role/{role}/{session} is not authorized to perform: {}:{name} because no identity-based policy allows the {}:{name} action",
            self.cfg.account,
            source.trim_end_matches(".amazonaws.com"),
            source.trim_end_matches(".amazonaws.com"),
        );
        let code = if source == "s3.amazonaws.com" {
            "AccessDenied"
        } else {
            "AccessDeniedException"
        };
        let mut call = Call::new(Who::Role(role, session, Some(by)), source, name);
        call.region = self.region_for(source);
        call.request = &request;
        call.ip = by;
        call.agent = by;
        call.read_only = true;
        call.error = Some((code, &message));
        call.label = Some(Label::Benign);
        self.emit(time, &call)
    }

    /// One event of everyday activity.
    pub(super) fn noise(&mut self, time: i64) -> Event {
        let roll = self.rng.below(1000);
        // A 1% sample of plain noise is labelled benign; detector-relevant noise always is.
        let sample = if self.rng.chance(10) {
            Some(Label::Benign)
        } else {
            None
        };
        match roll {
            0..=599 => {
                let (source, name, template) = *self.rng.pick(READS);
                let role = *self.rng.pick(READ_ROLES);
                let session = *self.rng.pick(SESSION_NAMES);
                let request = self.fill(template);
                let agent = *self.rng.pick(AGENTS);
                let ip = *self.rng.pick(NAT_IPS);
                let throttled = self.rng.chance(15);
                let mut call = Call::new(Who::Role(role, session, None), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.agent = agent;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                if throttled {
                    call.error = Some(("ThrottlingException", "Rate exceeded"));
                }
                self.emit(time, &call)
            }
            600..=699 => {
                let (source, name, template) = *self.rng.pick(READS);
                let user = *self.rng.pick(DEV_USERS);
                let request = self.fill(template);
                let ip = *self.rng.pick(OFFICE_IPS);
                let mut call = Call::new(Who::User(user), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                self.emit(time, &call)
            }
            700..=839 => {
                let (by, source, name) = *self.rng.pick(SERVICE_CALLS);
                let role = *self.rng.pick(READ_ROLES);
                let request = if name == "AssumeRole" {
                    format!(
                        r#"{{"roleArn":"arn:aws:iam::{}:role/{role}","roleSessionName":"{}","durationSeconds":3600}}"#,
                        self.cfg.account,
                        self.rng.below(1 << 40)
                    )
                } else if source == "kms.amazonaws.com" {
                    format!(
                        r#"{{"keyId":"arn:aws:kms:{}:{}:key/{}","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#,
                        self.cfg.regions[0],
                        self.cfg.account,
                        stable_uuid("kms-data-key")
                    )
                } else {
                    "null".to_string()
                };
                let service_event = name == "AssumeRole" || source == "kms.amazonaws.com";
                let who = if service_event {
                    Who::Service(by)
                } else {
                    Who::Role(role, "AWSConfig-Describe", Some(by))
                };
                let mut call = Call::new(who, source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.ip = by;
                call.agent = by;
                call.read_only = true;
                call.label = sample;
                if service_event {
                    call.event_type = "AwsServiceEvent";
                }
                self.emit(time, &call)
            }
            840..=939 => {
                let (source, name, template, response) = *self.rng.pick(DEPLOY_WRITES);
                let request = self.fill(template);
                let response = self.fill(response);
                let run = format!(
                    "GitHubActions-{}",
                    7_000_000_000 + self.rng.below(99_999_999)
                );
                let mut call =
                    Call::new(Who::Role("github-actions-deploy", &run, None), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.response = &response;
                call.ip = "4.175.114.51";
                call.agent = "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 exec-env/GitHubActions terraform/1.7.5";
                let relevant = matches!(source, "iam.amazonaws.com" | "ec2.amazonaws.com");
                call.label = if relevant {
                    Some(Label::Benign)
                } else {
                    sample
                };
                self.emit(time, &call)
            }
            940..=942 => {
                let which = self.rng.below(SERVICE_LINKED_DENIED.len() as u64) as usize;
                self.service_denied(time, which)
            }
            943..=957 => {
                let user = *self.rng.pick(DEV_USERS);
                let role = if self.rng.chance(500) {
                    "AWSReservedSSO_AdministratorAccess_2a9f0c47d1e8b356"
                } else {
                    "AWSReservedSSO_ReadOnlyAccess_6c0a3f1e2b4d5a79"
                };
                let session = format!("{user}@example.com");
                let ip = *self.rng.pick(OFFICE_IPS);
                let mut call = Call::new(
                    Who::Role(role, &session, None),
                    "signin.amazonaws.com",
                    "ConsoleLogin",
                );
                call.region = 0;
                call.ip = ip;
                call.agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";
                call.response = r#"{"ConsoleLogin":"Success"}"#;
                call.additional = Some(r#"{"MobileVersion":"No","MFAUsed":"Yes"}"#);
                call.event_type = "AwsConsoleSignIn";
                call.label = Some(Label::Benign);
                self.emit(time, &call)
            }
            _ => {
                let role = *self.rng.pick(READ_ROLES);
                let target = *self.rng.pick(READ_ROLES);
                let request = format!(
                    r#"{{"roleArn":"arn:aws:iam::{}:role/{target}","roleSessionName":"{}","durationSeconds":3600}}"#,
                    self.cfg.account,
                    self.rng.below(1 << 40)
                );
                let session = *self.rng.pick(SESSION_NAMES);
                let ip = *self.rng.pick(NAT_IPS);
                let mut call = Call::new(
                    Who::Role(role, session, None),
                    "sts.amazonaws.com",
                    "AssumeRole",
                );
                call.region = 0;
                call.request = &request;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                self.emit(time, &call)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_uuid_shaped() {
        let cfg = SynthConfig::default();
        let mut rng = Rng::new(9);
        let mut g = Gen {
            cfg: &cfg,
            rng: &mut rng,
            out: String::new(),
        };
        for _ in 0..100 {
            let u = g.uuid();
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                vec![8, 4, 4, 4, 12]
            );
            assert!(u.bytes().all(|b| b == b'-' || HEX.contains(&b)));
            assert!(parts[2].starts_with('4'));
        }
    }
}
