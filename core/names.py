"""Masked names: enough for check-in staff to recognise someone, nothing more.

One rule for the kiosk (registrations it makes) and the server (registrations
it hands out in the pull); a pure module so the server can import it.
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
