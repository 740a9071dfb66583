#!/usr/bin/env python3
"""Generates corpus/conformance/cwfilter-table.jsonl: every row of the spec's section 5.5 table
(what the selector reaches) against every operator, with expectations from the table and the
documented best readings (A8, A9, A10, A18), written out here independently of cwfilter.
Run from the repository root:
    python3 corpus/tools/gen-table-cases.py > corpus/conformance/cwfilter-table.jsonl
"""
import json

EVENT = {"s": "abc", "ns": "5", "n": 5, "t": True, "f": False, "z": None,
         "o": {"k": "abc"}, "a": ["abc", 5], "e": ""}
event = json.dumps(EVENT, separators=(",", ":"))

# selector -> (row name, what it reaches)
ROWS = {
    "$.s": ("string", "str"), "$.ns": ("numeric-string", "numstr"), "$.e": ("empty-string", "empty"),
    "$.n": ("number", "num"), "$.t": ("boolean-true", "true"), "$.f": ("boolean-false", "false"),
    "$.z": ("null", "null"), "$.o": ("object", "obj"), "$.a": ("array", "arr"),
    "$.missing": ("absent-key", "absent"), "$.missing.k": ("absent-parent", "absent"),
    "$.s.k": ("parent-not-container", "absent"), "$.a[9]": ("index-out-of-range", "absent"),
    "$.z.k": ("parent-null", "absent"),
}

def scalar(kind):
    return kind in ("str", "numstr", "empty", "num")

# (test text, id fragment, function of kind -> expected)
def text_of(kind):
    return {"str": "abc", "numstr": "5", "empty": "", "num": "5"}[kind]

TESTS = [
    ('= "abc"', "eq-str", lambda k: scalar(k) and text_of(k) == "abc"),
    ('!= "abc"', "ne-str", lambda k: scalar(k) and text_of(k) != "abc"),
    ("= ab*", "eq-prefix", lambda k: scalar(k) and text_of(k).startswith("ab")),
    ("= *bc", "eq-suffix", lambda k: scalar(k) and text_of(k).endswith("bc")),
    ("= 5", "eq-num", lambda k: scalar(k) and (k == "num" or text_of(k) == "5")),
    ("!= 5", "ne-num", lambda k: scalar(k) and not (k == "num" or text_of(k) == "5")),
    ("= 5.0", "eq-num-decimal", lambda k: k == "num"),
    ("< 10", "lt", lambda k: k in ("num", "numstr")),
    ("<= 5", "le", lambda k: k in ("num", "numstr")),
    ("> 1", "gt", lambda k: k in ("num", "numstr")),
    (">= 6", "ge", lambda k: False),
    ("= %b%", "eq-regex", lambda k: k == "str"),
    ("!= %zz%", "ne-regex", lambda k: k in ("str", "numstr", "empty")),
    ("= *", "eq-star", lambda k: scalar(k)),
    ('= "*"', "eq-quoted-star", lambda k: scalar(k)),
    ("!= *", "ne-star", lambda k: False),
    ("= true", "eq-true-text", lambda k: False),
    ("IS NULL", "is-null", lambda k: k == "null"),
    ("IS TRUE", "is-true", lambda k: k == "true"),
    ("IS FALSE", "is-false", lambda k: k == "false"),
    ("NOT EXISTS", "not-exists", lambda k: k == "absent"),
]

for sel, (row, kind) in ROWS.items():
    for test, tid, f in TESTS:
        print(json.dumps({
            "id": f"cwf-table-{row}-{tid}",
            "pattern": f"{{ {sel} {test} }}",
            "event": event,
            "expect": bool(f(kind)),
            "note": f"spec 5.5 row '{row}' x `{test}`",
        }))
