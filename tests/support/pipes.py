"""Running a command into a pipe whose reader has already gone, as ``| head`` leaves it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence


def run_into_closed_pipe(
    module: str, args: Sequence[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m module args...`` with stdout a pipe nobody reads: every write breaks."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before the first byte, so the outcome does not depend on timing
    try:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
