"""A smaller ICU data library for the Linux bundle: the same library, less unreachable data.

The PySide6 wheels link libQt6Core against their own ICU, and its data
library (``libicudata.so.<N>``, 32 MB) is the largest file of the bundle. It
holds one ICU "common data" package: every locale's names, currencies, units,
collation and time-zone names, ~230 legacy charset tables, the word-break
dictionaries of Chinese, Japanese, Thai, Lao, Khmer and Burmese. Qt calls a
handful of ICU functions (case mapping, QCollator, QTimeZone names,
QStringConverter for legacy charsets), and the kiosk speaks Korean and
English. ``installer/bundle_policy.py`` (``icu_drop_reason``) decides which
items stay; this module rebuilds the library around them:

- the package is read from the library's ``icudt<N>_dat`` symbol, its table
  of contents filtered and written again (same header, same name order, items
  aligned to 16 bytes, as ICU's own ``icupkg`` writes it);
- the new package is assembled into a shared library with the same SONAME and
  the same single exported symbol, with ``as`` and ``ld`` from binutils, which
  a Linux PyInstaller build needs anyway (``strip``, ``objdump``).

ICU looks data up by name and falls back to the parent locale and then to
``root`` when an item is missing, so a left-out locale behaves like any
locale ICU has no data for.
"""

from __future__ import annotations

import itertools
import re
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA_LIBRARY = re.compile(r"^libicudata\.so\.(\d+)$")
_SYMBOL = re.compile(rb"^icudt\d+_dat$")
_ALIGN = 16
# UDataInfo.dataFormat of a common data package (ICU's udata.h, "CmnD").
_COMMON_DATA = b"CmnD"
_SHT_DYNSYM = 11
# What ICU's own package tool pads with, so that an unfiltered package is rebuilt byte for byte.
_PAD = b"\xaa"


class IcuDataError(Exception):
    """The library is not the ICU data library this module knows how to rebuild."""


@dataclass(frozen=True)
class Item:
    name: str  # e.g. "icudt73l/coll/ko.res"
    data: bytes


@dataclass(frozen=True)
class Package:
    header: bytes
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Filtered:
    kept: int
    dropped: tuple[str, ...]
    bytes_before: int
    bytes_after: int


def _align(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def exported_data(library: bytes) -> tuple[str, bytes]:
    """The ``icudt<N>_dat`` symbol of an ELF64 little-endian library and the bytes it names."""
    if library[:4] != b"\x7fELF" or library[4] != 2 or library[5] != 1:
        raise IcuDataError("not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", library, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", library, 0x3A)
    # (type, addr, offset, size, link) of every section
    sections = []
    for i in range(shnum):
        base = shoff + i * shentsize
        _, sh_type, _, addr, offset, size, link = struct.unpack_from("<IIQQQQI", library, base)
        sections.append((sh_type, addr, offset, size, link))
    for sh_type, _, offset, size, link in sections:
        if sh_type != _SHT_DYNSYM:
            continue
        strtab = sections[link][2]
        for entry in range(offset, offset + size, 24):
            st_name, _, _, st_shndx, st_value, st_size = struct.unpack_from(
                "<IBBHQQ", library, entry
            )
            end = library.index(b"\0", strtab + st_name)
            name = library[strtab + st_name : end]
            if _SYMBOL.match(name) and st_shndx < len(sections):
                _, sec_addr, sec_offset, _, _ = sections[st_shndx]
                start = st_value - sec_addr + sec_offset
                return name.decode("ascii"), library[start : start + st_size]
    raise IcuDataError("no icudt<N>_dat symbol: not an ICU data library")


def read_package(blob: bytes) -> Package:
    """Split an ICU common data package into its header and its items, in TOC order."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != _COMMON_DATA:
        raise IcuDataError("not an ICU common data package")
    if blob[8] != 0:
        raise IcuDataError("big-endian ICU data")
    if header_size % _ALIGN:
        raise IcuDataError(f"unexpected header size {header_size}")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    starts = [*sorted(toc + data for _, data in entries), len(blob)]
    ends = dict(itertools.pairwise(starts))
    items = []
    for name_offset, data_offset in entries:
        name_start = toc + name_offset
        name = blob[name_start : blob.index(b"\0", name_start)].decode("ascii")
        start = toc + data_offset
        items.append(Item(name, blob[start : ends[start]]))
    return Package(blob[:header_size], tuple(items))


def write_package(package: Package) -> bytes:
    """The package as ICU reads it: header, TOC (names in the original order), aligned items."""
    count = len(package.items)
    names = b"".join(item.name.encode("ascii") + b"\0" for item in package.items)
    toc_size = 4 + 8 * count
    name_offsets = []
    position = toc_size
    for item in package.items:
        name_offsets.append(position)
        position += len(item.name) + 1
    data = bytearray()
    data_offsets = []
    position = _align(toc_size + len(names))
    for item in package.items:
        data_offsets.append(position + len(data))
        data += item.data
        data += _PAD * (_align(len(data)) - len(data))
    toc = struct.pack("<I", count) + b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets, strict=True)
    )
    body = toc + names
    body += _PAD * (_align(len(body)) - len(body))
    return package.header + body + bytes(data)


def filter_package(package: Package, drop_reason: Callable[[str], str | None]) -> Package:
    return Package(
        package.header, tuple(item for item in package.items if drop_reason(item.name) is None)
    )


def assemble_library(blob: bytes, symbol: str, soname: str, out: Path) -> None:
    """A shared library exporting ``symbol`` (16-byte aligned, read-only) holding ``blob``."""
    with tempfile.TemporaryDirectory(prefix="icu-data-") as tmp:
        work = Path(tmp)
        (work / "data.bin").write_bytes(blob)
        (work / "data.s").write_text(
            "\t.section .rodata\n"
            f"\t.balign {_ALIGN}\n"
            f"\t.globl {symbol}\n"
            f"\t.type {symbol}, @object\n"
            f"{symbol}:\n"
            '\t.incbin "data.bin"\n'
            f"\t.size {symbol}, . - {symbol}\n"
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        _run(["as", "-o", "data.o", "data.s"], work)
        link = ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", str(out), "data.o"]
        _run(link, work)


def _run(command: Sequence[str], cwd: Path) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise IcuDataError(f"{command[0]} not found: install binutils") from exc
    except subprocess.CalledProcessError as exc:
        raise IcuDataError(f"{command[0]} failed: {exc.stderr.strip()}") from exc


def filter_library(source: Path, out: Path, drop_reason: Callable[[str], str | None]) -> Filtered:
    """Write to ``out`` the library ``source`` with only the items ``drop_reason`` keeps."""
    symbol, blob = exported_data(source.read_bytes())
    package = read_package(blob)
    kept = filter_package(package, drop_reason)
    data = write_package(kept)
    assemble_library(data, symbol, source.name, out)
    names = {item.name for item in kept.items}
    return Filtered(
        kept=len(kept.items),
        dropped=tuple(item.name for item in package.items if item.name not in names),
        bytes_before=len(blob),
        bytes_after=len(data),
    )
