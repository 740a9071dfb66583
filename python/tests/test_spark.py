"""The replay on Spark (local[2]) against `cwfilter replay`, byte for byte: a multi-week
synthetic trail with labels and a baseline, and the same with a corrupt object among the
inputs (same errors, exit 2). Needs pyspark and Java: CI sets CWFILTER_REQUIRE_SPARK=1, which
makes their absence a failure instead of a skip."""

import json
import os
import shutil
import subprocess
import sys

import pytest

REQUIRED = os.environ.get("CWFILTER_REQUIRE_SPARK") == "1"

try:
    import pyspark  # noqa: F401

    MISSING = None if shutil.which("java") else "java is not on PATH"
except ImportError:
    MISSING = "pyspark is not installed"

if MISSING:
    if REQUIRED:
        raise RuntimeError(f"CWFILTER_REQUIRE_SPARK=1 but {MISSING}")
    pytest.skip(MISSING, allow_module_level=True)

import cwfilter
from cwfilter.spark import replay as spark_replay

from test_replay import BASELINE, CURRENT

# Executors must run this interpreter (it has cwfilter installed), whatever `python3` is.
SPARK_ENV = {
    "PYSPARK_PYTHON": sys.executable,
    "PYSPARK_DRIVER_PYTHON": sys.executable,
    "PYSPARK_SUBMIT_ARGS": "--master local[2] --conf spark.ui.enabled=false pyspark-shell",
}


@pytest.fixture(scope="module")
def weeks(tmp_path_factory, run_cli):
    root = tmp_path_factory.mktemp("spark")
    synth = root / "synth"
    run_cli(
        "synth", "--days", "14", "--events-per-day", "20", "--regions", "us-east-1",
        "--seed", "21", "--out", synth,
    )
    (root / "current.yaml").write_text(CURRENT)
    (root / "baseline.yaml").write_text(BASELINE)
    # A digest directory, which neither the CLI nor Spark may read as events.
    digest = synth / "AWSLogs" / "123456789012" / "CloudTrail-Digest" / "x.json"
    digest.parent.mkdir(parents=True)
    digest.write_text('{"Records": [{"eventTime": "2025-01-07T00:00:00Z"}]}')
    return root


@pytest.fixture(scope="module")
def spark():
    for k, v in SPARK_ENV.items():
        os.environ[k] = v
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .appName("cwfilter-tests")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_replay_equals_the_cli_with_labels_and_a_baseline(weeks, run_cli, spark):
    trail = weeks / "synth"
    args = dict(
        config=str(weeks / "current.yaml"),
        baseline=str(weeks / "baseline.yaml"),
        labels=str(trail / "labels.jsonl"),
        since="2025-01-07",
        until="2025-01-18",
    )
    report = spark_replay(spark, [str(trail)], **args)
    cli = run_cli(
        "replay", "--format", "json", "--config", args["config"], "--baseline",
        args["baseline"], "--labels", args["labels"], "--since", args["since"], "--until",
        args["until"], trail,
    )
    assert report.to_json() == cli.stdout
    assert report.exit_code == 0
    whole = json.loads(cli.stdout)
    assert whole["summary"]["fires"] > 0
    assert whole["labels"]["malicious_seen"] > 0
    assert whole["what_if"] is not None


def test_partitions_of_many_arrow_batches_merge_to_the_cli_report(weeks, run_cli, spark, monkeypatch):
    # A partition reaches its Python worker in Arrow batches of at most _BATCH_BYTES; each
    # batch is replayed into a partial and the worker merges them. At one byte, every object
    # is a batch of its own, so each partition's partial is a merge of many.
    import cwfilter.spark as cs

    trail = weeks / "synth"
    files = [p for p in trail.rglob("*.json.gz") if "Digest" not in str(p)]
    assert len(files) > 4 * spark.sparkContext.defaultParallelism
    monkeypatch.setattr(cs, "_BATCH_BYTES", 1)
    report = spark_replay(spark, [str(trail)], labels=str(trail / "labels.jsonl"))
    cli = run_cli("replay", "--format", "json", "--labels", trail / "labels.jsonl", trail)
    assert report.to_json() == cli.stdout
    assert json.loads(cli.stdout)["summary"]["fires"] > 0


def test_python_m_cwfilter_spark_with_a_corrupt_object_exits_2_like_the_cli(weeks, run_cli):
    trail = weeks / "synth"
    bad = weeks / "extra" / "broken.json.gz"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"\x1f\x8b\x08\x00 not gzip at all")
    flags = ["--labels", str(trail / "labels.jsonl"), "--format", "json"]
    cli = run_cli("replay", *flags, trail, weeks / "extra", check_codes=(2,))
    env = dict(os.environ, **SPARK_ENV)
    r = subprocess.run(
        [sys.executable, "-m", "cwfilter.spark", "replay", *flags, str(trail),
         str(weeks / "extra")],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 2, r.stderr[-3000:]
    assert r.stdout == cli.stdout
    # The same error lines on stderr (Spark's own logging aside).
    errors = [l for l in cli.stderr.splitlines() if l.startswith("cwfilter: ") and "warning" not in l]
    assert errors and all(l in r.stderr for l in errors), (errors, r.stderr[-3000:])
    assert str(bad) in r.stdout


def test_the_read_holds_exactly_the_kept_objects_in_one_partition_per_core(weeks, spark):
    # The window prunes days and the digest is skipped: Spark reads the kept objects through
    # the directories that hold them and nothing else (not a stat per object).
    import cwfilter.spark as cs

    trail = weeks / "synth"
    rep = cwfilter.Replay(since="2025-01-07", until="2025-01-18")
    with cs._settings(spark, cs._job_settings(spark)):
        files, errors, df = cs._list_inputs(spark, [str(trail)], rep)
        assert not errors
        assert files and not any("CloudTrail-Digest" in f or "labels.jsonl" in f for f in files)
        assert all(rep.may_hold(cs._cli_name(f)) for f in files)
        assert sorted(df.inputFiles()) == files
        with cs._settings(spark, cs._split(spark, df, len(files))):
            assert df.rdd.getNumPartitions() == spark.sparkContext.defaultParallelism
    # Without a window nothing below the trail's account directory is dropped but the digest.
    files, _, df = cs._list_inputs(spark, [str(trail)], cwfilter.Replay())
    assert sorted(df.inputFiles()) == files


def test_the_job_settings_are_the_sessions_own_again_afterwards(weeks, spark):
    keys = [
        "spark.sql.files.openCostInBytes",
        "spark.sql.files.maxPartitionBytes",
        "spark.sql.files.minPartitionNum",
        "spark.sql.sources.parallelPartitionDiscovery.parallelism",
        "spark.sql.execution.arrow.maxBytesPerBatch",
    ]
    spark.conf.set("spark.sql.files.maxPartitionBytes", "12345678")
    try:
        before = {k: spark.conf.get(k, None) for k in keys}
        spark_replay(spark, [str(weeks / "synth")])
        assert {k: spark.conf.get(k, None) for k in keys} == before
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


def test_a_stale_crc_beside_a_local_object_is_ignored_like_the_cli(weeks, run_cli, spark, tmp_path):
    # Local objects are plain files to the CLI. Hadoop's default `file:` filesystem verifies an
    # object against a `.crc` sibling when there is one, and a stale one (the object rewritten
    # by another tool) failed the whole Spark job; the job reads local files raw.
    import struct

    trail = tmp_path / "trail"
    shutil.copytree(weeks / "synth", trail)
    obj = next(p for p in sorted(trail.rglob("*.json.gz")))
    # Hadoop's checksum file: magic, bytes per checksum, then a CRC32 per chunk (all wrong).
    chunks = -(-obj.stat().st_size // 512)
    (obj.parent / f".{obj.name}.crc").write_bytes(
        b"crc\0" + struct.pack(">i", 512) + b"\0\0\0\0" * chunks
    )
    cli = run_cli("replay", "--format", "json", trail)
    report = spark_replay(spark, [str(trail)])
    assert report.to_json() == cli.stdout
    assert report.exit_code == 0


def test_a_path_spark_cannot_open_is_an_input_error_in_the_filesystems_words(weeks, spark):
    # Regression: the error was Py4J's first line, "An error occurred while calling
    # o52.getFileSystem.", which names no reason; now Hadoop's exception and message.
    report = spark_replay(spark, ["nosuchscheme://bucket/AWSLogs/", str(weeks / "synth")])
    assert report.exit_code == 2
    assert report.input_errors == [
        (
            "nosuchscheme://bucket/AWSLogs/",
            None,
            'UnsupportedFileSystemException: No FileSystem for scheme "nosuchscheme"',
        )
    ]
    assert json.loads(report.to_json())["inputs"]["files"] > 0


def test_a_session_that_names_its_local_filesystem_keeps_it(spark):
    import cwfilter.spark as cs

    assert cs._read_options(spark) == cs._RAW_LOCAL
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    conf.set("fs.file.impl", "org.apache.hadoop.fs.LocalFileSystem")
    try:
        assert cs._read_options(spark) == {}
    finally:
        conf.unset("fs.file.impl")
    assert cs._read_options(spark) == cs._RAW_LOCAL
