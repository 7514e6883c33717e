"""Kiosk domain: rules, local store, receipts, tickets, Hangul composition.

Nothing here knows about Qt widgets or HTTP; ``ui`` and ``sync`` build on it.
"""

__version__ = "0.1.0"
