"""Strip the bundle's binaries that carry symbols, and only those (Linux).

PyInstaller's ``strip=True`` runs ``strip`` on every collected binary. The
interpreter and some extension modules come with their symbol tables (pyenv's
libpython: 23 MB, 5.7 MB stripped), but the wheels' libraries are stripped
already, and stripping the FFmpeg libraries of PySide6 again breaks them:
their segments were laid out by patchelf, and ``strip`` rewrites them so that
the loader refuses the file ("ELF load command address/offset not
page-aligned"), which leaves Qt Multimedia with no backend and the kiosk with
no camera. So the spec strips a copy of each binary that has a ``.symtab``,
and leaves every other one byte for byte as its wheel ships it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

_ELF = b"\x7fELF"
_SHT_SYMTAB = 2


def carries_symbols(path: Path) -> bool:
    """Whether ``path`` is a 64-bit little-endian ELF file with a symbol table."""
    with path.open("rb") as fh:
        head = fh.read(64)
        if len(head) < 64 or head[:4] != _ELF or head[4] != 2 or head[5] != 1:
            return False
        shoff = struct.unpack_from("<Q", head, 0x28)[0]
        shentsize, shnum = struct.unpack_from("<HH", head, 0x3A)
        fh.seek(shoff)
        table = fh.read(shentsize * shnum)
    for i in range(len(table) // shentsize if shentsize else 0):
        (sh_type,) = struct.unpack_from("<I", table, i * shentsize + 4)
        if sh_type == _SHT_SYMTAB:
            return True
    return False


def stripped_copy(source: Path, out: Path) -> None:
    """``out``: ``source`` without its symbols (``strip``, as PyInstaller runs it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, out)
    out.chmod(0o755)
    subprocess.run(["strip", str(out)], check=True, capture_output=True)
