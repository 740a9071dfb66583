#!/usr/bin/env python3
"""Merges extract.py outputs into corpus/real-world/patterns.jsonl: adds each record's kind
(terms, json, delimited, regex), whether it is CloudTrail JSON, and the repository's licence
as its LICENSE file states it; drops the strings the extractor caught that are not patterns
sent to the service (listed in EXCLUDE with the reason).

usage: assemble.py MIRROR_ROOT extract-output.jsonl... > patterns.jsonl
"""
import json
import os
import re
import subprocess
import sys

# (repo, path, line): why the string is not a deployed pattern.
EXCLUDE = {
    ("localstack/localstack", "tests/aws/services/logs/test_logs_metric_filters.py", 296):
        '"X" * 1025: a pattern built to be rejected (over the length limit)',
    ("aws-samples/serverless-patterns", "fifo-sns-sqs-lambda-firehose-s3/main.tf", 24):
        "a resource tag named `pattern`, not a filter pattern",
    ("luciferous-hidemy-name-proxy/cloud", "src/handlers/error_notificator/error_notificator.py", 100):
        "code that builds a console URL, not a filter pattern",
    ("aws/aws-cli", "tests/functional/logs/test_startlivetail.py", 24):
        "a functional test's placeholder parameter, never sent to the service",
}

CLOUDTRAIL = re.compile(r"\$\.(eventName|eventSource|errorCode|errorMessage|userIdentity|sourceIPAddress|"
                        r"additionalEventData|requestParameters|responseElements|eventType|"
                        r"recipientAccountId|awsRegion|readOnly|managementEvent)\b")


def kind(p):
    s = p.strip()
    if s.startswith("{"):
        return "json"
    if s.startswith("["):
        return "delimited"
    if s.startswith("%"):
        return "regex"
    return "terms"


def licence(root, repo):
    git_dir = f"{root}/{repo.replace('/', '+')}/repo"
    if os.path.isdir(f"{git_dir}/.git"):
        git_dir += "/.git"
    names = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "--name-only", "HEAD"],
                           capture_output=True, text=True).stdout.split()
    for n in names:
        if re.match(r"(?i)^(licen[cs]e|copying)(\.(md|txt))?$", n):
            text = subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{n}"],
                                  capture_output=True, text=True, errors="replace").stdout[:3000]
            for spdx, sig in [("Apache-2.0", "Apache License"), ("MIT", "Permission is hereby granted, free of charge"),
                              ("MPL-2.0", "Mozilla Public License"), ("BSD-3-Clause", "Redistribution and use in source"),
                              ("GPL-3.0", "GNU GENERAL PUBLIC LICENSE"), ("Unlicense", "This is free and unencumbered"),
                              ("OGL-UK-3.0", "Open Government Licence"), ("CC0-1.0", "CC0")]:
                if sig in text:
                    return spdx
            return f"see {n}"
    return "not stated"


root = sys.argv[1]
licences = {}
out = []
seen = set()
for path in sys.argv[2:]:
    for line in open(path):
        d = json.loads(line)
        if (d["repo"], d["path"], d["line"]) in EXCLUDE:
            continue
        # One record per distinct pattern per repository (the first file it is found in).
        if (d["repo"], d["pattern"]) in seen:
            continue
        seen.add((d["repo"], d["pattern"]))
        if d["repo"] not in licences:
            licences[d["repo"]] = licence(root, d["repo"])
        d["licence"] = licences[d["repo"]]
        d["kind"] = kind(d["pattern"])
        d["cloudtrail"] = d["kind"] == "json" and bool(CLOUDTRAIL.search(d["pattern"]))
        out.append(d)
out.sort(key=lambda d: (d["repo"], d["path"], d["line"]))
for d in out:
    print(json.dumps({k: d[k] for k in ["pattern", "kind", "cloudtrail", "repo", "path", "line", "commit", "licence", "host"]},
                     ensure_ascii=False))
