"""An X server of our own: Xvfb, for the tests and benches that need a real display."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def xvfb(*sizes: str) -> Iterator[str]:
    """Xvfb with one screen per ``"WxH"`` size; its display name, ``":N"``.

    ``-displayfd``: the server picks a free display and writes its number once it
    accepts clients, so parallel runs never collide on a display number.
    Raises FileNotFoundError when Xvfb is not installed.
    """
    binary = shutil.which("Xvfb")
    if binary is None:
        raise FileNotFoundError("Xvfb")
    read, write = os.pipe()
    screens = [arg for i, size in enumerate(sizes) for arg in ("-screen", str(i), f"{size}x24")]
    server = subprocess.Popen(
        [binary, "-displayfd", str(write), "-nolisten", "tcp", *screens],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
