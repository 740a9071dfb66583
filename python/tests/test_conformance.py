"""Pattern and match_array against every case of corpus/conformance (the cases `cargo test`
and `cwfilter check` run), except the known conflicts of the documentation."""

import json

import pyarrow as pa
import pytest

import cwfilter
from conftest import REPO

CORPUS = REPO / "corpus" / "conformance"


def known_conflicts():
    ids = set()
    for line in (CORPUS / "known-conflicts.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.add(line.split()[0])
    return ids


def load_cases():
    skip = known_conflicts()
    cases = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            if case["id"] in skip:
                continue
            cases.append(case)
    return cases


CASES = load_cases()
MATCH_CASES = [c for c in CASES if not c.get("expect_error")]
ERROR_CASES = [c for c in CASES if c.get("expect_error")]


def message(event):
    """The log event's text: a string event is the message itself; a JSON event is its
    compact serialization (as serde_json writes it: key order kept, UTF-8 unescaped)."""
    if isinstance(event, str):
        return event
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def test_the_corpus_is_all_there():
    assert len(MATCH_CASES) > 500
    assert len(ERROR_CASES) > 20


@pytest.mark.parametrize("case", MATCH_CASES, ids=[c["id"] for c in MATCH_CASES])
def test_pattern_matches(case):
    p = cwfilter.Pattern(case["pattern"])
    assert p.matches(message(case["event"])) is case["expect"]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["id"] for c in ERROR_CASES])
def test_invalid_pattern_raises_value_error(case):
    with pytest.raises(ValueError):
        cwfilter.Pattern(case["pattern"])


@pytest.mark.parametrize("layout", [pa.string(), pa.large_string(), pa.string_view()])
def test_match_array_agrees_with_every_case(layout):
    # One array per pattern, every event of that pattern in it, with a null between each.
    by_pattern = {}
    for case in MATCH_CASES:
        by_pattern.setdefault(case["pattern"], []).append(case)
    for text, cases in by_pattern.items():
        values, expected = [], []
        for case in cases:
            values += [message(case["event"]), None]
            expected += [case["expect"], False]
        result = cwfilter.match_array(text, pa.array(values, type=layout))
        assert result.type == pa.bool_()
        assert result.null_count == 0
        assert result.to_pylist() == expected, [c["id"] for c in cases]
