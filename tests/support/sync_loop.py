"""Child process for the kill soak: submits complaints and syncs, forever.

A line ``<uuid> <code>`` is printed (and flushed) only after the commit
returned, exactly when the kiosk screen would say "received". Between
submissions it runs sync rounds, so a SIGKILL lands anywhere: mid-commit,
mid-request, between "in flight" and "sent".
"""

from __future__ import annotations

import random
import sys

from kiosk.store import open_store
from kiosk.submissions import submit_complaint
from tests.support.quick_engine import CONSENT, complaint_form, fast_engine


def main(url: str, seed: int) -> None:
    rng = random.Random(seed)
    store = open_store(url, migrate=False)
    engine = fast_engine(store)
    print("ready", flush=True)
    n = seed * 1_000_000
    while True:
        for _ in range(rng.randint(0, 3)):
            n += 1
            receipt = submit_complaint(store, complaint_form(n), CONSENT)
            sys.stdout.write(f"{receipt.id} {receipt.code}\n")
            sys.stdout.flush()
        engine.run_once()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
