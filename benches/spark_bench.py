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
from collections import Counter
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


# Warm runs of the Spark job after the session's first: the JVM keeps compiling the job's
# hot paths (Hadoop paths and URIs, Java serialisation of tasks, Arrow writers) over the first
# few, so the table shows each and the summary the two halves apart.
WARM = 6
# Then the session keeps running the job until it has run SETTLED warm jobs in all (the JIT's
# share falls from ~0.8 to ~0.25 CPU s per job by the tenth), and the steady state is measured
# in PAIRS: a CLI run, then a Spark job, back to back, so both see the same machine (these
# machines are noisy: the same job's wall time varies by a fifth from minute to minute). The
# ratio reported is the median of the pairs' ratios.
SETTLED = 12
PAIRS = 9


def jvm_pid():
    """The JVM the Spark session started (a child of this process), or None."""
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
                if int(text[text.rindex(")") + 2 :].split()[1]) == os.getpid():
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        if b"java" in f.read():
                            return int(entry)
    except OSError:
        pass
    return None


def cpu_split(jvm):
    """CPU seconds so far by where they went: the JVM's JIT compiler threads, its task
    threads, its GC threads, the rest of the JVM (driver: listing, planning, scheduling, task
    serialisation), this Python process (the driver's side) and the Python workers (the Rust
    replay); None without /proc."""
    if jvm is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    out = Counter()
    try:
        for t in os.listdir(f"/proc/{jvm}/task"):
            try:
                with open(f"/proc/{jvm}/task/{t}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            kind = ("JVM: JIT compiler" if "Compiler" in name
                    else "JVM: task threads" if name.startswith("Executor task")
                    else "JVM: GC" if name.startswith("GC Thread") or name.startswith("G1 ")
                    else "JVM: driver and the rest")
            out[kind] += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return None
    total = tree_cpu()
    with open(f"/proc/{jvm}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2 :].split()
    jvm_total = sum(int(x) for x in fields[11:13]) / tick
    own = time.process_time()
    # Threads that ended are in the JVM's total but not in its task list.
    out["JVM: driver and the rest"] += jvm_total - sum(out.values())
    out["Python driver (this process)"] = own
    out["Python workers (Rust replay)"] = total - jvm_total - own
    return out


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

    builder = (SparkSession.builder.master("local[2]")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    # CWF_SPARK_JAVA_OPTS: JVM options of the local driver (e.g. -XX:TieredStopAtLevel=1),
    # for comparing JIT settings; unset, the JVM's defaults.
    if os.environ.get("CWF_SPARK_JAVA_OPTS"):
        builder = builder.config("spark.driver.extraJavaOptions", os.environ["CWF_SPARK_JAVA_OPTS"])
    spark, session_s, session_cpu = timed(builder.getOrCreate, tree_cpu)
    spark.sparkContext.setLogLevel("ERROR")
    rows.append(("Spark local[2]: session start", session_s, session_cpu))
    jvm = jvm_pid()

    def spark_job():
        """One `cwfilter.spark.replay` job, checked against the CLI's report: wall s, CPU s
        and its CPU split (empty without /proc)."""
        before = cpu_split(jvm)
        out, s, c = timed(lambda: cs.replay(spark, [str(trail)]).to_json(), tree_cpu)
        after = cpu_split(jvm)
        assert out == expected, "Spark differs from the CLI"
        if after is None or before is None:
            return s, c, Counter()
        after.subtract(before)
        return s, c, after

    warm = []
    split = Counter()
    for i in range(1 + WARM):
        s, c, job_split = spark_job()
        if i == 0:
            rows.append(("Spark local[2]: cwfilter.spark.replay, first job of the session", s, c))
        else:
            warm.append((s, c))
            rows.append((f"Spark local[2]: cwfilter.spark.replay, warm run {i}", s, c))
            for k, v in job_split.items():
                split[(i > WARM // 2, k)] += v
    for _ in range(SETTLED - WARM):
        spark_job()
    pairs = []
    steady = Counter()
    for _ in range(PAIRS):
        out, cli_pair_s, cli_pair_cpu = timed(cli, children_cpu)
        assert out == expected, "the CLI's report changed"
        s, c, job_split = spark_job()
        pairs.append((cli_pair_s, s, cli_pair_cpu, c))
        steady.update(job_split)
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
    half = WARM // 2
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average (1 min) during the run: {', '.join(f'{x:.1f}' for x in loads)}")
    print(f"{len(files)} files ({len(listed)} read by Spark), {mb:.1f} MB gzip, {events} events; "
          "every route == CLI JSON")
    print("| step | wall s | CPU s |")
    print("|---|---|---|")
    for name, s, c in rows:
        print(f"| {name} | {s:.2f} | {'n/a' if c is None else f'{c:.2f}'} |")
    for label, runs in ((f"warm runs 1-{half}", warm[:half]),
                        (f"warm runs {half + 1}-{WARM}", warm[half:])):
        spark_s = statistics.median(s for s, _ in runs)
        cpus = [c for _, c in runs]
        spark_cpu = statistics.median(cpus) if None not in cpus and cli_cpu else None
        print(f"Spark local[2], {label} (median): {spark_s:.2f} s, {spark_s / cli_s:.2f}x the "
              f"CLI's wall time" + ("" if spark_cpu is None else
                                    f"; {spark_cpu:.2f} CPU s, {spark_cpu / cli_cpu:.2f}x its CPU time"))
    if split:
        print(f"CPU s per warm run by where it went (runs 1-{half} | runs {half + 1}-{WARM}):")
        for k in sorted({k for _, k in split}):
            print(f"| {k} | {split[(False, k)] / half:.2f} | {split[(True, k)] / (WARM - half):.2f} |")
    ratios = [s / c_s for c_s, s, _, _ in pairs]
    print(f"Steady state (warm jobs {SETTLED + 1} to {SETTLED + PAIRS}, each right after a CLI run): "
          f"CLI median {statistics.median(p[0] for p in pairs):.2f} s, Spark median "
          f"{statistics.median(p[1] for p in pairs):.2f} s; Spark / CLI wall time per pair: "
          f"median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
          + ("" if None in (p[2] for p in pairs) or None in (p[3] for p in pairs) else
             f"; CPU time per pair: median "
             f"{statistics.median(c / cc for _, _, cc, c in pairs):.2f}x"))
    print("| pair | CLI wall s | Spark wall s | ratio |")
    print("|---|---|---|---|")
    for i, (cli_s_i, s, _, _) in enumerate(pairs, 1):
        print(f"| {i} | {cli_s_i:.2f} | {s:.2f} | {s / cli_s_i:.2f}x |")
    if steady:
        print("CPU s per steady-state Spark job by where it went:")
        for k in sorted(steady):
            print(f"| {k} | {steady[k] / PAIRS:.2f} |")
    print(f"Python hop: {partial_s / events * 1e6:.2f} us/event in Replay.partial "
          f"vs {cli_s / events * 1e6:.2f} us/event for the whole CLI run")


if __name__ == "__main__":
    main()
