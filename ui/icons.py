"""Pictograms: the shipped SVGs (assets/icons, Tabler Icons, MIT), drawn in the theme's colour.

Each drawing strokes ``currentColor``; we put the colour in before Qt's SVG
reader draws it at the size asked for, so an icon is sharp at any size and
follows the normal and the high-contrast palette alike. A name is looked up
only among the files we ship: a category's icon name arrives from the
central server and is never used to build a path.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QIcon, QImageReader, QPixmap

from assets import asset

__all__ = ["has_icon", "icon", "icon_pixmap"]

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@cache
def _shipped() -> frozenset[str]:
    folder = asset("icons")
    return frozenset(
        node.name.removesuffix(".svg") for node in folder.iterdir() if node.name.endswith(".svg")
    )


def has_icon(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and name in _shipped()


@cache
def _drawing(name: str) -> bytes:
    return asset("icons", f"{name}.svg").read_bytes()


@cache
def icon_pixmap(name: str, size: int, colour: str) -> QPixmap:
    """``name`` drawn ``size`` pixels square in ``colour`` (``#rrggbb``); empty if unknown."""
    if size <= 0 or not has_icon(name) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        return QPixmap()
    data = QByteArray(_drawing(name).replace(b"currentColor", colour.encode("ascii")))
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(QSize(size, size))
    image = reader.read()
    buffer.close()
    return QPixmap.fromImage(image) if not image.isNull() else QPixmap()


def icon(name: str, size: int, colour: str) -> QIcon:
    pixmap = icon_pixmap(name, size, colour)
    return QIcon(pixmap) if not pixmap.isNull() else QIcon()
