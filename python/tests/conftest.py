"""Shared fixtures: the repository root and the `cwfilter` binary the CLI comparisons run."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cwfilter_bin() -> Path:
    """The CLI built by `cargo build` (or $CWFILTER_BIN): the tests compare against it, so
    its absence is a failure, not a skip."""
    path = Path(os.environ.get("CWFILTER_BIN", REPO / "target" / "debug" / "cwfilter"))
    assert path.is_file(), f"{path} not found: run `cargo build` first or set CWFILTER_BIN"
    return path


@pytest.fixture(scope="session")
def run_cli(cwfilter_bin):
    def run(*args, check_codes=(0,)):
        r = subprocess.run(
            [str(cwfilter_bin), *map(str, args)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert r.returncode in check_codes, r.stderr
        return r

    return run
