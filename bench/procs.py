"""CPU time of a server under test, read from /proc (Linux): the benchmarks run there."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(session_id: int) -> float:
    """User + system CPU seconds of every live process in session ``session_id``.

    A server started with ``start_new_session=True`` leads its own session, so
    this counts it and every worker it forked, and nothing of the benchmark.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = text[text.rindex(")") + 2 :].split()
        # After the name: state ppid pgrp session ... utime (12th) stime (13th).
        if int(fields[3]) == session_id:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS
