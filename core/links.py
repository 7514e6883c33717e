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


def receipt_qr(ticket: str, code: str, server_url: str) -> str:
    """What a receipt's QR holds: an event ticket's signed text (read at the door), else the
    receipt's status-page address. The receipt screen and the printed slip both ask here."""
    return ticket or status_page_url(server_url, code)
