"""python-escpos, loaded on first use with its printer database cached where the kiosk owns it.

On import, python-escpos reads its printer database (capabilities.json, a few
hundred ms) and caches it as a pickle in a directory named by
``ESCPOS_CAPABILITIES_PICKLE_DIR``, else in a fresh temporary directory on
every start. A pickle is code when loaded, so the cache must never sit in a
directory others can write (``/tmp`` itself): ``prepare`` gives it one of the
kiosk's own, made private. It also imports the library from the print worker,
never on the GUI thread or at start-up.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from types import ModuleType

CACHE_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_lock = threading.Lock()


def prepare(cache_dir: Path | None) -> None:
    """Name the printer-database cache directory (created owner-only) before the first import."""
    if cache_dir is None or CACHE_VARIABLE in os.environ:
        return
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    cache_dir.chmod(0o700)
    os.environ[CACHE_VARIABLE] = str(cache_dir)


def escpos_printers() -> ModuleType:
    """``escpos.printer`` (Dummy, Network, Usb, Serial), imported once, thread-safely."""
    with _lock:
        return importlib.import_module("escpos.printer")
