"""PySide6, imported so that the modules imported after it cost no more than before it.

PySide6 installs an import hook (``__feature__``, for its optional snake_case
and true_property modes) that asks of every module imported after it whether
its source mentions "PySide6". It asks through ``inspect.getsource``, which
reads the module's whole source into ``linecache`` and leaves it there for
good: in a source install ~0.2 ms and a few hundred kilobytes per module,
~10 MB for what the kiosk imports after Qt (SQLAlchemy's pieces, pydantic, the
sync client...). A bundle has no sources, so it never paid this.

``spare_sources`` answers the same question by reading the file once, with
nothing kept, so that the kiosk can import what its home screen does not need
after the home screen is painted without growing by the size of its sources.
It also drops the sources the hook read before it was replaced: whatever was
imported between PySide6 and this module (PySide6's own start, and in the
start-up benchmarks' probe, which imports Qt before ``app.launch``, every
standard module ``app.launch`` names: ~2 MB, typing.py and inspect.py among
them). ``linecache`` reads a file again if a traceback ever wants its lines.
If a PySide6 release names things differently, nothing is changed (and the
kiosk still works, at the old cost).
"""

from __future__ import annotations

import linecache
import logging
import sys
from types import ModuleType

import PySide6  # noqa: F401 - installs the hook this module quietens

log = logging.getLogger(__name__)

FEATURE_MODULES = ("PySide6.support.feature", "shibokensupport.feature")


def mentions_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6 (the hook's own test), keeping nothing."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # compiled, frozen or built in: the hook's getsource fails on them too
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def spare_sources() -> bool:
    """Replace the hook's source test with ``mentions_pyside`` and forget the sources it
    read so far; False if it was not found."""
    replaced = False
    for name in FEATURE_MODULES:
        feature = sys.modules.get(name)
        if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
            feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
            replaced = True
    if not replaced:
        log.debug("PySide6's feature import hook not found; modules keep their sources")
        return False
    forget_file_sources()
    return True


def forget_file_sources() -> None:
    """Drop the cached lines of files on disk; keep sources that exist only in the cache.

    A name in angle brackets (``<string>``, SQLAlchemy's generated functions) has
    no file to be read again from, so it stays.
    """
    for name in [name for name in linecache.cache if not name.startswith("<")]:
        linecache.cache.pop(name, None)


spare_sources()
