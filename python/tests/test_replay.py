"""Replay.partial + merge against `cwfilter replay`: the same report, byte for byte, in every
format, on a synthetic trail with labels and a baseline; and partials from the CLI and from
Python merge together."""

import pyarrow as pa
import pytest

import cwfilter

CURRENT = """alerts:
  rootAccountUsage: true
  iamPolicyChanges: true
  failedConsoleLogins: true
  unauthorizedApiCalls: true
  overrides:
    iamPolicyChanges:
      excludeInvokedBy: ["cloudformation.amazonaws.com"]
"""

BASELINE = """alerts:
  iamPolicyChanges: true
  vpcChanges: true
  unauthorizedApiCalls: true
"""

FORMATS = ["json", "table", "markdown", "csv", "html"]


@pytest.fixture(scope="module")
def trail(tmp_path_factory, run_cli):
    root = tmp_path_factory.mktemp("trail")
    synth = root / "synth"
    run_cli("synth", "--days", "3", "--events-per-day", "300", "--seed", "11", "--out", synth)
    (root / "current.yaml").write_text(CURRENT)
    (root / "baseline.yaml").write_text(BASELINE)
    files = sorted(p for p in (synth / "AWSLogs").rglob("*") if p.is_file())
    assert len(files) > 20
    # A corrupt object among the inputs: the same error row, exit 2.
    bad = root / "extra" / "broken.json.gz"
    bad.parent.mkdir()
    bad.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    return {
        "files": files,
        "bad": bad,
        "config": root / "current.yaml",
        "baseline": root / "baseline.yaml",
        "labels": synth / "labels.jsonl",
        "root": root,
    }


def flags(t):
    return ["--config", t["config"], "--baseline", t["baseline"], "--labels", t["labels"]]


def replay(t):
    return cwfilter.Replay(
        config=t["config"], baseline=t["baseline"], labels=t["labels"]
    )


def partials_of(r, files, shards):
    out = []
    for s in range(shards):
        part = files[s::shards]
        objects = pa.array([p.read_bytes() for p in part], type=pa.binary())
        out.append(r.partial(objects, names=[str(p) for p in part]))
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_partials_merge_to_the_cli_report(trail, run_cli, fmt):
    cli = run_cli("replay", "--format", fmt, *flags(trail), *trail["files"])
    report = cwfilter.merge(partials_of(replay(trail), trail["files"], 3))
    assert getattr(report, f"to_{fmt}")() == cli.stdout
    assert report.exit_code == 0


def test_a_corrupt_object_gives_the_cli_error_and_exit_2(trail, run_cli):
    files = trail["files"] + [trail["bad"]]
    cli = run_cli("replay", "--format", "json", *flags(trail), *files, check_codes=(2,))
    report = cwfilter.merge(partials_of(replay(trail), files, 4))
    assert report.to_json() == cli.stdout
    assert report.exit_code == 2
    assert [e[0] for e in report.input_errors] == [str(trail["bad"])]
    assert str(trail["bad"]) in cli.stderr


def test_python_and_cli_partials_merge_together(trail, run_cli, tmp_path):
    files = trail["files"]
    half = len(files) // 2
    cli_partial = tmp_path / "cli.partial"
    run_cli("replay", "--partial-out", cli_partial, *flags(trail), *files[:half])
    py_partial = partials_of(replay(trail), files[half:], 1)[0]
    merged = cwfilter.merge([py_partial, cli_partial.read_bytes()])
    cli = run_cli("replay", "--format", "json", *flags(trail), *files)
    assert merged.to_json() == cli.stdout
    # And the other way round: `cwfilter merge` reads the Python partial.
    (tmp_path / "py.partial").write_bytes(py_partial)
    out = run_cli("merge", "--format", "json", cli_partial, tmp_path / "py.partial")
    assert out.stdout == cli.stdout


def test_the_report_is_not_trivial(trail):
    import json

    report = json.loads(cwfilter.merge(partials_of(replay(trail), trail["files"], 2)).to_json())
    assert report["summary"]["fires"] > 0
    assert report["labels"]["malicious_seen"] > 0
    assert report["what_if"] is not None
