"""When to try again after a retryable failure: exponential backoff with full jitter.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads the
retries of a whole fleet of kiosks that lost the network at the same moment,
so they do not all hit the server together when it comes back. Once the
ceiling reaches the cap, the kiosk probes about once per cap interval (with a
little jitter for the same reason) and never gives up.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from dataclasses import dataclass, field

DEFAULT_BASE_S = 2.0
DEFAULT_CAP_S = 300.0
# A server's Retry-After is honoured up to this; a broken or hostile header
# must not stop a kiosk from delivering for days.
MAX_RETRY_AFTER_S = 3600.0
# Probes at the cap land between 80 % and 100 % of it.
_CAP_JITTER = 0.2


@dataclass
class Backoff:
    base_s: float = DEFAULT_BASE_S
    cap_s: float = DEFAULT_CAP_S
    rng: random.Random = field(default_factory=random.Random)

    def ceiling(self, failures: int) -> float:
        """The largest wait after ``failures`` failures in a row (1 for the first)."""
        if failures <= 0:
            return 0.0
        # min() before the power would overflow for long outages; 2**60 is plenty.
        return min(self.cap_s, self.base_s * 2.0 ** min(failures - 1, 60))

    def at_cap(self, failures: int) -> bool:
        return failures > 0 and self.ceiling(failures) >= self.cap_s

    def delay(self, failures: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait before the next attempt."""
        if failures <= 0:
            wait = 0.0
        elif self.at_cap(failures):
            wait = self.cap_s * self.rng.uniform(1.0 - _CAP_JITTER, 1.0)
        else:
            wait = self.rng.uniform(0.0, self.ceiling(failures))
        if retry_after_s is not None:
            wait = max(wait, min(retry_after_s, MAX_RETRY_AFTER_S))
        return wait


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header asks for, or None.

    The header is either delta-seconds (``120``) or an HTTP-date
    (``Wed, 21 Oct 2026 07:28:00 GMT``); a date in the past means "now".
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())
