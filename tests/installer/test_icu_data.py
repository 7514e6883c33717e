"""The reduced ICU data library of the bundle (installer/icu_data.py)."""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path

import pytest

from installer.bundle_policy import icu_drop_reason
from installer.icu_data import (
    IcuDataError,
    Item,
    Package,
    exported_data,
    filter_library,
    filter_package,
    read_package,
    write_package,
)

needs_binutils = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not (shutil.which("as") and shutil.which("ld")),
    reason="needs Linux with binutils",
)


def header() -> bytes:
    """A common-data header as ICU writes one: MappedData, UDataInfo "CmnD", padding to 32."""
    info = struct.pack("<HHBBBB4s4s4s", 20, 0, 0, 0, 2, 0, b"CmnD", b"\x01\0\0\0", b"\x49\0\0\0")
    return (struct.pack("<HBB", 32, 0xDA, 0x27) + info).ljust(32, b"\0")


PACKAGE = Package(
    header(),
    (
        Item("icudt73l/coll/de.res", b"german collation"),
        Item("icudt73l/coll/ko.res", b"korean collation" * 3),
        Item("icudt73l/ibm-949_P110-1999.cnv", b"cp949"),
        Item("icudt73l/zone/ko.res", b"\x01" * 17),
    ),
)


def test_a_written_package_reads_back_item_for_item() -> None:
    # The format stores no item sizes: an item reads back with its padding.
    blob = write_package(PACKAGE)
    again = read_package(blob)
    assert [i.name for i in again.items] == [i.name for i in PACKAGE.items]
    assert all(a.data.startswith(i.data) for a, i in zip(again.items, PACKAGE.items, strict=True))
    assert write_package(again) == blob


def test_items_start_on_16_byte_boundaries_as_icu_needs() -> None:
    blob = write_package(PACKAGE)
    (count,) = struct.unpack_from("<I", blob, 32)
    offsets = [struct.unpack_from("<II", blob, 32 + 4 + 8 * i)[1] + 32 for i in range(count)]
    assert count == 4
    assert all(offset % 16 == 0 for offset in offsets)


def test_filtering_keeps_the_kiosk_languages_in_their_order() -> None:
    kept = filter_package(PACKAGE, icu_drop_reason)
    assert [item.name for item in kept.items] == ["icudt73l/coll/ko.res", "icudt73l/zone/ko.res"]
    assert kept.header == PACKAGE.header


def test_what_is_not_an_icu_package_is_refused() -> None:
    with pytest.raises(IcuDataError):
        read_package(b"\0" * 64)
    with pytest.raises(IcuDataError):
        exported_data(b"MZ not an ELF file")


def wheel_icu_data() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 has no ICU data library of its own")
    return found[0]


@needs_binutils
def test_the_wheels_package_is_rebuilt_byte_for_byte_when_nothing_is_left_out() -> None:
    _, blob = exported_data(wheel_icu_data().read_bytes())
    assert write_package(read_package(blob)) == blob


@needs_binutils
def test_the_rebuilt_library_exports_the_filtered_package_under_the_same_name(
    tmp_path: Path,
) -> None:
    source = wheel_icu_data()
    out = tmp_path / source.name
    done = filter_library(source, out, icu_drop_reason)
    symbol, blob = exported_data(out.read_bytes())
    names = [item.name for item in read_package(blob).items]
    assert symbol == exported_data(source.read_bytes())[0]
    assert len(names) == done.kept and done.dropped
    assert not [name for name in names if icu_drop_reason(name)]
    for needed in ("coll/ko.res", "zone/ko.res", "zone/en.res", "zoneinfo64.res", "cnvalias.icu"):
        assert any(name.endswith("/" + needed) for name in names), needed
    assert done.bytes_after < done.bytes_before / 4
