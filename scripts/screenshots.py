"""Screenshots of the kiosk as a citizen meets it, on a real X server in kiosk mode.

    python scripts/screenshots.py [--out docs/screenshots] [--all]

Starts its own Xvfb (no window manager, the xcb platform: the production
set-up of docs/deploy-kiosk-linux.md) with one screen per size, runs the
kiosk full screen in kiosk mode on each (``ScreenFit``), walks a citizen
through the screens on a fresh store with the demo reference data and saves
what the screen shows (the X root window) as
``<size>-<language>-<screen>.png``: ``landscape`` 1920×1080, ``portrait``
1080×1920 (both a 27-inch panel) and ``small`` 1366×768 (18.5-inch). Low
screen, large text and high contrast are shot too. Without ``--all`` only
the key screens are kept, so the repository stays small. The photo page uses
a painted picture in place of a camera (tests/ui/photo_source.py).
Needs Xvfb (``apt-get install -y xvfb``; dev.py installs it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
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

# name: (width, height, logical dpi of the panel)
SIZES = {
    "landscape": (1920, 1080, 81.6),
    "portrait": (1080, 1920, 81.6),
    "small": (1366, 768, 84.7),
}
OFFICE = {"ko": "서울시청 시민청", "en": "Seoul City Hall, Citizens Hall"}
KEY_SCREENS = {
    "landscape": {
        "home",
        "complaint-category",
        "complaint-where",
        "complaint-where-keyboard",
        "complaint-contact-errors",
        "complaint-photo",
        "consent",
        "review",
        "receipt",
        "events",
        "ticket",
        "case",
        "leave",
        "call-staff",
        "idle",
        "home-large-text",
        "complaint-where-large-text",
        "home-high-contrast",
        "complaint-category-high-contrast",
        "checkin-admit",
        "checkin-already",
        "checkin-wrong-day",
        "checkin-invalid",
        "staff-dashboard",
    },
    "portrait": {
        "home",
        "complaint-category",
        "complaint-where",
        "complaint-where-keyboard",
        "complaint-details-keyboard",
        "complaint-contact-errors",
        "complaint-photo",
        "consent",
        "review",
        "receipt",
        "events",
        "ticket",
        "case",
        "signup-form",
        "home-low-screen",
        "complaint-where-low-screen",
        "complaint-contact-low-screen",
        "home-large-text",
        "complaint-where-large-text",
        "complaint-contact-large-text",
        "home-high-contrast",
        "staff-dashboard",
    },
    "small": {
        "home",
        "complaint-where-keyboard",
        "complaint-contact-errors",
        "complaint-contact-large-text",
    },
}
STAFF_PIN = "135790"


def outer(out: Path, keep_all: bool) -> int:
    """One Xvfb; each size in a process of its own on its screen."""
    from tests.support.xvfb import xvfb

    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is needed: apt-get install -y xvfb")
    with xvfb(*(f"{width}x{height}" for width, height, _ in SIZES.values())) as display:
        for index, name in enumerate(SIZES):
            command = [sys.executable, __file__, "--inner", name, "--out", str(out)]
            if keep_all:
                command.append("--all")
            env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
            env |= {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f"{display}.{index}"}
            result = subprocess.run(command, env=env, check=False)
            if result.returncode != 0:
                return result.returncode
    return 0


def inner(size: str, out: Path, keep_all: bool) -> int:
    from PySide6.QtTest import QTest

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
    from ui.fullscreen import ScreenFit
    from ui.idle import IdleTiming
    from ui.lockdown import kiosk_window_flags
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
    dpi = SIZES[size][2]
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
                screen_dpi=dpi,
                kiosk_mode=True,
            )
            window = build_window(
                settings,
                store,
                timing=IdleTiming(3_600_000, 30_000),
                clock=lambda: now,
                camera=CameraScanner(devices=list),  # a screenshot machine has no camera
                photo_source=StillPhotoSource(),  # ...so the photo page shows a painted one
                network=False,
                online=ScreenshotDesk(now),  # ...nor a server: a stand-in answers
            )
            kiosk_window_flags(window)
            ScreenFit(window).start()
            QTest.qWaitForWindowExposed(window)

            def save(name: str, window: KioskWindow = window, language: str = language) -> None:
                if not keep_all and name not in KEY_SCREENS[size]:
                    return
                for _ in range(8):
                    app.processEvents()
                    QTest.qWait(10)
                shot = window.screen().grabWindow(0).toImage()
                save_small(shot, out / f"{size}-{language}-{name}.png")

            for name in walk(window, with_keyboard=True):
                save(name)
            for name in modes(window):
                save(name)
            for name in door(window, tickets, now):
                save(name)
            window.lockdown.permit_exit()
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


def typed(editor: object, text: str) -> None:
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    if isinstance(editor, QLineEdit):
        editor.setText(text)
    elif isinstance(editor, QPlainTextEdit):
        editor.setPlainText(text)


def walk(window: object, *, with_keyboard: bool) -> Iterator[str]:
    """Drive the window through every citizen screen, naming each as it shows."""
    from PySide6.QtWidgets import QApplication

    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    w = window
    korean = w.i18n.language == "ko"
    form: Callable[[str], object] = lambda name: w.complaint.field(name).editor  # noqa: E731

    yield "home"
    w.start("complaint")
    yield "complaint-category"
    w.complaint.grid("category").set_value("road")
    w.complaint.go_forward()
    # Tapped, as a citizen would: the district's dongs appear below it.
    w.complaint.grid("district").button_for("mapo").click()
    w.complaint.grid("dong").button_for("mangwon-1").click()
    typed(form("address"), "망원동 412-3" if korean else "412-3 Mangwon-dong")
    yield "complaint-where"
    if with_keyboard:
        w.complaint.field("address").editor.setFocus()
        yield "complaint-where-keyboard"
    w.complaint.go_forward()
    typed(
        form("description"),
        "보도블록이 깨져서 걸려 넘어질 뻔했습니다. 빨리 고쳐 주세요."
        if korean
        else "Broken paving stones; I nearly tripped. Please fix them soon.",
    )
    yield "complaint-details-keyboard"
    w.complaint.go_forward()
    yield "complaint-photo"
    assert w.complaint.photo is not None
    w.complaint.photo.take.click()
    yield "complaint-photo-taken"
    w.complaint.go_forward()
    typed(form("name"), "김민수" if korean else "Minsu Kim")
    typed(form("phone"), "010-12")
    w.complaint.go_forward()
    w.complaint.field("phone").editor.setFocus()
    yield "complaint-contact-errors"
    typed(form("phone"), "010-1234-5678")
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
        w._choose_language("en")  # the bar's own slot
    w.start("suggestion")
    yield "suggestion"
    w.start("proposal")
    yield "proposal-area"
    w.start("signup")
    yield "events"
    w.events.buttons[0].click()
    yield "signup-form"
    typed(w.signup.field("name").editor, "박지민" if korean else "Jimin Park")
    typed(w.signup.field("phone").editor, "010-9876-5432")
    w.signup.go_forward()
    w.consent.required.setChecked(True)
    w.consent.notify.setChecked(True)
    w.consent.nav.next_button.click()
    w.review.nav.next_button.click()
    settle(QApplication.instance(), lambda: w.current_screen() is w.receipt)
    yield "ticket"
    w.end_session()
    if not korean:
        w._choose_language("en")
    w.start("case")
    w.case.scanned(filed)
    settle(QApplication.instance(), lambda: bool(w.case.cards))
    yield "case"
    w.start("checkin")
    yield "checkin"
    w.start("proposal")
    w.proposal.grid("area").set_value("transport")
    w.proposal.go_forward()
    typed(
        w.proposal.field("title").editor, "버스 노선을 늘려 주세요" if korean else "More bus lines"
    )
    w.request_start_over()
    yield "leave"
    w.leave.discard.click()
    w.start("complaint")
    w.bar.call.click()
    yield "call-staff"
    w.bar.call.click()
    w.open_accessibility()
    yield "accessibility"
    w.show_problem()
    yield "problem"
    w.start("complaint")
    w._idle()  # what the idle timer calls
    yield "idle"
    w.idle_warning.stop()
    w.watcher.start()
    w.end_session()
    if not korean:
        w._choose_language("en")


def modes(window: object) -> Iterator[str]:
    """Low screen, large text and high contrast: home and a page of the complaint each."""
    from ui.screens.accessibility import Accessibility
    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    w = window
    language = w.i18n.language
    for suffix, options in (
        ("low-screen", Accessibility(low_screen=True)),
        ("large-text", Accessibility(large_text=True)),
        ("high-contrast", Accessibility(high_contrast=True)),
    ):
        w.end_session()
        w._choose_language(language)
        w.set_accessibility(options)
        yield f"home-{suffix}"
        w.start("complaint")
        yield f"complaint-category-{suffix}"
        w.complaint.grid("category").set_value("road")
        w.complaint.go_forward()
        w.complaint.grid("district").button_for("gangnam").click()
        w.complaint.grid("dong").button_for("gaepo-3").click()
        yield f"complaint-where-{suffix}"
        typed(w.complaint.field("description").editor, "…")
        w.complaint.go_forward()
        w.complaint.go_forward()
        if w.complaint.photo_page_shown():
            w.complaint.go_forward()  # no photo
        w.complaint.field("phone").editor.setFocus()
        yield f"complaint-contact-{suffix}"
    w.end_session()
    w._choose_language(language)


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
    """Today's event at the door, with three sign-ups made the day before, and one for tomorrow."""
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


def door(window: object, tickets: list[str], now: dt.datetime) -> Iterator[str]:
    """The check-in desk's verdicts, then the staff dashboard."""
    from PySide6.QtCore import QEventLoop

    from kiosk.checkin import Reason, Verdict, VerdictKind
    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    window.end_session()
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
    # A genuine ticket for tomorrow's session: named by its day, not called a forgery.
    window.checkin.show_verdict(
        Verdict(
            VerdictKind.INVALID,
            Reason.WRONG_DAY,
            valid_day=(now + dt.timedelta(days=1)).date(),
        )
    )
    yield "checkin-wrong-day"
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
    parser.add_argument("--inner", choices=sorted(SIZES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args.inner, args.out, args.all)
    return outer(args.out, args.all)


if __name__ == "__main__":
    sys.exit(main())
