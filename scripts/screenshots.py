"""Screenshots of every kiosk screen, both languages, both orientations, under Xvfb.

    python scripts/screenshots.py [--out docs/screenshots] [--all]

Runs the real window (fonts, theme, on-screen keyboard) on a fresh store with
the demo reference data and a local test enrolment, walks a citizen through
each screen and saves ``<orientation>-<language>-<screen>.png``. Each
orientation runs in its own ``xvfb-run`` with a screen of that size
(``apt-get install -y xvfb``). Without ``--all`` only the key screens are kept
(home, complaint category, place with its dongs (also at large text), photo
and contact errors, consent, review, receipt, event list, idle warning, large
text and high contrast, the check-in verdicts and the staff dashboard), so the
repository stays small. The photo page uses a painted picture in place of a
camera (tests/ui/photo_source.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.protocol import CaseResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORIENTATIONS = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
OFFICE = {"ko": "서울시청 시민청", "en": "Seoul City Hall, Citizens Hall"}
KEY_SCREENS = {
    "home",
    "complaint-category",
    "complaint-where",
    "complaint-where-large-text",
    "complaint-photo",
    "complaint-contact-errors",
    "consent",
    "review",
    "receipt",
    "events",
    "ticket",
    "case",
    "idle",
    "home-large-text",
    "home-high-contrast",
    "checkin-admit",
    "checkin-already",
    "checkin-invalid",
    "staff-dashboard",
}
STAFF_PIN = "135790"


def outer(out: Path, keep_all: bool) -> int:
    """Start one Xvfb per orientation and run this script inside it."""
    out.mkdir(parents=True, exist_ok=True)
    for name, (width, height) in ORIENTATIONS.items():
        command = [
            "xvfb-run",
            "-a",
            "-s",
            f"-screen 0 {width}x{height}x24",
            sys.executable,
            __file__,
            "--inner",
            name,
            "--out",
            str(out),
        ]
        if keep_all:
            command.append("--all")
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
        result = subprocess.run(command, env=env, check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


def inner(orientation: str, out: Path, keep_all: bool) -> int:

    from app.launch import build_window, ensure_app
    from core.sealing import new_keypair
    from kiosk.config import Settings
    from kiosk.demo import seed_demo_reference
    from kiosk.models import DeviceIdentity
    from kiosk.online_signups import OnlineAnswer, PreparedSignup
    from kiosk.staff import set_pin
    from kiosk.store import open_store
    from tests.conftest import enroll_locally
    from tests.ui.photo_source import StillPhotoSource
    from ui.camera import CameraScanner
    from ui.idle import IdleTiming
    from ui.screens.accessibility import Accessibility
    from ui.shell import KioskWindow

    class ScreenshotDesk:
        """Answers as a server would: no place claim (the kiosk's block decides), one case."""

        def __init__(self, now: dt.datetime) -> None:
            self.now = now

        def claim(self, prepared: PreparedSignup) -> OnlineAnswer | None:
            return None

        def availability(self) -> dict[int, int] | None:
            return None

        def case(self, code: str) -> CaseResponse | None:
            return screenshot_case(code, self.now)

        def cancel(self, code: str) -> CaseResponse | None:
            return screenshot_case(code, self.now)

        def ask_again(self, code: str) -> CaseResponse | None:
            return screenshot_case(code, self.now)

    app = ensure_app()
    width, height = ORIENTATIONS[orientation]
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'kiosk.db'}")
        enroll_locally(store, new_keypair()[1])
        with store.write() as session:
            # Receipt QRs and their printed address lead to the city's status pages.
            identity = session.get(DeviceIdentity, 1)
            assert identity is not None
            identity.public_url = "https://minwon.seoul.example"
        with store.write() as session:
            seed_demo_reference(session, now)
        tickets = door_tickets(store, now)
        staff_figures(store, now)
        set_pin(store, STAFF_PIN, now)
        for language in ("ko", "en"):
            settings = Settings(
                data_dir=Path(tmp),
                language=language,
                office_name=OFFICE[language],
                checkin_staff_only=False,
                screen_dpi=96.0,
            )
            window = build_window(
                settings,
                store,
                timing=IdleTiming(3_600_000, 30_000),
                clock=lambda: now,
                camera=CameraScanner(devices=list),  # a screenshot machine has no camera
                photo_source=StillPhotoSource(),  # ...so the photo page shows a painted one
                online=ScreenshotDesk(now),  # ...nor a server: a stand-in answers
            )
            window.resize(width, height)
            window.show()

            def save(name: str, window: KioskWindow = window, language: str = language) -> None:
                if not keep_all and name not in KEY_SCREENS:
                    return
                for _ in range(3):
                    app.processEvents()
                save_small(window.grab().toImage(), out / f"{orientation}-{language}-{name}.png")

            for name in walk(window, app):
                save(name)
            for name in door(window, tickets):
                save(name)
            window.set_accessibility(Accessibility(large_text=True))
            window.start_over()
            save("home-large-text")
            window.start("complaint")
            window.complaint.grid("category").set_value("road")
            window.complaint.go_forward()
            window.complaint.grid("district").button_for("gangnam").click()
            window.complaint.grid("dong").button_for("gaepo-3").click()
            save("complaint-where-large-text")
            window.set_accessibility(Accessibility(high_contrast=True))
            window.start_over()
            save("home-high-contrast")
            window.start("complaint")
            save("complaint-category-high-contrast")
            window.close()
            window.deleteLater()
            app.processEvents()
        store.close()
    return 0


def save_small(image: object, path: Path) -> None:
    """PNG with a small palette and no dithering: flat UI colours stay exact, files small."""
    from PIL import Image
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    image.save(str(path))
    with Image.open(path) as shot:
        picture = shot.convert("RGB")
    picture.quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)


def walk(window: object, app: object) -> Iterator[str]:
    """Drive the window through every screen, naming each as it shows."""
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    w = window

    def typed(form_field: Callable[[], object], text: str) -> None:
        editor = form_field()
        if isinstance(editor, QLineEdit):
            editor.setFocus()
            editor.setText(text)
        elif isinstance(editor, QPlainTextEdit):
            editor.setFocus()
            editor.setPlainText(text)

    korean = w.i18n.language == "ko"
    yield "home"
    w.start("complaint")
    yield "complaint-category"
    w.complaint.grid("category").set_value("road")
    w.complaint.go_forward()
    # Clicked, as a citizen would: the district's dongs appear below it.
    w.complaint.grid("district").button_for("mapo").click()
    w.complaint.grid("dong").button_for("mangwon-1").click()
    address = "망원동 412-3" if korean else "412-3 Mangwon-dong"
    typed(lambda: w.complaint.field("address").editor, address)
    yield "complaint-where"
    w.complaint.go_forward()
    typed(
        lambda: w.complaint.field("description").editor,
        "보도블록이 깨져서 걸려 넘어질 뻔했습니다. 빨리 고쳐 주세요."
        if korean
        else "Broken paving stones; I nearly tripped. Please fix them soon.",
    )
    yield "complaint-what"
    w.complaint.go_forward()
    yield "complaint-photo"
    assert w.complaint.photo is not None
    w.complaint.photo.take.click()
    yield "complaint-photo-taken"
    w.complaint.go_forward()
    typed(lambda: w.complaint.field("name").editor, "김민수" if korean else "Minsu Kim")
    typed(lambda: w.complaint.field("phone").editor, "010-12")
    w.complaint.go_forward()
    yield "complaint-contact-errors"
    typed(lambda: w.complaint.field("phone").editor, "010-1234-5678")
    w.complaint.go_forward()
    yield "consent"
    w.consent.required.setChecked(True)
    w.consent.optional.setChecked(True)
    w.consent.notify.setChecked(True)
    w.consent.nav.next_button.click()
    yield "review"
    w.review.nav.next_button.click()
    yield "receipt"
    assert w.receipt.receipt is not None
    filed = w.receipt.receipt.status_url
    w.end_session()
    if not korean:
        w._choose_language("en")  # the header button's own slot
    w.start("suggestion")
    yield "suggestion"
    w.start("proposal")
    yield "proposal-area"
    w.start("signup")
    yield "events"
    w.events.buttons[0].click()
    yield "signup-form"
    typed(lambda: w.signup.field("name").editor, "박지민" if korean else "Jimin Park")
    typed(lambda: w.signup.field("phone").editor, "010-9876-5432")
    w.signup.go_forward()
    w.consent.required.setChecked(True)
    w.consent.notify.setChecked(True)
    w.consent.nav.next_button.click()
    w.review.nav.next_button.click()
    settle(app, lambda: w.current_screen() is w.receipt)
    yield "ticket"
    w.end_session()
    if not korean:
        w._choose_language("en")
    w.start("case")
    w.case.scanned(filed)
    settle(app, lambda: bool(w.case.cards))
    yield "case"
    w.start("checkin")
    yield "checkin"
    w.open_accessibility()
    yield "accessibility"
    w.show_problem()
    yield "problem"
    w.start("complaint")
    w._idle()  # what the idle timer calls
    yield "idle"
    w.idle_warning.stop()


def settle(app: object, done: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Let the window handle what came back from its background calls."""
    import time

    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(3):
        app.processEvents()


def screenshot_case(code: str, now: dt.datetime) -> CaseResponse:
    """An answered complaint as the server would show it, for the check-my-case screen."""
    from sync.protocol import CaseResponse, CaseStep, CaseView

    answered = now + dt.timedelta(days=2)
    note = "2일에 보도블록을 새로 깔았습니다. 불편을 드려 죄송합니다."
    return CaseResponse(
        receipt_code=code.rsplit("/", 1)[-1],
        found=[
            CaseView(
                kind="complaint",
                status="answered",
                title_ko="도로·보도 파손",
                title_en="Roads and sidewalks",
                answer=note,
                received_at=now,
                updated_at=answered,
                history=[
                    CaseStep(status="received", at=now),
                    CaseStep(status="in_progress", at=now + dt.timedelta(days=1)),
                    CaseStep(status="answered", at=answered, note=note),
                ],
                can_ask_again=True,
            )
        ],
        server_time=answered,
    )


def door_tickets(store: object, now: dt.datetime) -> list[str]:
    """Today's event at the door, with three sign-ups made the day before."""
    from kiosk.models import Event
    from kiosk.signups import SignupForm, sign_up
    from kiosk.store import Store
    from kiosk.submissions import Consent

    assert isinstance(store, Store)
    with store.write() as session:
        session.merge(
            Event(
                id=500, title_ko="성북구 현장 시장실", title_en="Mayor's field office, Seongbuk",
                place_ko="성북구청 대강당", place_en="Seongbuk-gu Office hall",
                starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=2),
                capacity=120, offline_block=40, taken_remote=0, cancelled=False,
            )
        )  # fmt: skip
    consent = Consent(version="screenshots", required=True)
    people = (("김민수", "010-2345-6789"), ("이영희", "010-3456-7890"), ("박서준", "010-4567-8901"))
    return [
        sign_up(store, 500, SignupForm(name, phone), consent, now=now - dt.timedelta(days=1)).ticket
        for name, phone in people
    ]


def staff_figures(store: object, now: dt.datetime) -> None:
    """Something for the dashboard to show: a last success, waiting records, one refused."""
    from kiosk.outbox import DeliveryResult, record_results
    from kiosk.store import Store
    from kiosk.submissions import ComplaintForm, Consent, submit_complaint
    from kiosk.sync_state import record_round

    assert isinstance(store, Store)
    consent = Consent(version="screenshots", required=True)
    form = ComplaintForm(
        category="road", district="mapo", description="…", name="김민수", phone="010-2345-6789"
    )
    refused = submit_complaint(store, form, consent, now=now - dt.timedelta(hours=3))
    submit_complaint(store, form, consent, now=now - dt.timedelta(minutes=42))
    submit_complaint(store, form, consent, now=now - dt.timedelta(minutes=5))
    with store.write() as session:
        record_results(
            session,
            [DeliveryResult(refused.id, False, "invalid_payload", "unknown category 'road2'")],
            now,
        )
        record_round(session, "offline", now, success=True)
        record_round(session, "offline", now - dt.timedelta(minutes=1), success=False,
                     error="network")  # fmt: skip


def door(window: object, tickets: list[str]) -> Iterator[str]:
    """The check-in desk's three verdicts, then the staff dashboard."""
    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    window.end_session()
    from PySide6.QtCore import QEventLoop

    answered = QEventLoop()  # the PIN is checked on a thread of its own
    window.staff_mode.checked.connect(answered.quit)
    window.staff_mode.try_pin(STAFF_PIN)
    answered.exec()
    window.staff.checkin.click()
    window.checkin.event_buttons[0].click()
    window.checkin.handle_scan(tickets[0])
    yield "checkin-admit"
    window.checkin.handle_scan(tickets[0])
    yield "checkin-already"
    forged = tickets[1][:-1] + ("A" if tickets[1][-1] != "A" else "B")
    window.checkin.handle_scan(forged)
    yield "checkin-invalid"
    window.checkin.undo_last()  # so the next language's pass is welcomed too
    window.checkin.desk_back.click()
    window.staff.show_page("dashboard")
    yield "staff-dashboard"
    window.staff_mode.leave()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--all", action="store_true", help="keep every screen, not the key ones")
    parser.add_argument("--inner", choices=sorted(ORIENTATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args.inner, args.out, args.all)
    return outer(args.out, args.all)


if __name__ == "__main__":
    sys.exit(main())
