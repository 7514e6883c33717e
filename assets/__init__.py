"""Data files shipped with the kiosk: fonts, stylesheet, texts, demo data."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def asset(*parts: str) -> Traversable:
    """A file under assets/, found the same way in a source tree, a wheel or a bundle."""
    node: Traversable = files(__name__)
    for part in parts:
        node = node / part
    return node
