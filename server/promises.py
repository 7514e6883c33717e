"""Can this server keep what kiosks promise citizens (core.promises)? Said at start-up.

A kiosk cannot know how its server is configured; the server can. Without an
SMS or e-mail channel, messages citizens were promised would only ever fail,
so ``serve`` and ``notify run`` log each promise it cannot keep, loudly.
"""

from __future__ import annotations

import logging

from core.promises import PROMISES
from server.channels import configured_channels
from server.config import ServerSettings
from server.message_texts import TEMPLATES

log = logging.getLogger("server.promises")


def unkept(settings: ServerSettings) -> list[str]:
    """Each promise this server cannot keep, as "<catalogue key>: <why>"."""
    media = set(configured_channels(settings))
    problems = []
    for key, (kinds, promised_media) in sorted(PROMISES.items()):
        for medium in promised_media:
            if medium not in media:
                channel = "e-mail (smtp_host)" if medium == "email" else "SMS (sms_api_key)"
                problems.append(f"{key}: no {channel} channel is configured")
        for kind in kinds:
            if kind not in TEMPLATES:
                problems.append(f"{key}: no message text for {kind!r}")
        if not settings.public_url:
            problems.append(f"{key}: no public_url for the status link in messages")
    return problems


def warn_unkept(settings: ServerSettings) -> None:
    for problem in unkept(settings):
        log.warning("a promise to citizens cannot be kept: %s", problem)
