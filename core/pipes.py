"""A command whose reader goes away (``civic-kiosk-server category list | head``) ends quietly.

``head`` closes the pipe after its lines; the next write (or the final flush
at exit) then raises ``BrokenPipeError``, and Python prints a traceback for
something that is not an error at all. Both command-line programs run their
``main`` through ``quiet_when_the_reader_leaves``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# What a shell reports for a program a closed pipe stopped: 128 + SIGPIPE (13).
BROKEN_PIPE_EXIT = 141


def quiet_when_the_reader_leaves(run: Callable[[], int]) -> int:
    """``run()``'s exit code; ``BROKEN_PIPE_EXIT`` and no traceback if stdout's reader left."""
    try:
        code = run()
        # Flushed here, inside the try: otherwise the interpreter's own flush at
        # exit meets the closed pipe and prints "Exception ignored ...".
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_EXIT
    return code


def _silence_stdout() -> None:
    # Python's documented remedy: point stdout at devnull, so nothing left in
    # its buffer can fail again at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test's capture): nothing will flush it to a pipe
