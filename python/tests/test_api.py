"""Errors and types of the Python API."""

import pyarrow as pa
import pytest

import cwfilter


def test_a_bad_pattern_raises_value_error_with_the_caret_diagnostic():
    with pytest.raises(ValueError) as e:
        cwfilter.Pattern("{ $.errorCode IS NOT NULL }")
    text = str(e.value)
    assert "IS NOT is not supported at line 1 column 15" in text
    assert "{ $.errorCode IS NOT NULL }" in text
    assert "^" in text


def test_pattern_text_canonical_form_and_repr():
    p = cwfilter.Pattern('{$.a="x"}')
    assert p.text == '{$.a="x"}'
    assert str(p) == '{ $.a = "x" }'
    assert repr(p) == 'Pattern("{$.a=\\"x\\"}")'


def test_matches_and_explain():
    p = cwfilter.Pattern('{ $.userIdentity.userName != "bot" }')
    event = '{"userIdentity": {"type": "AssumedRole"}}'
    # != on an absent field is false in CloudWatch.
    assert p.matches(event) is False
    explained = p.explain(event)
    assert explained.startswith("NO MATCH")
    assert "$.userIdentity.userName" in explained
    assert cwfilter.Pattern("ERROR").matches("an ERROR here") is True


def test_pattern_needs_a_string():
    with pytest.raises(TypeError):
        cwfilter.Pattern(42)
    with pytest.raises(TypeError):
        cwfilter.Pattern("x").matches(b"bytes")


def test_match_array_returns_a_boolean_array_without_nulls():
    out = cwfilter.match_array("ERROR", pa.array(["ERROR 1", None, "ok", "ERROR"]))
    assert isinstance(out, pa.BooleanArray)
    assert out.to_pylist() == [True, False, False, True]
    assert out.null_count == 0
    assert len(cwfilter.match_array("x", pa.array([], pa.string()))) == 0


def test_match_array_keeps_chunks_and_slices():
    chunked = pa.chunked_array([["ERROR", "x"], ["y", None, "ERROR z"]])
    out = cwfilter.match_array(cwfilter.Pattern("ERROR"), chunked)
    assert isinstance(out, pa.ChunkedArray)
    assert out.to_pylist() == [True, False, False, False, True]
    sliced = pa.array(["a", "ERROR", "b", "ERROR"]).slice(1, 2)
    assert cwfilter.match_array("ERROR", sliced).to_pylist() == [True, False]


def test_match_array_refuses_other_types():
    with pytest.raises(TypeError, match="string, large_string or string_view"):
        cwfilter.match_array("x", pa.array([1, 2]))
    with pytest.raises(TypeError, match="Arrow array"):
        cwfilter.match_array("x", ["a list"])
    with pytest.raises(ValueError):
        cwfilter.match_array("{ bad", pa.array(["x"]))


def test_replay_refuses_a_bad_configuration(tmp_path):
    with pytest.raises(ValueError, match="unknown profile"):
        cwfilter.Replay(profile="nope")
    with pytest.raises(ValueError, match="not-there.yaml"):
        cwfilter.Replay(config=tmp_path / "not-there.yaml")
    with pytest.raises(ValueError):
        cwfilter.Replay(since="yesterday-ish")
    with pytest.raises(ValueError, match="--since is after --until"):
        cwfilter.Replay(since="2025-02-01", until="2025-01-01")
    labels = tmp_path / "labels.jsonl"
    labels.write_text("not json\n")
    with pytest.raises(ValueError, match="labels.jsonl"):
        cwfilter.Replay(labels=labels)


def test_partial_type_and_length_checks():
    r = cwfilter.Replay()
    with pytest.raises(TypeError, match="binary"):
        r.partial(pa.array([1, 2]))
    with pytest.raises(ValueError, match="1 names for 2 objects"):
        r.partial(pa.array([b"", b""]), names=["a"])


def test_a_null_object_is_an_input_error():
    event = b'{"eventTime": "2025-01-06T10:00:00Z", "eventName": "X"}'
    partial = cwfilter.Replay().partial(pa.array([event, None]), names=["a.json", "b.json"])
    report = cwfilter.merge([partial])
    assert report.input_errors == [("b.json", None, "no content (a null object)")]
    assert report.exit_code == 2


def test_merge_refuses_damaged_and_mismatched_partials():
    event = b'{"eventTime": "2025-01-06T10:00:00Z", "eventName": "X"}'
    good = cwfilter.Replay().partial(pa.array([event], pa.binary()))
    with pytest.raises(ValueError, match="partial #1: not a valid partial replay"):
        cwfilter.merge([good, good[: len(good) // 2]])
    other = cwfilter.Replay(since="2025-01-01").partial(pa.array([event]))
    with pytest.raises(ValueError, match="partials #0 and #1: .*since"):
        cwfilter.merge([good, other])
    with pytest.raises(ValueError, match="no partial"):
        cwfilter.merge([])
    report = cwfilter.merge([good, good])
    assert report.exit_code == 0
    assert '"events": 2' in report.to_json()


def test_may_hold_prunes_by_the_date_in_the_key():
    r = cwfilter.Replay(since="2025-01-07", until="2025-01-07")
    key = "AWSLogs/1/CloudTrail/us-east-1/2025/01/{}/x.json.gz"
    assert r.may_hold(key.format("07"))
    assert not r.may_hold(key.format("09"))
    assert cwfilter.Replay().may_hold(key.format("09"))


def test_regression_replays_are_not_misaligned_in_python_objects():
    # Python allocates objects 16-byte aligned; the engine holds 32-byte-aligned SIMD
    # searchers. Unboxed, a second Replay aborted the interpreter (misaligned pointer).
    replays = [cwfilter.Replay() for _ in range(8)]
    patterns = [cwfilter.Pattern('{ $.a = "x*" } ') for _ in range(8)]
    assert len(replays) == len(patterns) == 8


def test_a_replay_pickles_as_its_texts_and_merges_in_stages(tmp_path):
    import pickle

    config = tmp_path / "c.yaml"
    config.write_text("alerts:\n  rootAccountUsage: true\n")
    event = (
        b'{"eventTime": "2025-01-06T10:00:00Z", "eventName": "ConsoleLogin",'
        b' "eventType": "AwsConsoleSignIn", "userIdentity": {"type": "Root"}}'
    )
    r = cwfilter.Replay(config=config, since="2025-01-06")
    config.unlink()  # unpickling reads no file
    clone = pickle.loads(pickle.dumps(r))
    objects = pa.array([event, event], pa.binary())
    assert clone.partial(objects) == r.partial(objects)
    a, b = r.partial(objects), clone.partial(objects[:1])
    staged = cwfilter.merge([cwfilter.merge_partials([a, b])])
    assert staged.to_json() == cwfilter.merge([a, b]).to_json()
    assert '"matched": 3' in staged.to_json()
