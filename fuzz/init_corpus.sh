#!/usr/bin/env bash
# Writes seed inputs for every fuzz target into fuzz/corpus/<target>/ (gitignored).
# Sources: the conformance cases and syntax errors (patterns and events), the patterns
# deployed in public repositories (corpus/real-world/patterns.jsonl), the detector
# patterns, the YAML configs under tests/data, the trail reader fixtures and a sample of
# the CloudTrail corpus (plain, gzip, wrapped as an S3 object). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - <<'PY'
import glob, gzip, hashlib, json, os

root = "fuzz/corpus"
def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)

patterns, events = [], []
for path in sorted(glob.glob("corpus/conformance/*.jsonl") + glob.glob("corpus/errors/*.jsonl")
                   + glob.glob("tests/data/*.jsonl")):
    for case in jsonl(path):
        p = case.get("pattern")
        if isinstance(p, str):
            patterns.append(p)
            e = case.get("event")
            if isinstance(e, (dict, list)):
                e = json.dumps(e)
            if isinstance(e, str):
                events.append(e)
                put("eval", p.encode() + b"\0" + e.encode())

# Patterns deployed through Terraform, CloudFormation, SAM, CDK (issue #11).
patterns += [r["pattern"] for r in jsonl("corpus/real-world/patterns.jsonl")]

for p in patterns:
    put("parse", p)

# Real CloudTrail records: the first few of every corpus file.
records = []
# The research corpus beside the checkout (../shared), when it is there.
shared = os.environ.get("CWFILTER_SHARED", os.path.join("..", "shared"))
for path in sorted(glob.glob(os.path.join(shared, "corpus/normalized/*.jsonl"))):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 4:
                break
            if len(line) < 4000:
                records.append(line.strip())
detector = [c["pattern"] for c in jsonl("tests/data/engine_detector_patterns.jsonl")]
for i, p in enumerate(detector):
    for r in records[i % 5::7][:3]:
        put("eval", p.encode() + b"\0" + r.encode())

for path in sorted(glob.glob("tests/data/*.yaml") + glob.glob("src/detectors/*.yaml")):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 64 * 1024:
        put("config", data)
put("config", "alerts:\n  selectors:\n    rootAccountUsage: {}\n")

for path in sorted(glob.glob("tests/fixtures/trail/**/*", recursive=True)):
    if os.path.isfile(path) and not path.endswith((".py", ".md")) and os.path.getsize(path) < 64 * 1024:
        with open(path, "rb") as f:
            put("reader", f.read())
for i in range(0, len(records), 3):
    chunk = records[i:i + 3]
    lines = "\n".join(chunk) + "\n"
    obj = json.dumps({"Records": [json.loads(r) for r in chunk]})
    put("reader", lines)
    put("reader", obj)
    put("reader", gzip.compress(obj.encode(), mtime=0))
os.makedirs(os.path.join(root, "roundtrip"), exist_ok=True)
for t in sorted(os.listdir(root)):
    print(t, len(os.listdir(os.path.join(root, t))))
PY
