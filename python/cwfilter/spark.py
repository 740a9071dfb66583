"""The replay on Apache Spark: the same report as ``cwfilter replay``, computed by a cluster.

Spark lists and distributes the CloudTrail objects; each partition is replayed by cwfilter's
Rust core into a partial replay (``mapInArrow``: one small partial per partition, counts per
period, not events); the driver merges the partials and simulates the alarms once.

Objects are read as bytes (``binaryFile``), never through ``spark.read.json``, which re-orders
keys and drops explicit nulls (``IS NULL`` versus ``NOT EXISTS``) and hides the 256 KB rule.

From a notebook::

    from cwfilter.spark import replay
    report = replay(spark, ["s3a://bucket/AWSLogs/"], config="server.yaml",
                    since="2025-01-06", until="2025-01-19")
    print(report.to_markdown())

From a shell (the Spark master comes from ``spark-submit``, ``PYSPARK_SUBMIT_ARGS`` or the
cluster's defaults)::

    python -m cwfilter.spark replay --config server.yaml --format json s3a://bucket/AWSLogs/
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import Replay, Report, merge, merge_partials

__all__ = ["replay", "main"]

_Paths = Union[str, Sequence[str]]


def _cli_name(uri: str) -> str:
    """The name the CLI gives a file: a ``file:`` URI is the plain path (so local runs compare
    byte for byte with ``cwfilter replay``); other URIs (``s3a://``, ``hdfs://``) stay."""
    if uri.startswith("file://"):
        return uri[len("file://") :]
    if uri.startswith("file:"):
        return uri[len("file:") :]
    return uri


# What the CLI's walk never reads below a named directory, besides hidden entries: digest
# directories (integrity proofs, not events) and a trail's labels file.
_DIGEST_DIR = "CloudTrail-Digest"
_LABELS_FILE = "labels.jsonl"


def _skipped(relative: str) -> bool:
    """The CLI's walk rules below a named directory: hidden entries, ``CloudTrail-Digest``
    directories and ``labels.jsonl`` files are not read."""
    # Most keys hold none of the three: decided without splitting (a listing's loop over
    # thousands of keys runs on the driver while the cores wait).
    if "/." not in "/" + relative and _DIGEST_DIR not in relative and _LABELS_FILE not in relative:
        return False
    parts = [p for p in relative.split("/") if p]
    if any(p.startswith(".") or p == _DIGEST_DIR for p in parts):
        return True
    return bool(parts) and parts[-1] == _LABELS_FILE


def _qualified(spark, path: str) -> Tuple[str, bool, Optional[str]]:
    """(the path as Spark names it, whether it exists, error message if it cannot be read)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    jpath = jvm.org.apache.hadoop.fs.Path(path)
    try:
        fs = jpath.getFileSystem(conf)
        qualified = fs.makeQualified(jpath).toString()
        if not fs.exists(jpath):
            return qualified, False, "No such file or directory (os error 2)"
        return qualified, True, None
    except Exception as e:  # noqa: BLE001 - any filesystem failure is an input error
        return path, False, _reason(e)


def _reason(e: Exception) -> str:
    """What went wrong, in the filesystem's words: a Java exception's short class name and
    message (``UnknownStoreException: s3a://no-such-bucket/AWSLogs``: the message alone is often
    just the path; Py4J's own first line is only "An error occurred while calling
    o52.getFileSystem.")."""
    java = getattr(e, "java_exception", None)
    if java is not None:
        try:
            name = java.getClass().getSimpleName()
            message = (java.getMessage() or "").strip()
            text = f"{name}: {message}" if message else name
        except Exception:  # noqa: BLE001 - the gateway itself failed: Python's text below
            text = None
        if text:
            return text.splitlines()[0]
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


# Separates paths crossing the Py4J bridge in one string: a NUL is in no path or S3 key.
_SEP = "\0"


def _from_jvm(spark, jarray) -> List[str]:
    """A Java ``String[]`` as a Python list, in one Py4J call (iterating it costs a call per
    element: a second for 5,000 paths on a busy machine)."""
    jvm = spark.sparkContext._jvm
    if len(jarray) == 0:
        return []
    return jvm.org.apache.hadoop.util.StringUtils.join(_SEP, jarray).split(_SEP)


def _to_jvm(spark, strings: Sequence[str]):
    """A Python list of paths as a Java ``String[]``, in one Py4J call (converting a list costs
    a call per element)."""
    jvm = spark.sparkContext._jvm
    return jvm.java.util.regex.Pattern.compile(_SEP).split(_SEP.join(strings))


# Local objects are read as the CLI reads them, as plain files: through Hadoop's
# RawLocalFileSystem, not the default `file:` filesystem (LocalFileSystem, a checksum file
# system), which looks for a `.crc` sibling every time it opens an object and reads through a
# checksum verifier (1.36 instead of 1.13 JVM CPU s listing and reading the benchmark trail's
# 5,184 objects), and failed the job on a stale `.crc` beside an object the CLI reads. These
# are options of the read (they reach the Hadoop configuration of its listing and of its
# tasks), never of the session. Hadoop caches one filesystem per scheme, and the cached
# `file:` one is the session's: the read bypasses the cache for `file:` (a RawLocalFileSystem
# is a plain object, cheap to make). Only `file:` paths are affected; a session that names its
# own `fs.file.impl` keeps it.
_RAW_LOCAL = {
    "fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
    "fs.file.impl.disable.cache": "true",
}


def _read_options(spark) -> dict:
    """The Hadoop options of a ``binaryFile`` read: :data:`_RAW_LOCAL` unless the session
    configures the ``file:`` filesystem itself."""
    try:
        conf = spark._jsparkSession.sessionState().newHadoopConf()
    except Exception:  # noqa: BLE001 - a session without a JVM state: the context's conf
        conf = spark.sparkContext._jsc.hadoopConfiguration()
    if conf.get("fs.file.impl") is not None:
        return {}
    return dict(_RAW_LOCAL)


def _load(spark, paths: Sequence[str], options: Optional[dict] = None):
    """The ``binaryFile`` DataFrame of every file below ``paths`` (Spark's recursive listing,
    with no partition inference from directory names), read with the Hadoop ``options``
    (:func:`_read_options`)."""
    reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    for k, v in (options or {}).items():
        reader = reader.option(k, v)
    return reader._df(reader._jreader.load(_to_jvm(spark, paths)))


def _cover(root_of: dict, kept: List[str], listed: List[str]) -> List[str]:
    """The fewest paths whose recursive listings hold exactly ``kept`` out of ``listed``: the
    highest directory (not above the root the file was listed under, ``root_of``) with no
    dropped file below it, else the file itself. Listing a day's directory (or the root, when
    nothing is pruned) instead of naming its objects one by one spares Spark a check and a
    stat per object (5,184 paths took 5 s to load on two busy cores; an S3 request each on S3)."""
    kept_set = set(kept)
    # Every directory holding a dropped file, as a prefix of the listed URIs.
    spoiled = set()
    for uri in listed:
        if uri not in kept_set:
            d = uri
            while "/" in d:
                d = d[: d.rindex("/")]
                if d in spoiled:
                    break
                spoiled.add(d)
    cover = set()
    for uri in kept:
        root = root_of[uri]
        if len(uri) == len(root):  # a file named as a root
            cover.add(uri)
            continue
        # Walk down from the root: the first directory with nothing dropped below it.
        choice, d = uri, root
        while True:
            if d not in spoiled:
                choice = d
                break
            nxt = uri.find("/", len(d) + 1)
            if nxt < 0:
                break
            d = uri[:nxt]
        cover.add(choice)
    # A path below another listed one (nested roots) would be read twice.
    ordered = sorted(cover)
    out: List[str] = []
    for c in ordered:
        if not out or not (c == out[-1] or c.startswith(out[-1] + "/")):
            out.append(c)
    return out


def _list_inputs(spark, paths: Sequence[str], rep: Replay):
    """What to read: ``(files, errors, df)``. ``files`` are the objects to read (as Spark names
    them, sorted), with the CLI's discovery rules and the S3-key date pruning of
    ``--since``/``--until``; ``errors`` the paths that could not be listed; ``df`` the
    ``binaryFile`` DataFrame of exactly ``files`` (None when there is nothing to read): the
    listing's own when nothing was dropped, else one over the fewest directories that hold
    ``files`` and nothing else (one listing each, not a stat per object)."""
    keep: List[str] = []
    errors: List[Tuple[str, str]] = []
    roots = []
    for p in paths:
        qualified, exists, error = _qualified(spark, p)
        if not exists:
            errors.append((p, error or "cannot be read"))
        else:
            roots.append(qualified.rstrip("/"))
    if not roots:
        return keep, errors, None
    # The file index alone (no job, no content read): Spark's own recursive listing.
    options = _read_options(spark)
    listing = _load(spark, roots, options)
    listed = _from_jvm(spark, listing._jdf.inputFiles())
    plain_roots = [_cli_name(r) for r in roots]
    seen = set()
    unique: List[str] = []
    root_of = {}
    for uri in listed:
        if uri in seen:
            continue
        seen.add(uri)
        unique.append(uri)
        # Spark may spell a URI differently from the qualified root (`file:///x`, `file:/x`).
        plain = _cli_name(uri)
        root = next((r for r in plain_roots if plain == r or plain.startswith(r + "/")), None)
        relative = plain[len(root) :] if root is not None else ""
        named = root is not None and relative == ""
        # Files named explicitly are always read, as in the CLI; found ones are pruned.
        if not named and (_skipped(relative) or not rep.may_hold(plain)):
            continue
        keep.append(uri)
        # The root in the URI's spelling (None: Spark listed it under no root; read it alone).
        root_of[uri] = uri[: len(uri) - len(relative)] if root is not None else uri
    keep.sort()
    if not keep:
        return keep, errors, None
    cover = _cover(root_of, keep, unique)
    distinct_roots = sorted(set(plain_roots))
    if len(distinct_roots) == len(roots) and sorted(map(_cli_name, cover)) == distinct_roots:
        return keep, errors, listing
    return keep, errors, _load(spark, cover, options)


def _replay_partitions(rep: Replay):
    """The ``mapInArrow`` function: every batch of (path, content) of a partition into one
    partial replay."""

    def replay_partition(batches: Iterator) -> Iterator:
        import pyarrow as pa

        partials = []
        for batch in batches:
            names = [_cli_name(p) for p in batch.column("path").to_pylist()]
            partials.append(rep.partial(batch.column("content"), names=names))
        if partials:
            merged = partials[0] if len(partials) == 1 else merge_partials(partials)
            yield pa.RecordBatch.from_arrays([pa.array([merged], pa.binary())], names=["partial"])

    return replay_partition


def replay(
    spark,
    paths: _Paths,
    config=None,
    profile: str = "upstream",
    baseline=None,
    labels=None,
    since: Optional[str] = None,
    until: Optional[str] = None,
) -> Report:
    """Replays the CloudTrail objects under ``paths`` (any Hadoop filesystem: ``s3a://``,
    ``file://``, ``hdfs://``; directories are read recursively) on the Spark session
    ``spark`` and returns the report ``cwfilter replay`` gives over the same files. The
    options are those of :class:`cwfilter.Replay` (files are read on the driver and shipped
    to the executors). A corrupt object is an input error of the report (``exit_code`` 2),
    and the job still finishes."""
    if isinstance(paths, str):
        paths = [paths]
    rep = Replay(
        config=config,
        profile=profile,
        baseline=baseline,
        labels=labels,
        since=since,
        until=until,
    )
    import pyarrow as pa

    with _settings(spark, _job_settings(spark)):
        files, errors, df = _list_inputs(spark, list(paths), rep)
        # The driver's own partial carries the listing errors, and makes an empty input a
        # report with no files (as the CLI's) rather than nothing to merge.
        partials = [rep.partial(pa.array([], pa.binary()), names=[], errors=errors)]
        if df is not None:
            with _settings(spark, _split(spark, df, len(files))):
                out = df.select("path", "content").mapInArrow(
                    _replay_partitions(rep), "partial binary"
                )
                partials += [bytes(row["partial"]) for row in out.collect()]
    return merge(partials)


# What Spark counts a file as, besides its bytes, when it fills partitions (its default is
# 4 MB, for Parquet files): CloudTrail objects are small, and opening one costs less than
# replaying 64 KB of gzip.
_OPEN_COST = 64 * 1024
# The most bytes (gzip, plus the open cost of each object) a partition gets: some 20 seconds of
# replay on one core (the benchmark replays 50 MB of gzip per CPU second). Bigger trails get
# more partitions than cores, and more partials.
_MAX_PARTITION = 1 << 30
# The most bytes of objects in one Arrow batch to a Python worker (see _job_settings).
_BATCH_BYTES = 4 << 20


def _job_settings(spark) -> dict:
    """The Spark SQL settings of a replay, applied for its duration only."""
    # Spark lists more than 32 explicit paths (directories of days, say) in a job of one task
    # per path, up to this setting: a few tasks per core is enough (thousands of tiny tasks
    # cost seconds).
    return {
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": str(
            max(1, 2 * spark.sparkContext.defaultParallelism)
        ),
        "spark.sql.files.openCostInBytes": str(_OPEN_COST),
        # Arrow batches of a few MB, not Spark's 64 MB: the Python worker replays a batch while
        # the JVM reads the next objects (on S3 it would otherwise wait for 64 MB of GETs), and
        # the JVM fills small buffers instead of growing big ones (its task threads: 0.41
        # against 0.58 CPU s per job on the benchmark trail, docs/benchmarks.md). Spark 4's
        # setting; older versions ignore it.
        "spark.sql.execution.arrow.maxBytesPerBatch": str(_BATCH_BYTES),
    }


def _split(spark, df, files: int) -> dict:
    """The settings of :func:`_partitioning` for reading ``df`` (``files`` objects; their
    total size comes from Spark's file index, no request)."""
    size = int(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes())
    return _partitioning(spark.sparkContext.defaultParallelism, files, size)


def _partitioning(cores: int, files: int, size: int) -> dict:
    """The settings that split ``files`` objects of ``size`` bytes in all into one partition
    per core (``cores``: the default parallelism), or into partitions of at most
    ``_MAX_PARTITION``. Each partition is a Python task, a replay setup and a partial to
    serialise, collect and merge, and two partitions per core left the last task alone on a
    core; Spark's own split (128 MB at most, and a fragment) gave 4 tasks of 128, 128, 128 and
    50 MB for 2 cores on the 94 MB benchmark trail (objects plus open costs)."""
    cores = max(1, cores)
    total = size + files * _OPEN_COST
    # Spark closes a partition when the next object would overflow it: one average object's
    # worth of room (four, for the unevenly sized) keeps the remainder from making a
    # partition of its own.
    room = _OPEN_COST + 4 * (size // max(1, files))
    split = min(_MAX_PARTITION, max(_OPEN_COST, -(-total // cores) + room))
    return {
        "spark.sql.files.maxPartitionBytes": str(split),
        # Spark would otherwise shrink partitions to the total over the default parallelism.
        "spark.sql.files.minPartitionNum": "1",
    }


@contextmanager
def _settings(spark, settings: dict):
    """Sets Spark SQL ``settings`` for the ``with`` block and restores the session's own
    values (or their absence) after it, whatever happens."""
    before = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def _print_errors(report: Report) -> None:
    for path, line, message in report.input_errors:
        where = f"{path}:{line}" if line is not None else path
        print(f"cwfilter: {where}: {message}", file=sys.stderr)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """``python -m cwfilter.spark replay [flags] PATH...``: the flags of ``cwfilter replay``
    that a cluster run needs; prints the report on stdout (or ``-o FILE``) and exits as the
    CLI does (2 when an input could not be read or held no CloudTrail record)."""
    parser = argparse.ArgumentParser(
        prog="python -m cwfilter.spark",
        description="Replay recorded CloudTrail on Apache Spark (cwfilter replay's report).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("replay", help="replay CloudTrail objects and print the report")
    r.add_argument("--config", action="append", metavar="FILE", help="a config file (repeatable)")
    r.add_argument("--profile", default="upstream", help="upstream (default) or securityhub")
    r.add_argument("--baseline", metavar="FILE", help="an older config to compare against")
    r.add_argument("--labels", metavar="FILE", help="ground truth, JSON Lines")
    r.add_argument("--since", metavar="WHEN", help="first day (YYYY-MM-DD) or RFC 3339 time")
    r.add_argument("--until", metavar="WHEN", help="last day (YYYY-MM-DD) or RFC 3339 time")
    r.add_argument(
        "--format", default="table", choices=["table", "json", "csv", "markdown", "html"]
    )
    r.add_argument("-o", "--output", metavar="FILE", help="write the report here")
    r.add_argument("paths", nargs="+", metavar="PATH", help="CloudTrail files or directories")
    args = parser.parse_args(None if argv is None else list(argv))

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("cwfilter replay").getOrCreate()
    try:
        report = replay(
            spark,
            args.paths,
            config=args.config,
            profile=args.profile,
            baseline=args.baseline,
            labels=args.labels,
            since=args.since,
            until=args.until,
        )
    except ValueError as e:
        print(f"cwfilter: {e}", file=sys.stderr)
        return 2
    _print_errors(report)
    text = getattr(report, f"to_{args.format}")()
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if report.exit_code == 2 and not report.input_errors:
        print(f"cwfilter: no CloudTrail records found in {', '.join(args.paths)}", file=sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
