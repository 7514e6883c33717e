"""Masked names: enough for check-in staff to recognise someone, nothing more.

The same rule as the kiosk's own (``kiosk.signups.mask_name``), which the
server may not import (it pulls in the kiosk store); a test keeps the two equal.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """김민수 → 김*수, 이수 → 이*, Jane Doe → J*** D**."""
    name = name.strip()
    if not name:
        return ""
    if " " in name:
        return " ".join(mask_name(part) for part in name.split())
    if len(name) <= 2 or name.isascii():
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]
