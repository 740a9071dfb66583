"""The cost of the Python binding and of Spark against the CLI, on one trail (docs/benchmarks.md,
"Python and Spark"). Not a test: it prints wall and CPU times and checks that every route gives
the CLI's JSON report byte for byte.

    python benches/spark_bench.py TRAIL_DIR [CWFILTER_BINARY]

From a clone (docs/benchmarks.md has the same commands):

    cargo build --release --locked
    python3 -m venv target/py-venv
    target/py-venv/bin/pip install -r python/requirements-ci.txt
    (cd python && VIRTUAL_ENV=$PWD/../target/py-venv ../target/py-venv/bin/maturin develop --release --locked)
    target/release/cwfilter synth --days 9 --events-per-day 45000 --seed 3 --out /tmp/sparkbench/trail
    target/py-venv/bin/python benches/spark_bench.py /tmp/sparkbench/trail target/release/cwfilter

Needs Java 17 for Spark. "CPU s" is user + system time of every process involved (for Spark:
this Python, the JVM it starts and the Python workers the JVM forks, read from /proc; Linux
only), which load from other jobs on the machine does not inflate as it does wall time.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

import cwfilter


def tree_cpu(root=None):
    """CPU seconds (user + system, with reaped children) of a process and its descendants,
    from /proc; None where there is no /proc."""
    root = root or os.getpid()
    try:
        tick = os.sysconf("SC_CLK_TCK")
        children = {}
        stats = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
            except OSError:
                continue  # exited meanwhile
            # Fields after the command name (which may hold spaces): state ppid ... utime
            # stime cutime cstime are the 12th to 15th.
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    except OSError:
        return None
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += sum(int(x) for x in stats[pid][11:15])
        todo.extend(children.get(pid, []))
    return total / tick


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(f, cpu=time.process_time):
    c0, t0 = cpu(), time.perf_counter()
    out = f()
    t1, c1 = time.perf_counter(), cpu()
    return out, t1 - t0, (None if c0 is None or c1 is None else c1 - c0)


def load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main():
    trail = Path(sys.argv[1]) / "AWSLogs"
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/cwfilter"
    rows = []
    loads = [load()]

    def cli():
        return subprocess.run(
            [binary, "replay", "--format", "json", "--no-progress", str(trail)],
            capture_output=True, text=True, check=True,
        ).stdout

    cli()  # warm the page cache
    runs = [timed(cli, children_cpu) for _ in range(3)]
    expected = runs[0][0]
    cli_s = statistics.median(s for _, s, _ in runs)
    cli_cpu = statistics.median(c for _, _, c in runs)
    events = json.loads(expected)["inputs"]["events"]
    rows.append(("cwfilter replay (CLI), median of 3", cli_s, cli_cpu))

    files = sorted(p for p in trail.rglob("*") if p.is_file())
    (objects, names), read_s, read_cpu = timed(
        lambda: (pa.array([p.read_bytes() for p in files], pa.binary()), [str(p) for p in files])
    )
    replay = cwfilter.Replay()
    partial, partial_s, partial_cpu = timed(lambda: replay.partial(objects, names=names))
    report, merge_s, merge_cpu = timed(lambda: cwfilter.merge([partial]).to_json())
    assert report == expected, "Python partial + merge differs from the CLI"
    rows.append(("Python: read files into a pyarrow array", read_s, read_cpu))
    rows.append(("Python: Replay.partial (one call, GIL released)", partial_s, partial_cpu))
    rows.append(("Python: merge + to_json", merge_s, merge_cpu))
    loads.append(load())

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import cwfilter.spark as cs

    spark, session_s, session_cpu = timed(
        lambda: SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate(),
        tree_cpu,
    )
    spark.sparkContext.setLogLevel("ERROR")
    rows.append(("Spark local[2]: session start", session_s, session_cpu))
    warm = []
    for i in range(4):
        out, s, c = timed(lambda: cs.replay(spark, [str(trail)]).to_json(), tree_cpu)
        assert out == expected, "Spark differs from the CLI"
        if i == 0:
            rows.append(("Spark local[2]: cwfilter.spark.replay, first job of the session", s, c))
        else:
            warm.append((s, c))
            rows.append((f"Spark local[2]: cwfilter.spark.replay, warm run {i}", s, c))
    loads.append(load())
    # Where a warm run's time goes: the listing (driver and JVM; no content read) and the
    # replay job it leaves (reading, Arrow to the Python workers, Replay.partial, collect).
    with cs._settings(spark, cs._job_settings(spark)):
        (listed, _, df), list_s, list_cpu = timed(
            lambda: cs._list_inputs(spark, [str(trail)], cwfilter.Replay()), tree_cpu
        )
        with cs._settings(spark, cs._split(spark, df, len(listed))):
            parts = df.rdd.getNumPartitions()
            _, read_only_s, read_only_cpu = timed(
                lambda: df.selectExpr("sum(length(content))").collect(), tree_cpu
            )
    rows.append(("Spark, warm: listing and pruning only (cwfilter.spark._list_inputs)", list_s,
                 list_cpu))
    rows.append((f"Spark, warm: reading the contents in the JVM only, {parts} partitions",
                 read_only_s, read_only_cpu))
    spark.stop()
    loads.append(load())

    mb = sum(p.stat().st_size for p in files) / 1e6
    spark_s = statistics.median(s for s, _ in warm)
    cpus = [c for _, c in warm]
    spark_cpu = statistics.median(cpus) if None not in cpus and cli_cpu else None
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average (1 min) during the run: {', '.join(f'{x:.1f}' for x in loads)}")
    print(f"{len(files)} files ({len(listed)} read by Spark), {mb:.1f} MB gzip, {events} events; "
          "every route == CLI JSON")
    print("| step | wall s | CPU s |")
    print("|---|---|---|")
    for name, s, c in rows:
        print(f"| {name} | {s:.2f} | {'n/a' if c is None else f'{c:.2f}'} |")
    print(f"Spark local[2], warm (median of {len(warm)}): {spark_s / cli_s:.2f}x the CLI's wall "
          f"time" + ("" if spark_cpu is None else f", {spark_cpu / cli_cpu:.2f}x its CPU time"))
    print(f"Python hop: {partial_s / events * 1e6:.2f} us/event in Replay.partial "
          f"vs {cli_s / events * 1e6:.2f} us/event for the whole CLI run")


if __name__ == "__main__":
    main()
