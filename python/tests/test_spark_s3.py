"""The replay on Spark over S3, as the README runs it: `python -m cwfilter.spark replay
s3a://...` with Hadoop's S3A filesystem against a real S3-compatible server on 127.0.0.1
(moto's server mode, the one tests/it/s3.rs uses), and the report equals the one
`cwfilter replay s3://...` prints over the same objects, byte for byte.

Needs moto_server ($CWFILTER_MOTO), Hadoop's S3A jars ($CWFILTER_S3A_JARS: hadoop-aws and the
AWS SDK it was built with, comma-separated), pyspark and Java. .ci/run provides them all and
sets CWFILTER_REQUIRE_S3=1, which makes their absence a failure instead of a skip.

The jars CI can fetch are hadoop-aws 3.3.1 with AWS SDK v1 (from the pinned sagemaker-pyspark
package on PyPI: this machine reaches PyPI, not Maven Central), on pyspark's Hadoop 3.5 client.
A cluster uses the hadoop-aws of its own Hadoop (`--packages
org.apache.hadoop:hadoop-aws:<version>`) or its platform's S3 filesystem and needs none of the
settings in OLD_S3A below: they only turn Hadoop 3.5's defaults back into what 3.3.1 reads."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CWFILTER_REQUIRE_S3") == "1"
MOTO = os.environ.get("CWFILTER_MOTO")
JARS = os.environ.get("CWFILTER_S3A_JARS")

try:
    import pyspark  # noqa: F401

    MISSING = None
except ImportError:
    MISSING = "pyspark is not installed"
if not MISSING and not shutil.which("java"):
    MISSING = "java is not on PATH"
if not MISSING and not (MOTO and Path(MOTO).is_file()):
    MISSING = "CWFILTER_MOTO (moto_server) is not set"
if not MISSING and not (JARS and all(Path(j).is_file() for j in JARS.split(","))):
    MISSING = "CWFILTER_S3A_JARS (hadoop-aws and the AWS SDK) is not set"
if MISSING:
    if REQUIRED:
        raise RuntimeError(f"CWFILTER_REQUIRE_S3=1 but {MISSING}")
    pytest.skip(MISSING, allow_module_level=True)

BUCKET = "org-trail"

# Hadoop 3.5's core-default.xml gives these with units ("60s") and names SDK v2 credential
# classes; hadoop-aws 3.3.1 reads plain numbers and uses SDK v1 (see the module's docstring).
OLD_S3A = {
    "fs.s3a.connection.establish.timeout": "30000",
    "fs.s3a.connection.timeout": "200000",
    "fs.s3a.threads.keepalivetime": "60",
    "fs.s3a.multipart.purge.age": "86400",
    "fs.s3a.aws.credentials.provider": "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes = b"") -> None:
    # Unsigned requests: moto accepts them unless it is told to check credentials.
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, method=method,
        headers={"Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200, r.status


@pytest.fixture(scope="module")
def bucket(tmp_path_factory, run_cli):
    """moto on a free port with a multi-week synthetic trail (and a digest object, which
    neither route may read) in BUCKET; yields (endpoint, local copy of the trail)."""
    root = tmp_path_factory.mktemp("s3a")
    trail = root / "synth"
    run_cli(
        "synth", "--days", "14", "--events-per-day", "20", "--regions", "us-east-1,eu-west-1",
        "--seed", "33", "--out", trail,
    )
    port = _free_port()
    log = open(root / "moto.log", "wb")
    moto = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        _request(port, "PUT", f"/{BUCKET}")
        objects = sorted(p for p in (trail / "AWSLogs").rglob("*") if p.is_file())
        assert len(objects) > 100
        for p in objects:
            _request(port, "PUT", f"/{BUCKET}/{p.relative_to(trail).as_posix()}", p.read_bytes())
        digest = "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/01/08/d.json.gz"
        _request(port, "PUT", f"/{BUCKET}/{digest}", b'{"Records": [{"eventTime": "x"}]}')
        yield f"http://127.0.0.1:{port}", trail
    finally:
        moto.kill()
        moto.wait()
        log.close()


def _aws_env(endpoint: str) -> dict:
    """Credentials for moto and nothing from the user's own AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _spark_replay(endpoint: str, args) -> subprocess.CompletedProcess:
    """`python -m cwfilter.spark replay ARGS`, its master, jars and S3A settings given by
    PYSPARK_SUBMIT_ARGS, as a user would."""
    conf = {
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        **OLD_S3A,
    }
    submit = ["--master", "local[2]", "--conf", "spark.ui.enabled=false", "--jars", JARS]
    for k, v in conf.items():
        submit += ["--conf", f"spark.hadoop.{k}={v}"]
    env = dict(
        _aws_env(endpoint),
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        PYSPARK_SUBMIT_ARGS=" ".join(submit + ["pyspark-shell"]),
    )
    return subprocess.run(
        [sys.executable, "-m", "cwfilter.spark", "replay", *map(str, args)],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
    )


def _cli_replay(cwfilter_bin, endpoint: str, args) -> subprocess.CompletedProcess:
    env = dict(_aws_env(endpoint), AWS_ENDPOINT_URL_S3=endpoint)
    return subprocess.run(
        [str(cwfilter_bin), "replay", "--no-progress", *map(str, args)],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("window", [[], ["--since", "2025-01-07", "--until", "2025-01-18"]],
                         ids=["whole", "window"])
def test_spark_over_s3a_equals_the_cli_over_s3(bucket, cwfilter_bin, window):
    # With a window, days outside it are pruned by the date in the S3 key before any read, and
    # Spark lists the kept day prefixes instead of the root.
    endpoint, trail = bucket
    args = ["--labels", trail / "labels.jsonl", "--format", "json", *window]
    cli = _cli_replay(cwfilter_bin, endpoint, [*args, f"s3://{BUCKET}/AWSLogs/"])
    assert cli.returncode == 0, cli.stderr
    spark = _spark_replay(endpoint, [*args, f"s3a://{BUCKET}/AWSLogs/"])
    assert spark.returncode == 0, spark.stderr[-3000:]
    assert spark.stdout == cli.stdout
    report = json.loads(cli.stdout)
    objects = sum(1 for p in (trail / "AWSLogs").rglob("*.json.gz"))
    if window:
        assert 0 < report["inputs"]["files"] < objects
    else:
        assert report["inputs"]["files"] == objects
    assert report["summary"]["fires"] > 0
    assert report["labels"]["malicious_seen"] > 0


def test_a_bucket_that_does_not_exist_is_an_input_error_with_the_reason(bucket):
    # The filesystem's own reason (not Py4J's "An error occurred while calling ..."), exit 2:
    # S3A's name for a bucket that does not exist.
    endpoint, _ = bucket
    r = _spark_replay(endpoint, ["--format", "json", "s3a://no-such-bucket/AWSLogs/"])
    assert r.returncode == 2, r.stderr[-3000:]
    errors = json.loads(r.stdout)["inputs"]["errors"]
    assert [e["path"] for e in errors] == ["s3a://no-such-bucket/AWSLogs/"]
    assert errors[0]["message"].startswith("UnknownStoreException: "), errors
