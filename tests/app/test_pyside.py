"""Modules imported after PySide6 keep no copy of their source (app/pyside.py).

PySide6's feature import hook asks of every module imported after it whether
its source mentions PySide6; it used to read the whole source into
``linecache`` to answer. The kiosk imports most of its domain after Qt, so
that was its sources in memory for good.
"""

from __future__ import annotations

import importlib
import linecache
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.pyside import mentions_pyside, spare_sources


@pytest.fixture
def module_dir(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))


def test_a_module_imported_after_qt_leaves_no_source_behind(module_dir: Path) -> None:
    import PySide6.QtCore  # noqa: F401 - the hook is installed with PySide6

    assert spare_sources()
    path = module_dir / "civic_after_qt.py"
    path.write_text("VALUE = 'imported after Qt'\n" + "# filler\n" * 2000, encoding="utf-8")
    module = importlib.import_module("civic_after_qt")
    try:
        assert module.VALUE == "imported after Qt"
        assert str(path) not in linecache.cache
    finally:
        sys.modules.pop("civic_after_qt", None)


def test_sources_read_before_the_hook_was_replaced_are_forgotten(module_dir: Path) -> None:
    import PySide6.QtCore  # noqa: F401 - the hook is installed with PySide6

    path = module_dir / "civic_read_before.py"
    path.write_text("VALUE = 1\n", encoding="utf-8")
    linecache.getlines(str(path))  # what the hook's inspect.getsource leaves behind
    generated = "<civic generated function>"  # no file: the cache is its only copy
    linecache.cache[generated] = (8, None, ["x = 1\n"], generated)
    try:
        assert spare_sources()
        assert str(path) not in linecache.cache
        assert linecache.getline(str(path), 1) == "VALUE = 1\n"  # read again when wanted
        assert linecache.getline(generated, 1) == "x = 1\n"
    finally:
        linecache.cache.pop(generated, None)


def test_the_hook_still_learns_which_modules_use_pyside(module_dir: Path) -> None:
    uses = module_dir / "civic_uses_qt.py"
    uses.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    plain = module_dir / "civic_plain.py"
    plain.write_text("X = 1\n", encoding="utf-8")
    assert mentions_pyside(importlib.import_module("civic_uses_qt"))
    assert not mentions_pyside(importlib.import_module("civic_plain"))
    assert not mentions_pyside(sys)  # built in: no file, as the hook's own test answers
    for name in ("civic_uses_qt", "civic_plain"):
        sys.modules.pop(name, None)
