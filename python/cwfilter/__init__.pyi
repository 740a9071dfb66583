"""Type stubs of the cwfilter package."""

import os
from typing import Iterable, List, Optional, Sequence, Tuple, Union, overload

import pyarrow as pa

__version__: str

_Path = Union[str, "os.PathLike[str]"]

class Pattern:
    """A compiled CloudWatch Logs filter pattern.

    ``Pattern(text)`` raises ``ValueError`` with the caret diagnostic ``cwfilter parse``
    prints when ``text`` is not a valid pattern (CloudWatch would reject it).
    """

    def __init__(self, text: str) -> None: ...
    def matches(self, message: str) -> bool:
        """Whether the log event ``message`` matches, as CloudWatch Logs decides it."""
    def explain(self, message: str) -> str:
        """The verdict on ``message``, condition by condition (``cwfilter match --explain``)."""
    @property
    def text(self) -> str:
        """The pattern as written."""
    def __str__(self) -> str:
        """The canonical form of the pattern (``cwfilter parse``)."""

@overload
def match_array(pattern: Union[Pattern, str], array: pa.ChunkedArray) -> pa.ChunkedArray: ...
@overload
def match_array(pattern: Union[Pattern, str], array: pa.Array) -> pa.BooleanArray: ...
def match_array(pattern, array):
    """Evaluates ``pattern`` on every string of a pyarrow ``string``, ``large_string`` or
    ``string_view`` array in one call into Rust; nulls are non-matches (no nulls out)."""

class Replay:
    """A replay configuration (as the flags of ``cwfilter replay``), compiled once. It
    pickles as the texts of its files, so it can be shipped to Spark executors.

    ``config`` is one config file or a list of them (``--config``); without one, every
    detector of ``profile`` (``upstream`` or ``securityhub``). ``baseline`` and ``labels`` are
    files as ``--baseline`` and ``--labels``; ``since``/``until`` are dates (``YYYY-MM-DD``,
    inclusive) or RFC 3339 times. Raises ``ValueError`` on a bad configuration.
    """

    def __init__(
        self,
        config: Optional[Union[_Path, Sequence[_Path]]] = None,
        profile: str = "upstream",
        baseline: Optional[_Path] = None,
        labels: Optional[_Path] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
    ) -> None: ...
    def partial(
        self,
        objects: pa.Array,
        names: Optional[Union[Sequence[str], pa.Array]] = None,
        errors: Optional[Sequence[Tuple[str, str]]] = None,
    ) -> bytes:
        """Replays CloudTrail objects (a binary array of whole file contents, gzip or not)
        into a partial replay (docs/partials.md). ``names`` are what errors are reported
        under (``object[i]`` by default); a null object is an input error. ``errors`` are
        ``(path, message)`` input errors found before reading, recorded as such."""
    def may_hold(self, path: _Path) -> bool:
        """Whether an object at ``path`` may hold events in the window, from the date in its
        S3 key (the pruning ``cwfilter replay`` does before reading)."""

class Report:
    """A replay report: what ``cwfilter replay`` prints, in each of its formats."""

    def to_json(self) -> str:
        """``--format json``, byte for byte."""
    def to_html(self) -> str:
        """``--format html``."""
    def to_markdown(self) -> str:
        """``--format markdown``."""
    def to_csv(self) -> str:
        """``--format csv``."""
    def to_table(self) -> str:
        """``--format table`` (the CLI's default)."""
    @property
    def input_errors(self) -> List[Tuple[str, Optional[int], str]]:
        """The input errors listed in the report: ``(path, line or None, message)``."""
    @property
    def exit_code(self) -> int:
        """What ``cwfilter replay`` would exit with: 2 when an input could not be read or no
        CloudTrail record was found, else 0."""

def merge_partials(partials: Iterable[bytes]) -> bytes:
    """Merges partial replays into one partial replay, for merging in stages."""

def merge(partials: Iterable[bytes]) -> Report:
    """Merges partial replays (``Replay.partial`` bytes, or files of ``cwfilter replay
    --partial-out``) into the report one replay over all their inputs gives. Raises
    ``ValueError`` naming the partial when one is damaged or of another configuration."""
