#!/usr/bin/env python3
"""Builds the trail bundled in corpus/ from the shared research corpus.

    python3 corpus/tools/bundle_trail.py [SHARED_CORPUS]

SHARED_CORPUS is the research corpus, by default ../shared/corpus beside the checkout.

Writes (replacing what was there):
  corpus/trail/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz  S3-layout objects
  corpus/labels.jsonl         {"eventID": ..., "label": "malicious"|"benign"} from Panther's tests
  corpus/trail-manifest.tsv   object -> source, records (attribution of every file)

Only sources whose licence allows redistribution are taken (see corpus/README.md).
Standard library only; the output is byte-for-byte reproducible (gzip mtime 0).
"""
import collections, gzip, hashlib, json, os, re, shutil, sys, uuid
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(CORPUS), "..", "shared", "corpus")
OUT = os.path.join(CORPUS, "trail")
NS = uuid.UUID("6f1c2e8a-3b1d-4c3e-9a59-5f0d7c1b2a40")  # namespace for replacement eventIDs
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z0-9-]+$")


def parse_time(s):
    """eventTime -> aware datetime, or None. RFC 3339 and 'YYYY-MM-DD hh:mm:ss[.frac]'."""
    if not isinstance(s, str):
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", s.strip())
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    try:
        t = datetime(y, mo, d, h, mi, min(se, 59), tzinfo=timezone.utc)
    except ValueError:
        return None
    off = m.group(8)
    if off and off not in "Zz":
        sign = 1 if off[0] == "+" else -1
        t -= sign * timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
    return t


def lines(name):
    with open(os.path.join(SHARED, "normalized", name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def provenance(name):
    rows = lines(name)[1:]
    return [r.split("\t") for r in rows]


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


records = []  # dicts: text, obj, time, source, key (optional original S3 key)
labels = []
stats = collections.Counter()

# Real trails whose original S3 object names are known: keep them.
for src, keyed in [("invictus-ir_aws_dataset", "invictus"), ("cribl-aws-cloudtrail-logs", "cribl")]:
    texts = lines(src + ".jsonl")
    prov = provenance(src + ".provenance.tsv")
    assert len(texts) == len(prov), src
    for text, (_, raw_path, position) in zip(texts, prov):
        obj = json.loads(text)
        key = None
        if keyed == "invictus":
            base = os.path.basename(raw_path)
            acct = base.split("_")[0]
            t = parse_time(base.split("_")[3].replace(".json", "")[:13].replace("T", "T"))
            stamp = base.split("_")[3]
            day = f"{stamp[0:4]}/{stamp[4:6]}/{stamp[6:8]}"
            region = base.split("_")[2]
            key = f"AWSLogs/{acct}/CloudTrail/{region}/{day}/{base}.gz"
        else:
            m = re.search(r"\((AWSLogs/[^)]*)\)", position)
            if m:
                key = m.group(1)
                if not key.endswith(".gz"):
                    key += ".gz"
        records.append(dict(text=text, obj=obj, source=src, key=key))
        stats[src] += 1

# Real detonations (anonymised), one file per technique upstream.
for text in lines("stratus-red-team.jsonl"):
    records.append(dict(text=text, obj=json.loads(text), source="stratus-red-team", key=None))
    stats["stratus-red-team"] += 1

# Panther: unit-test events (labelled) and the attack scenario (unlabelled).
seen_ids = set(r["obj"].get("eventID") for r in records)


def panther_event(obj, source, ident):
    """Strip Panther's p_* enrichment; give a stable uuid to missing/placeholder/duplicate IDs."""
    obj = {k: v for k, v in obj.items() if not k.startswith("p_")}
    eid = obj.get("eventID")
    if not isinstance(eid, str) or not UUID_RE.match(eid) or eid in seen_ids:
        obj["eventID"] = str(uuid.uuid5(NS, f"{source}:{ident}"))
        stats[source + ":eventID-replaced"] += 1
    seen_ids.add(obj["eventID"])
    return obj


for src in ["panther-analysis.labelled.jsonl", "panther-analysis-history.labelled.jsonl"]:
    name = src.replace(".labelled.jsonl", "")
    for text in lines(src):
        row = json.loads(text)
        ev = row["event"]
        if not isinstance(ev, dict) or parse_time(ev.get("eventTime")) is None:
            stats[name + ":skipped-no-eventTime"] += 1
            continue
        ident = f"{row.get('rule_version_commit', '')}:{row['source_path']}:{row['test_index']}"
        obj = panther_event(ev, name, ident)
        records.append(dict(text=compact(obj), obj=obj, source=name, key=None))
        stats[name] += 1
        if row.get("has_mocks"):
            stats[name + ":unlabelled-mocked"] += 1
            continue
        label = "malicious" if row["expected_result"] is True else "benign"
        labels.append((obj["eventID"], label, row["rule_id"], row["test_name"]))

for i, text in enumerate(lines("panther-analysis-scenarios.jsonl")):
    obj = panther_event(json.loads(text), "panther-analysis-scenarios", str(i))
    records.append(dict(text=compact(obj), obj=obj, source="panther-analysis-scenarios", key=None))
    stats["panther-analysis-scenarios"] += 1

# Group into S3 objects.
objects = collections.defaultdict(list)
for i, r in enumerate(records):
    t = parse_time(r["obj"].get("eventTime"))
    assert t is not None, (r["source"], r["text"][:200])
    r["t"] = t
    if r["key"] is None:
        o = r["obj"]
        acct = o.get("recipientAccountId") or (o.get("userIdentity") or {}).get("accountId") or ""
        acct = acct if isinstance(acct, str) and ACCOUNT_RE.match(acct) else "000000000000"
        region = o.get("awsRegion") if isinstance(o.get("awsRegion"), str) and REGION_RE.match(o.get("awsRegion")) else "us-east-1"
        # One object per source, account, region and hour, stamped at the end of the hour
        # (delivery follows the events, as CloudTrail's own file names do).
        end = t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        tag = hashlib.sha1(f"{r['source']}:{acct}:{region}:{end.isoformat()}".encode()).hexdigest()[:16]
        r["key"] = (f"AWSLogs/{acct}/CloudTrail/{region}/{end:%Y/%m/%d}/"
                    f"{acct}_CloudTrail_{region}_{end:%Y%m%dT%H%MZ}_{tag}.json.gz")
    objects[r["key"]].append((r["t"], i, r))

if os.path.isdir(OUT):
    shutil.rmtree(OUT)
manifest = ["object\tsource\trecords"]
total = 0
for key in sorted(objects):
    group = sorted(objects[key], key=lambda x: (x[0], x[1]))
    body = '{"Records":[' + ",".join(r["text"] for _, _, r in group) + "]}"
    path = os.path.join(OUT, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0))
    sources = sorted(set(r["source"] for _, _, r in group))
    manifest.append(f"trail/{key}\t{','.join(sources)}\t{len(group)}")
    total += len(group)

with open(os.path.join(CORPUS, "trail-manifest.tsv"), "w", encoding="utf-8") as f:
    f.write("\n".join(manifest) + "\n")
with open(os.path.join(CORPUS, "labels.jsonl"), "w", encoding="utf-8") as f:
    for eid, label, _, _ in labels:
        f.write(json.dumps({"eventID": eid, "label": label}) + "\n")

print(f"{total} records in {len(objects)} objects; {len(labels)} labels "
      f"({sum(1 for l in labels if l[1] == 'malicious')} malicious)", file=sys.stderr)
for k in sorted(stats):
    print(f"  {k}: {stats[k]}", file=sys.stderr)
