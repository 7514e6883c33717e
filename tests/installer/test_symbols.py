"""Only binaries with a symbol table are stripped (installer/symbols.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from installer.symbols import carries_symbols, stripped_copy

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not (shutil.which("as") and shutil.which("strip")),
    reason="needs Linux with binutils",
)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    source = tmp_path / "lib.s"
    source.write_text("\t.globl answer\n\t.text\nanswer:\n\tret\n", encoding="ascii")
    subprocess.run(["as", "-o", str(tmp_path / "lib.o"), str(source)], check=True)
    out = tmp_path / "libanswer.so"
    subprocess.run(["ld", "-shared", "-o", str(out), str(tmp_path / "lib.o")], check=True)
    return out


def test_a_library_with_symbols_is_stripped_into_a_copy(library: Path, tmp_path: Path) -> None:
    before = library.read_bytes()
    out = tmp_path / "stripped" / library.name
    assert carries_symbols(library)
    stripped_copy(library, out)
    assert not carries_symbols(out)
    assert library.read_bytes() == before


def test_what_is_not_elf_carries_no_symbols(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a binary", encoding="utf-8")
    assert not carries_symbols(text)


def test_the_wheels_ffmpeg_libraries_come_stripped_and_are_left_alone() -> None:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libav*.so.*"))
    if not found:
        pytest.skip("this PySide6 ships no FFmpeg libraries")
    assert not [lib.name for lib in found if carries_symbols(lib)]
