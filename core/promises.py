"""Every sentence that tells a citizen what will happen next, and the messages that keep it.

The kiosk's receipt texts (assets/i18n/catalog.json, ``receipt.next.*``) are
chosen by what the citizen asked for (kiosk: ui/screens/receipt.py). Those
that promise a message name, here, the kinds of message the server plans for
them (server/notifications.py) and the kinds of address they go to; the
server checks at start that it can send each (server/promises.py), and a test
walks the catalogue so no sentence promises what nothing does.
"""

from __future__ import annotations

from typing import Final

# catalogue key -> (message kinds planned for it, address media it may go to)
PROMISES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "receipt.next.complaint.notify": (("received", "status"), ("phone", "email")),
    "receipt.next.proposal.notify": (("received", "status"), ("phone", "email")),
    "receipt.next.signup.remind": (("received", "reminder"), ("phone",)),
    "receipt.next.signup.notify": (("received",), ("phone",)),
    "receipt.next.waitlist.notify": (("received", "promoted"), ("phone",)),
}
# Next-step sentences that promise no message (and say so, or need not).
SILENT: Final = frozenset(
    {
        "receipt.next.complaint",
        "receipt.next.proposal",
        "receipt.next.suggestion",
        "receipt.next.signup",
        "receipt.next.waitlist",
        "receipt.next.already",
    }
)
NEXT_PREFIX: Final = "receipt.next."
