"""Addresses a citizen is given: the public status page of a receipt code.

The receipt screen's QR, the printed slip's QR and the address printed beside
it all come from here, so what a phone opens is what the paper says.
"""

from __future__ import annotations

from urllib.parse import quote

STATUS_PATH = "/status/"


def status_page_url(server_url: str, code: str) -> str:
    """``https://<server>/status/CODE``; just the code when no server is configured yet.

    A kiosk that was never given a server address has no page to point at; its
    receipt code alone is still what staff look up.
    """
    base = server_url.strip().rstrip("/")
    if not base:
        return code
    return f"{base}{STATUS_PATH}{quote(code, safe='')}"
