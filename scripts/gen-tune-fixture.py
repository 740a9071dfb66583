#!/usr/bin/env python3
"""Writes the scenario trail of `cwfilter tune`'s tests (tests/data/tune/).

Three weeks (2025-03-03 to 2025-03-23) of one account's CloudTrail, shaped like the
production fortnight of issue #16: ~16 pages a day, nearly all governed automation.

Noise:
- ci-deploy (a Pulumi CI role): four deploys every weekday (1-2 PutRolePolicy, a security
  group rule, often a route), and a big deploy (5 PutRolePolicy) every Wednesday;
- prowler-scanner: a daily scan at 03:00 with 14 AccessDenied in four minutes;
- Identity Center sessions (AWSReservedSSO_PowerUserAccess_...): two security group rules every
  weekday, and console logins (not matched: consoleLoginWithoutMfa is scoped to IAM users);
- service-linked roles: AWSServiceRoleForElasticLoadBalancing editing security groups twice a day, and
  autoscaling (an AWS service) creating 12 KMS grants twice a day;
- backup-bot (an IAM user): a lifecycle rule every night (s3BucketPolicyChanges);
- one benign root sign-in.

Incidents (labels.jsonl, malicious):
- ci-deploy itself compromised: 4 IAM policy changes in one minute and an access key;
- stolen keys of the IAM user dev-jenkins: SSH opened to the world;
- an Identity Center session stopping CloudTrail logging.

Deterministic: the same script writes the same bytes (gzip mtime 0).

    python3 scripts/gen-tune-fixture.py tests/data/tune
"""

import gzip
import json
import random
import sys
import uuid
import zlib
from datetime import datetime, timedelta, timezone

ACCOUNT = "123456789012"
START = datetime(2025, 3, 3, tzinfo=timezone.utc)
DAYS = 21
SSO_ROLE = "AWSReservedSSO_PowerUserAccess_2b4c6e8f0a1d3c5e"

rng = random.Random(16)
records = []
labels = []


def event_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def assumed(role, session, invoked_by=None):
    ident = {
        "type": "AssumedRole",
        "principalId": f"AROA{zlib.crc32(role.encode()) % 10**12:012d}:{session}".replace("-", ""),
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROA{zlib.crc32(role.encode()) % 10**12:012d}",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"mfaAuthenticated": "false"},
        },
    }
    if invoked_by:
        ident["invokedBy"] = invoked_by
    return ident


def iam_user(name):
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "userName": name,
    }


def service(name):
    return {"type": "AWSService", "invokedBy": name}


def root():
    return {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
    }


def add(t, ident, source, name, ip="10.0.12.34", error=None, malicious=False, **extra):
    r = {
        "eventVersion": "1.09",
        "userIdentity": ident,
        "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": "aws-sdk-go-v2/1.30.3",
    }
    if error:
        r["errorCode"] = error
        r["errorMessage"] = "User is not authorized to perform this operation"
    r.update(extra)
    r["eventID"] = event_id()
    r["eventType"] = "AwsServiceEvent" if name == "" else "AwsApiCall"
    r["recipientAccountId"] = ACCOUNT
    records.append(r)
    if malicious:
        labels.append({"eventID": r["eventID"], "label": "malicious"})
    return r


def at(day, hour, minute, second=0):
    return START + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


# The trail spans whole days: its first and last records (reads) sit at the window's ends.
add(at(0, 0, 0, 0), iam_user("backup-bot"), "s3.amazonaws.com", "ListBuckets")
add(at(DAYS - 1, 23, 59, 59), iam_user("backup-bot"), "s3.amazonaws.com", "ListBuckets")

for day in range(DAYS):
    weekday = (START + timedelta(days=day)).weekday() < 5
    # Background: reads nobody alarms on.
    for _ in range(12):
        t = at(day, rng.randrange(24), rng.randrange(60), rng.randrange(60))
        who = rng.choice([assumed("ci-deploy", "pulumi-bg"), iam_user("backup-bot"),
                          assumed(SSO_ROLE, "alice@example.com")])
        add(t, who, "ec2.amazonaws.com", rng.choice(["DescribeInstances", "DescribeSecurityGroups"]))
    # prowler-scanner: 14 AccessDenied in four minutes, every night.
    session = f"prowler-{(START + timedelta(days=day)):%Y%m%d}"
    for i in range(14):
        add(at(day, 3, 0, 17 * i), assumed("prowler-scanner", session), "iam.amazonaws.com",
            "GetAccountAuthorizationDetails", error="AccessDenied")
    # backup-bot: a lifecycle rule every night.
    add(at(day, 1, 30 + rng.randrange(20)), iam_user("backup-bot"), "s3.amazonaws.com",
        "PutBucketLifecycle", requestParameters={"bucketName": "acme-backups"})
    # autoscaling: 12 KMS grants in a minute, twice a day.
    for hour in (rng.randrange(6, 12), rng.randrange(13, 22)):
        for i in range(12):
            add(at(day, hour, 7, 4 * i), service("autoscaling.amazonaws.com"), "kms.amazonaws.com",
                "CreateGrant", ip="autoscaling.amazonaws.com")
    # The ELB service-linked role opens listener ports twice a day.
    for hour in (rng.randrange(0, 12), rng.randrange(12, 24)):
        add(at(day, hour, 41), assumed("AWSServiceRoleForElasticLoadBalancing",
            "ElasticLoadBalancing", "elasticloadbalancing.amazonaws.com"), "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress", ip="elasticloadbalancing.amazonaws.com")
    if not weekday:
        continue
    # Identity Center: alice signs in and edits a security group.
    add(at(day, 8, 55), assumed(SSO_ROLE, "alice@example.com"), "signin.amazonaws.com",
        "ConsoleLogin", ip="198.51.100.7", responseElements={"ConsoleLogin": "Success"},
        additionalEventData={"MFAUsed": "No"})
    for hour in (10, 16):
        add(at(day, hour, rng.randrange(60)), assumed(SSO_ROLE, "alice@example.com"),
            "ec2.amazonaws.com", "RevokeSecurityGroupIngress", ip="198.51.100.7")
    # ci-deploy: three deploys.
    for n, hour in enumerate((9, 12, 15, 18)):
        run = f"pulumi-{day:02d}{n}"
        m = rng.randrange(5, 50)
        for i in range(rng.choice([1, 2])):
            add(at(day, hour, m, 10 + i), assumed("ci-deploy", run), "iam.amazonaws.com", "PutRolePolicy")
        add(at(day, hour, m + 3), assumed("ci-deploy", run), "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress")
        if n != 1:
            add(at(day, hour, m + 6), assumed("ci-deploy", run), "ec2.amazonaws.com", "CreateRoute")
    if (START + timedelta(days=day)).weekday() == 2:
        run = f"pulumi-{day:02d}big"
        for i in range(5):
            add(at(day, 20, 31, 5 * i), assumed("ci-deploy", run), "iam.amazonaws.com", "PutRolePolicy")

# One benign root sign-in.
add(at(11, 10, 2), root(), "signin.amazonaws.com", "ConsoleLogin", ip="203.0.113.9",
    responseElements={"ConsoleLogin": "Success"}, additionalEventData={"MFAUsed": "Yes"})

# Incident: ci-deploy compromised (day 9, 02:13), from an address CI never uses.
evil = assumed("ci-deploy", "pulumi-7731")
for i, name in enumerate(["PutUserPolicy", "AttachUserPolicy", "CreatePolicy", "CreatePolicyVersion"]):
    add(at(9, 2, 13, 5 + 9 * i), evil, "iam.amazonaws.com", name, ip="185.220.101.4", malicious=True)
add(at(9, 2, 14, 2), evil, "iam.amazonaws.com", "CreateAccessKey", ip="185.220.101.4", malicious=True)
# Incident: dev-jenkins' stolen keys open SSH to the world (day 15, 22:40).
add(at(15, 22, 40, 11), iam_user("dev-jenkins"), "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
    ip="45.155.205.233", malicious=True,
    requestParameters={"ipPermissions": {"items": [{"fromPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})
# Incident: an Identity Center session stops CloudTrail logging (day 17, 04:05).
add(at(17, 4, 5, 40), assumed(SSO_ROLE, "mallory@example.com"), "cloudtrail.amazonaws.com", "StopLogging",
    ip="45.155.205.233", malicious=True)

records.sort(key=lambda r: (r["eventTime"], r["eventID"]))
out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/tune"
body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
with open(f"{out}/trail.jsonl.gz", "wb") as f:
    with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(body)
with open(f"{out}/labels.jsonl", "w") as f:
    for label in sorted(labels, key=lambda l: l["eventID"]):
        f.write(json.dumps(label) + "\n")
print(f"{len(records)} records, {len(labels)} malicious labels", file=sys.stderr)
