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


def _skipped(relative: str) -> bool:
    """The CLI's walk rules below a named directory: hidden entries, ``CloudTrail-Digest``
    directories (integrity proofs, not events) and ``labels.jsonl`` files are not read."""
    parts = [p for p in relative.split("/") if p]
    if any(p.startswith(".") or p == "CloudTrail-Digest" for p in parts):
        return True
    return bool(parts) and parts[-1] == "labels.jsonl"


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
        return path, False, str(e).splitlines()[0] if str(e) else type(e).__name__


def _list_inputs(spark, paths: Sequence[str], rep: Replay) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The objects to read (as Spark names them) and the paths that could not be listed,
    with the CLI's discovery rules and the S3-key date pruning of ``--since``/``--until``."""
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
        return keep, errors
    listed = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(roots)
        .select("path")  # no content read while listing
        .collect()
    )
    seen = set()
    for row in listed:
        uri = row["path"]
        if uri in seen:
            continue
        seen.add(uri)
        root = next((r for r in roots if uri == r or uri.startswith(r + "/")), None)
        relative = uri[len(root) :] if root is not None else ""
        named = root is not None and relative == ""
        # Files named explicitly are always read, as in the CLI; found ones are pruned.
        if not named and (_skipped(relative) or not rep.may_hold(_cli_name(uri))):
            continue
        keep.append(uri)
    keep.sort()
    return keep, errors


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

    files, errors = _list_inputs(spark, list(paths), rep)
    # The driver's own partial carries the listing errors, and makes an empty input a report
    # with no files (as the CLI's) rather than nothing to merge.
    partials = [rep.partial(pa.array([], pa.binary()), names=[], errors=errors)]
    if files:
        # Spark stats an explicit list of files in a job of one task per file, up to this
        # setting: a few tasks per core is enough (thousands of tiny tasks cost seconds).
        key = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
        before = spark.conf.get(key, None)
        spark.conf.set(key, str(max(1, 2 * spark.sparkContext.defaultParallelism)))
        try:
            df = spark.read.format("binaryFile").load(files).select("path", "content")
        finally:
            if before is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, before)
        out = df.mapInArrow(_replay_partitions(rep), "partial binary")
        partials += [bytes(row["partial"]) for row in out.collect()]
    return merge(partials)


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
