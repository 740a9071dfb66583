"""cwfilter: Amazon CloudWatch Logs filter patterns, evaluated offline exactly as AWS does,
and replays of recorded CloudTrail through CloudWatch metric-filter detectors and alarms.

The semantics live in the Rust library ``cwfilter``; this package is a thin binding of it.
Arrays cross into Rust through the Arrow C Data Interface, and the GIL is released while Rust
works.
"""

from __future__ import annotations

from typing import Union

from ._native import Pattern, Replay, Report, merge, merge_partials, __version__
from ._native import _match_array

__all__ = [
    "Pattern",
    "Replay",
    "Report",
    "match_array",
    "merge",
    "merge_partials",
    "__version__",
]


def match_array(pattern: Union[Pattern, str], array):
    """Evaluates ``pattern`` on every string of ``array`` (a pyarrow ``string``,
    ``large_string`` or ``string_view`` array, or a ``ChunkedArray`` of one) in one call into
    Rust, and returns a ``pyarrow.BooleanArray`` of the same length (a ``ChunkedArray`` for a
    ``ChunkedArray``). Null inputs are non-matches: the result has no nulls.

    ``pattern`` is a :class:`Pattern` or its text (compiled once per call).
    """
    import pyarrow as pa

    if isinstance(pattern, str):
        pattern = Pattern(pattern)
    if isinstance(array, pa.ChunkedArray):
        return pa.chunked_array(
            [match_array(pattern, chunk) for chunk in array.chunks], type=pa.bool_()
        )
    schema, result = _match_array(pattern, array)
    return pa.Array._import_from_c_capsule(schema, result)
