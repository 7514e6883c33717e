"""The Hangul font we ship, registered with Qt at start.

A kiosk image may have no Korean font at all (a stock Windows or Debian
install has none, or one Qt does not pick), and then every Hangul syllable is
an empty box. So the kiosk brings its own: NanumSquare (OFL, see
``assets/fonts/README.md``), registered from the package data so it works
the same from a source tree, a wheel or a frozen bundle.
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtGui import QFontDatabase

from assets import asset

__all__ = ["FAMILY", "FONT_FILES", "load_fonts"]

FAMILY: Final = "NanumSquare"
FONT_FILES: Final = ("NanumSquareR.ttf", "NanumSquareB.ttf")

log = logging.getLogger(__name__)

# Font ids of this process's QGuiApplication; Qt forgets them with the application.
_loaded: list[int] = []


def load_fonts() -> str:
    """Register the bundled fonts (once) and return their family name.

    Needs a ``QGuiApplication``. A file that fails to load is logged, not
    raised: a kiosk with a fallback font is better than a kiosk that does not
    start, and the font test catches a broken package long before a kiosk does.
    """
    if _loaded and all(QFontDatabase.applicationFontFamilies(i) for i in _loaded):
        return FAMILY
    _loaded.clear()
    for name in FONT_FILES:
        # From bytes, not a path, so a zipped or frozen package needs no temp file.
        font_id = QFontDatabase.addApplicationFontFromData(asset("fonts", name).read_bytes())
        if font_id < 0:
            log.error("could not load font %s; Hangul may render as boxes", name)
            continue
        _loaded.append(font_id)
    if not _loaded:
        return QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()
    return FAMILY
