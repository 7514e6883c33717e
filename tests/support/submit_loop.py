"""Child process for kill tests: submits complaints forever, reporting each receipt.

A line ``<uuid> <code>`` is printed (and flushed) only after the commit
returned, exactly when the kiosk screen would say "received".
"""

from __future__ import annotations

import sys

from kiosk.store import open_store
from kiosk.submissions import ComplaintForm, Consent, submit_complaint


def main(url: str) -> None:
    store = open_store(url, migrate=False)
    consent = Consent(version="2026-11", required=True)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        form = ComplaintForm(
            category="road", description=f"보도 파손 신고 {n}", name="김민수", phone="010-1234-5678"
        )
        receipt = submit_complaint(store, form, consent)
        sys.stdout.write(f"{receipt.id} {receipt.code}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
