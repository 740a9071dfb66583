#!/usr/bin/env python3
"""Generates corpus/conformance/cwfilter-cis.jsonl: the 14 Security Hub CloudWatch.1-14
patterns (../shared/detectors/cis-cloudwatch.yaml) against real CloudTrail events from
../shared/corpus/normalized/*.jsonl, positive and near-miss negative per pattern.

Expectations come from an independent Python reading of each pattern under the rules of
spec section 5.5 (absent fields fail `!=`), not from cwfilter. Run from the repository root:
    python3 corpus/tools/gen-cis-cases.py [SHARED] > corpus/conformance/cwfilter-cis.jsonl
where SHARED is the research tree, by default ../shared beside the checkout.
"""
import glob, json, os, re, sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared")

patterns = {}
cur = None
for line in open(os.path.join(shared, "detectors/cis-cloudwatch.yaml")):
    m = re.match(r"- id: (CloudWatch\.\d+)", line)
    if m:
        cur = m.group(1)
    m = re.match(r"  security_hub_pattern: '(.*)'$", line)
    if m and cur:
        patterns[cur] = m.group(1)
assert len(patterns) == 14, patterns

events = []
for f in sorted(glob.glob(os.path.join(shared, "corpus/normalized/*.jsonl"))):
    if "labelled" in f:
        continue
    for i, raw in enumerate(open(f)):
        raw = raw.rstrip("\n")
        try:
            d = json.loads(raw)
        except ValueError:
            continue
        if isinstance(d, dict):
            events.append((os.path.basename(f), i + 1, raw, d))

ABSENT = object()

def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return ABSENT
        d = d[k]
    return d

def eq(d, path, v):
    x = get(d, path)
    return isinstance(x, str) and x == v

def ne(d, path, v):
    x = get(d, path)
    return isinstance(x, str) and x != v

def name_in(names):
    s = set(names.split())
    return lambda d: isinstance(d.get("eventName"), str) and d["eventName"] in s

def src_and(src, names):
    n = name_in(names)
    return lambda d: eq(d, "eventSource", src) and n(d)

def err2(d):
    e = d.get("errorCode", ABSENT)
    return isinstance(e, str) and (e.endswith("UnauthorizedOperation") or e.startswith("AccessDenied"))

rules = {
    "CloudWatch.1": lambda d: eq(d, "userIdentity.type", "Root") and get(d, "userIdentity.invokedBy") is ABSENT and ne(d, "eventType", "AwsServiceEvent"),
    "CloudWatch.2": err2,
    "CloudWatch.3": lambda d: eq(d, "eventName", "ConsoleLogin") and ne(d, "additionalEventData.MFAUsed", "Yes") and eq(d, "userIdentity.type", "IAMUser") and eq(d, "responseElements.ConsoleLogin", "Success"),
    "CloudWatch.4": name_in("DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy"),
    "CloudWatch.5": name_in("CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging"),
    "CloudWatch.6": lambda d: eq(d, "eventName", "ConsoleLogin") and eq(d, "errorMessage", "Failed authentication"),
    "CloudWatch.7": src_and("kms.amazonaws.com", "DisableKey ScheduleKeyDeletion"),
    "CloudWatch.8": src_and("s3.amazonaws.com", "PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication"),
    "CloudWatch.9": src_and("config.amazonaws.com", "StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder"),
    "CloudWatch.10": name_in("AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup"),
    "CloudWatch.11": name_in("CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry ReplaceNetworkAclEntry ReplaceNetworkAclAssociation"),
    "CloudWatch.12": name_in("CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway DeleteInternetGateway DetachInternetGateway"),
    "CloudWatch.13": name_in("CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable DeleteRoute DisassociateRouteTable"),
    "CloudWatch.14": name_in("CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection AttachClassicLinkVpc DetachClassicLinkVpc DisableVpcClassicLink EnableVpcClassicLink"),
}

# Near misses: events that look like a hit but are not one.
near = {
    "CloudWatch.1": [lambda d: eq(d, "userIdentity.type", "Root") and get(d, "userIdentity.invokedBy") is not ABSENT,
                     lambda d: eq(d, "userIdentity.type", "Root") and get(d, "eventType") is ABSENT,
                     lambda d: eq(d, "userIdentity.type", "Root")],
    "CloudWatch.2": [lambda d: isinstance(d.get("errorCode"), str) and ("Unauthorized" in d["errorCode"] or "Denied" in d["errorCode"]),
                     lambda d: isinstance(d.get("errorCode"), str) and d["errorCode"][:1].isupper(),
                     lambda d: isinstance(d.get("errorCode"), str)],
    "CloudWatch.3": [lambda d: eq(d, "eventName", "ConsoleLogin") and eq(d, "userIdentity.type", "IAMUser") and eq(d, "additionalEventData.MFAUsed", "Yes"),
                     lambda d: eq(d, "eventName", "ConsoleLogin") and eq(d, "userIdentity.type", "IAMUser") and get(d, "additionalEventData.MFAUsed") is ABSENT,
                     lambda d: eq(d, "eventName", "ConsoleLogin")],
    "CloudWatch.6": [lambda d: eq(d, "eventName", "ConsoleLogin") and get(d, "errorMessage") is not ABSENT,
                     lambda d: eq(d, "eventName", "ConsoleLogin")],
    "CloudWatch.7": [lambda d: eq(d, "eventSource", "kms.amazonaws.com")],
    "CloudWatch.8": [lambda d: eq(d, "eventSource", "s3.amazonaws.com")],
    "CloudWatch.9": [lambda d: eq(d, "eventSource", "config.amazonaws.com")],
}
default_near = [lambda d: eq(d, "eventSource", "ec2.amazonaws.com") or eq(d, "eventSource", "iam.amazonaws.com") or eq(d, "eventSource", "cloudtrail.amazonaws.com")]

def pick(pred, want, seen_names, tag=None):
    out = []
    for f, line, raw, d in events:
        # Placeholder values ("eventName1") are not realistic events.
        if f.startswith("aws-cloudtrail-processing-library"):
            continue
        if len(out) >= want:
            break
        if not pred(d):
            continue
        key = (tag, d.get("eventName"), (d.get("userIdentity") or {}).get("type") if isinstance(d.get("userIdentity"), dict) else None)
        if key in seen_names or (f, line) in seen_names:
            continue
        seen_names.add(key)
        seen_names.add((f, line))
        out.append((f, line, raw, d))
    return out

for cid in sorted(patterns, key=lambda c: int(c.split(".")[1])):
    rule = rules[cid]
    seen = set()
    pos = pick(rule, 2, seen)
    assert pos, cid
    neg = []
    for k, p in enumerate(near.get(cid, []) + default_near):
        if len(neg) >= 2:
            break
        neg += pick(lambda d, p=p: p(d) and not rule(d), 2 - len(neg), seen, k)
    assert neg, cid
    for n, (f, line, raw, d) in enumerate(pos + neg):
        expect = n < len(pos)
        tag = "pos" if expect else "neg"
        print(json.dumps({
            "id": f"cwf-cis-{cid.split('.')[1]}-{tag}-{d.get('eventName')}-{n}",
            "pattern": patterns[cid],
            "event": raw,
            "expect": expect,
            "note": f"Security Hub {cid} against {f} line {line} ({'match' if expect else 'near miss'})",
        }))
