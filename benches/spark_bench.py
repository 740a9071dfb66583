"""The cost of the Python binding and of Spark against the CLI, on one trail (docs/benchmarks.md,
"Python and Spark"). Not a test: it prints wall times and checks that every route gives the
CLI's JSON report byte for byte.

    python benches/spark_bench.py TRAIL_DIR [CWFILTER_BINARY]

Needs the package installed (release build: `maturin develop --release`), pyspark and Java.
Generate a trail first, e.g. `cwfilter synth --days 9 --events-per-day 45000 --out DIR`
(~500 MB of JSON).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

import cwfilter


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main():
    trail = Path(sys.argv[1]) / "AWSLogs"
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/cwfilter"
    rows = []

    def cli():
        return subprocess.run(
            [binary, "replay", "--format", "json", "--no-progress", str(trail)],
            capture_output=True, text=True, check=True,
        ).stdout

    cli()  # warm the page cache
    runs = [timed(cli) for _ in range(3)]
    expected = runs[0][0]
    cli_s = sorted(t for _, t in runs)[1]
    events = json.loads(expected)["inputs"]["events"]
    rows.append(("cwfilter replay (CLI), median of 3", cli_s))

    files = sorted(p for p in trail.rglob("*") if p.is_file())
    (objects, names), read_s = timed(
        lambda: (pa.array([p.read_bytes() for p in files], pa.binary()), [str(p) for p in files])
    )
    replay = cwfilter.Replay()
    partial, partial_s = timed(lambda: replay.partial(objects, names=names))
    report, merge_s = timed(lambda: cwfilter.merge([partial]).to_json())
    assert report == expected, "Python partial + merge differs from the CLI"
    rows.append(("Python: read files into a pyarrow array", read_s))
    rows.append(("Python: Replay.partial (one call, GIL released)", partial_s))
    rows.append(("Python: merge + to_json", merge_s))

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from cwfilter.spark import replay as spark_replay

    spark, session_s = timed(
        lambda: SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rows.append(("Spark local[2]: session start", session_s))
    for i in range(2):
        out, s = timed(lambda: spark_replay(spark, [str(trail)]).to_json())
        assert out == expected, "Spark differs from the CLI"
        rows.append((f"Spark local[2]: cwfilter.spark.replay, run {i + 1}", s))
    spark.stop()

    mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} files, {mb:.1f} MB gzip, {events} events; every route == CLI JSON")
    print("| step | wall s |")
    print("|---|---|")
    for name, s in rows:
        print(f"| {name} | {s:.2f} |")
    print(f"Python hop: {partial_s / events * 1e6:.2f} us/event in Replay.partial "
          f"vs {cli_s / events * 1e6:.2f} us/event for the whole CLI run")


if __name__ == "__main__":
    main()
