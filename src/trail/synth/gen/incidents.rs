//! The planted incidents: each one's API calls, written through the record generator.

use super::*;

impl Gen<'_, '_> {
    /// Writes the events of one planted incident starting at `t0`.
    pub(in crate::trail::synth) fn incident(
        &mut self,
        kind: IncidentKind,
        t0: i64,
        events: &mut Vec<Event>,
    ) {
        let attacker_ip = *self.rng.pick(ATTACKER_IPS);
        let bad_agent = "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.10.12 Botocore/1.34.69";
        let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0";
        let acct = self.cfg.account.clone();
        let compromised = Who::Role("ops-admin", "ops-admin-session", None);
        // Most incident steps: the compromised role calling from the attacker's host.
        let by_attacker = |source: &'static str, name: &'static str| {
            let mut c = Call::new(compromised, source, name);
            c.ip = attacker_ip;
            c.agent = bad_agent;
            c
        };
        let mut push = |g: &mut Self, t: i64, mut call: Call<'_>| {
            call.label = Some(Label::Malicious);
            if call.region == 0 {
                call.region = g.region_for(call.source);
            }
            let ev = g.emit(t, &call);
            events.push(ev);
        };
        match kind {
            IncidentKind::RootConsoleLogin => {
                let mut c = Call::new(Who::Root, "signin.amazonaws.com", "ConsoleLogin");
                c.ip = attacker_ip;
                c.agent = browser;
                c.response = r#"{"ConsoleLogin":"Success"}"#;
                c.additional = Some(
                    r#"{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}"#,
                );
                c.event_type = "AwsConsoleSignIn";
                push(self, t0, c);
                let console = "AWS Internal";
                for (i, (source, name, ro)) in [
                    ("iam.amazonaws.com", "GetAccountSummary", true),
                    ("iam.amazonaws.com", "ListUsers", true),
                    ("iam.amazonaws.com", "CreateAccessKey", false),
                    ("organizations.amazonaws.com", "DescribeOrganization", true),
                ]
                .into_iter()
                .enumerate()
                {
                    let mut c = Call::new(Who::Root, source, name);
                    c.ip = attacker_ip;
                    c.agent = console;
                    c.read_only = ro;
                    if name == "CreateAccessKey" {
                        c.response = r#"{"accessKey":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","status":"Active","createDate":"Jan 6, 2025, 2:14:07 PM"}}"#;
                    }
                    push(self, t0 + 20 + 15 * i as i64, c);
                }
            }
            IncidentKind::CredentialAbuse => {
                let n = 25 + self.rng.below(15);
                for i in 0..n {
                    let (source, name, _) = *self.rng.pick(READS);
                    let denied = self.rng.chance(850);
                    let ec2 = source == "ec2.amazonaws.com";
                    let message = format!(
                        "User: arn:aws:iam::{acct}:user/svc-reporting is not authorized to perform: {}:{name}",
                        source.trim_end_matches(".amazonaws.com")
                    );
                    let mut c = Call::new(Who::User("svc-reporting"), source, name);
                    c.ip = attacker_ip;
                    c.agent = bad_agent;
                    c.read_only = true;
                    if denied {
                        c.error = Some(if ec2 {
                            (
                                "Client.UnauthorizedOperation",
                                "You are not authorized to perform this operation.",
                            )
                        } else {
                            ("AccessDenied", &message)
                        });
                    }
                    push(self, t0 + (i * 170 / n) as i64, c);
                }
            }
            IncidentKind::GuardDutyDisabled => {
                let detector = stable_id("guardduty-detector", 32, HEX);
                let req = format!(r#"{{"detectorId":"{detector}"}}"#);
                let mut c = by_attacker("guardduty.amazonaws.com", "ListDetectors");
                c.read_only = true;
                push(self, t0, c);
                let mut c = by_attacker("guardduty.amazonaws.com", "DeleteDetector");
                c.request = &req;
                push(self, t0 + 9, c);
            }
            IncidentKind::CloudTrailStopped => {
                let req = format!(
                    r#"{{"name":"arn:aws:cloudtrail:{}:{acct}:trail/org-trail"}}"#,
                    self.cfg.regions[0]
                );
                let mut c = by_attacker("cloudtrail.amazonaws.com", "StopLogging");
                c.request = &req;
                push(self, t0, c);
            }
            IncidentKind::PublicLambdaUrl => {
                let req = r#"{"functionName":"webhook-relay","authType":"NONE","cors":{"allowOrigins":["*"]}}"#;
                let resp = format!(
                    r#"{{"functionUrl":"https://{}.lambda-url.{}.on.aws/","functionArn":"arn:aws:lambda:{}:{acct}:function:webhook-relay","authType":"NONE","creationTime":"{}"}}"#,
                    self.token(32, LOWER_ALNUM),
                    self.cfg.regions[0],
                    self.cfg.regions[0],
                    format_event_time(t0)
                );
                let mut c = by_attacker("lambda.amazonaws.com", "CreateFunctionUrlConfig");
                c.request = req;
                c.response = &resp;
                push(self, t0, c);
                let perm = r#"{"functionName":"webhook-relay","statementId":"FunctionURLAllowPublicAccess","action":"lambda:InvokeFunctionUrl","principal":"*","functionUrlAuthType":"NONE"}"#;
                let mut c = by_attacker("lambda.amazonaws.com", "AddPermission20150331v2");
                c.request = perm;
                push(self, t0 + 4, c);
            }
            IncidentKind::FailedConsoleLogins => {
                let n = 12 + self.rng.below(10);
                let user = *self.rng.pick(DEV_USERS);
                for i in 0..n {
                    let mut c = Call::new(Who::User(user), "signin.amazonaws.com", "ConsoleLogin");
                    c.ip = attacker_ip;
                    c.agent = browser;
                    c.error = Some(("", "Failed authentication"));
                    c.response = r#"{"ConsoleLogin":"Failure"}"#;
                    c.additional = Some(
                        r#"{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}"#,
                    );
                    c.event_type = "AwsConsoleSignIn";
                    push(self, t0 + (i * 180 / n) as i64, c);
                }
            }
            IncidentKind::KmsKeyDeletion => {
                let key = stable_uuid("kms-app-key");
                let req = format!(r#"{{"keyId":"{key}"}}"#);
                let mut c = by_attacker("kms.amazonaws.com", "DisableKey");
                c.request = &req;
                push(self, t0, c);
                let req = format!(r#"{{"keyId":"{key}","pendingWindowInDays":7}}"#);
                let resp = format!(
                    r#"{{"keyId":"arn:aws:kms:{}:{acct}:key/{key}","deletionDate":"{}","keyState":"PendingDeletion","pendingWindowInDays":7}}"#,
                    self.cfg.regions[0],
                    format_event_time(t0 + 7 * DAY)
                );
                let mut c = by_attacker("kms.amazonaws.com", "ScheduleKeyDeletion");
                c.request = &req;
                c.response = &resp;
                push(self, t0 + 6, c);
            }
            IncidentKind::IamBackdoor => {
                let steps: [(&str, String); 3] = [
                    ("CreateUser", r#"{"userName":"support-sync"}"#.to_string()),
                    ("AttachUserPolicy", r#"{"userName":"support-sync","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#.to_string()),
                    ("CreateAccessKey", r#"{"userName":"support-sync"}"#.to_string()),
                ];
                for (i, (name, req)) in steps.iter().enumerate() {
                    let mut c = by_attacker("iam.amazonaws.com", name);
                    c.request = req;
                    push(self, t0 + 7 * i as i64, c);
                }
            }
            IncidentKind::S3BucketMadePublic => {
                let pab = r#"{"publicAccessBlock":"","bucketName":"acme-data-lake-raw","PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":false,"BlockPublicPolicy":false,"BlockPublicAcls":false,"IgnorePublicAcls":false},"Host":"acme-data-lake-raw.s3.amazonaws.com"}"#;
                let mut c = by_attacker("s3.amazonaws.com", "PutBucketPublicAccessBlock");
                c.request = pab;
                push(self, t0, c);
                let policy = r#"{"bucketPolicy":{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-data-lake-raw/*"}]},"bucketName":"acme-data-lake-raw","Host":"acme-data-lake-raw.s3.amazonaws.com","policy":""}"#;
                let mut c = by_attacker("s3.amazonaws.com", "PutBucketPolicy");
                c.request = policy;
                push(self, t0 + 5, c);
            }
            IncidentKind::SecurityHubDisabled => {
                let mut c = by_attacker("securityhub.amazonaws.com", "DisableSecurityHub");
                c.request = "{}";
                push(self, t0, c);
            }
            IncidentKind::ConfigRecorderStopped => {
                let mut c = by_attacker("config.amazonaws.com", "StopConfigurationRecorder");
                c.request = r#"{"configurationRecorderName":"default"}"#;
                push(self, t0, c);
            }
            IncidentKind::AnonymousProbes => {
                let n = 15 + self.rng.below(10);
                for i in 0..n {
                    let bucket = *self.rng.pick(BUCKETS);
                    let req = format!(
                        r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","list-type":"2"}}"#
                    );
                    let mut c = Call::new(Who::Anonymous, "s3.amazonaws.com", "ListObjects");
                    c.ip = attacker_ip;
                    c.agent = "curl/8.5.0";
                    c.request = &req;
                    c.read_only = true;
                    c.management = false;
                    c.error = Some(("AccessDenied", "Access Denied"));
                    push(self, t0 + (i * 150 / n) as i64, c);
                }
            }
        }
    }
}
