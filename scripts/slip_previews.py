"""Print previews of every slip type: docs/printing/*.png, drawn by the code that feeds the printer.

    python scripts/slip_previews.py [--out docs/printing]

Each PNG is the exact 1-bit raster the printer receives (``printing.raster``),
one printed dot per pixel (203 dpi: 80 mm paper is 576 pixels wide). The
facts are made up for the demo; no real person's data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.clock import SEOUL
from kiosk.slips import SlipEvent, SlipFacts
from printing.raster import render
from ui.i18n import I18n, install
from ui.slips import admission_slip, printer_test_slip, receipt_slip

ROOT = Path(__file__).resolve().parents[1]
SERVER = "https://kiosk.seoul.example"
OFFICE = "성북구 현장시장실"
WHEN = dt.datetime(2026, 11, 30, 14, 3, tzinfo=SEOUL)
EVENT = SlipEvent(
    title_ko="청년 정책 간담회",
    title_en="Youth policy forum",
    place_ko="성북구청 2층 다목적홀",
    place_en="Seongbuk-gu Office, 2F hall",
    starts_at=dt.datetime(2026, 12, 12, 14, 0, tzinfo=SEOUL),
)
# A demo ticket in the CK1 format's shape (not signed by any key in use).
TICKET = "CK1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def previews() -> dict[str, tuple[str, int, object]]:
    """name -> (language, paper width, slip builder)."""
    complaint = SlipFacts(code="24BGXWRY", kind="complaint", created_at=WHEN)
    proposal = SlipFacts(code="7KQMD3PA", kind="proposal", created_at=WHEN)
    ticket = SlipFacts(
        code="M4TZ9QHC",
        kind="signup",
        created_at=WHEN,
        status="confirmed",
        ticket=TICKET,
        manual_code="K7Q4M2XD",
        masked_name="김*수",
        event=EVENT,
    )
    waiting = SlipFacts(
        code="Q9WN5RTE", kind="signup", created_at=WHEN, status="waitlisted", event=EVENT
    )
    return {
        "receipt-complaint-ko-80mm": (
            "ko",
            80,
            lambda: receipt_slip(complaint, office=OFFICE, server_url=SERVER),
        ),
        "receipt-proposal-en-58mm": (
            "en",
            58,
            lambda: receipt_slip(proposal, office=OFFICE, server_url=SERVER),
        ),
        "ticket-ko-80mm": (
            "ko",
            80,
            lambda: receipt_slip(ticket, office=OFFICE, server_url=SERVER),
        ),
        "waitlist-ko-58mm": (
            "ko",
            58,
            lambda: receipt_slip(waiting, office=OFFICE, server_url=SERVER),
        ),
        "admission-ko-58mm": (
            "ko",
            58,
            lambda: admission_slip(EVENT, "김*수", WHEN, office=OFFICE),
        ),
        "test-page-ko-80mm": (
            "ko",
            80,
            lambda: printer_test_slip(
                office=OFFICE, printer="192.168.0.50:9100", width_mm=80, now=WHEN
            ),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "printing")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    i18n = install(I18n("ko"))
    for name, (language, width, build) in previews().items():
        i18n.set_language(language)  # type: ignore[arg-type]
        picture = render(build(), width)  # type: ignore[operator]
        picture.save(args.out / f"{name}.png", optimize=True)
        print(f"{name}.png {picture.width}x{picture.height}")  # noqa: T201 - a script reports


if __name__ == "__main__":
    main()
