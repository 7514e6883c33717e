"""``civic-kiosk --self-test``: does this build of the kiosk work on this machine?

Run by ``installer/linux/update.sh`` on a release before it becomes the
current one, by the bundle test after every build, and by a technician on a
kiosk that misbehaves. It touches nothing of the kiosk's own: no settings
file, no database, no network. In a temporary directory it

1. opens a fresh store and runs every migration (Alembic scripts are data
   files in a bundle, the first thing a bad spec loses);
2. seeds the demo categories and events (the bundled ``assets/``);
3. issues a ticket with a fresh signing key and checks it in offline through
   the store, and checks that a forged copy is refused (PyNaCl's libsodium);
4. draws the ticket's QR and reads it back with zxing-cpp (Pillow, the
   camera's decoder);
4a. renders a receipt slip with the Hangul font to the 80 mm raster and
   writes its PNG preview (``slip-preview.png`` in the scratch directory, or
   where ``CIVIC_KIOSK_SLIP_PREVIEW`` names), reads its QR back, builds the
   ESC/POS job (python-escpos and its printer database) and finds libusb
   for USB printers (libusb-package);
5. checks that Qt Multimedia loads its media backend (the FFmpeg plugin and
   its libraries: the camera) and lists cameras (none is fine here);
6. synthesises a Korean and an English sentence with the kiosk's voice
   (eSpeak NG on Linux) and measures them: audible, of a plausible length,
   mostly voice (audio guidance); names the audio output, or says there is
   none (fine on a build machine);
7. checks ICU's Korean data through Qt (collation, time-zone names): the
   Linux bundle ships a reduced ICU data library (installer/icu_data.py);
8. builds the real kiosk window and renders the home screen offscreen: the
   Hangul font registered, the Korean title from the catalog, a non-blank
   picture, and no error logged on the way.

It prints one line per step and exits 0, or names the step that failed and
exits 1. ``QT_QPA_PLATFORM`` defaults to ``offscreen`` so it runs over SSH
and in a systemd unit with no display.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

# Before anything imports Qt: a self-test needs no screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

log = logging.getLogger(__name__)

# The size of the portrait kiosk screens we ship for (1080x1920, 32").
SCREEN_SIZE = (1080, 1920)
# A blank or failed render has one or two colours; the home screen has tiles,
# text and borders (measured: hundreds, with anti-aliased Hangul).
MIN_COLOURS = 8


class SelfTestFailed(Exception):
    """A step found something wrong; the message says what, for a technician."""


@dataclass
class Context:
    """What the steps share: a scratch directory and what earlier steps made."""

    directory: Path
    store: object | None = None
    event_id: int = 0
    event_start: dt.datetime | None = None
    ticket: str = ""
    cleanups: list[Callable[[], object]] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Context], str]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailed(message)


# --- steps ------------------------------------------------------------------------------


def check_store(ctx: Context) -> str:
    from kiosk.store import head_revision, open_store

    path = ctx.directory / "kiosk.db"
    store = open_store(f"sqlite:///{path}")
    ctx.store = store
    ctx.cleanups.append(store.close)
    with store.engine.connect() as conn:
        from alembic.runtime.migration import MigrationContext

        current = MigrationContext.configure(conn).get_current_revision()
    head = head_revision()
    _require(current == head, f"schema at {current}, migrations end at {head}")
    return f"migrations ran to {head} in a new database"


def check_reference(ctx: Context) -> str:
    from kiosk.demo import seed_demo_reference
    from kiosk.lookups import categories, events
    from kiosk.store import Store

    store = ctx.store
    assert isinstance(store, Store)
    now = dt.datetime.now(dt.UTC)
    with store.write() as session:
        seed_demo_reference(session, now)
    # Read back the way the screens read it (kiosk.lookups), not with our own queries.
    shown_categories, shown_events = categories(store), events(store, now)
    _require(bool(shown_categories), "no categories to show (assets/demo_data.json)")
    _require(bool(shown_events), "no upcoming events to show (assets/demo_data.json)")
    first = min(shown_events, key=lambda event: event.starts_at)
    ctx.event_id, ctx.event_start = first.id, first.starts_at
    return (
        f"{len(shown_categories)} categories and {len(shown_events)} events "
        "from assets/demo_data.json"
    )


def check_ticket(ctx: Context) -> str:
    from nacl.signing import SigningKey

    from core.clock import SEOUL
    from core.tickets import TicketPayload, TicketType, issue_ticket
    from kiosk.checkin import Reason, VerdictKind
    from kiosk.checkin_context import decide_scan
    from kiosk.models import SigningKey as SigningKeyRow
    from kiosk.store import Store

    store, start = ctx.store, ctx.event_start
    assert isinstance(store, Store) and start is not None
    if start.tzinfo is None:  # SQLite hands datetimes back naive; they are stored in UTC
        start = start.replace(tzinfo=dt.UTC)
    key_id = 4242
    signing_key = SigningKey.generate()
    with store.write() as session:
        public = base64.b64encode(bytes(signing_key.verify_key)).decode("ascii")
        session.add(SigningKeyRow(key_id=key_id, public_key=public, revoked=False))
    payload = TicketPayload(
        key_id=key_id,
        event_id=ctx.event_id,
        number=1,
        ticket_type=TicketType.STANDARD,
        valid_day=start.astimezone(SEOUL).date(),
    )
    ticket = issue_ticket(payload, signing_key).text
    verdict = decide_scan(store, ctx.event_id, ticket, start)
    _require(verdict.kind is VerdictKind.ADMIT, f"a genuine ticket got {verdict.message_key}")
    forged = ticket[:-1] + ("A" if ticket[-1] != "A" else "B")
    refused = decide_scan(store, ctx.event_id, forged, start)
    _require(
        refused.reason is Reason.BAD_SIGNATURE,
        f"a forged ticket got {refused.message_key}, not bad_signature",
    )
    ctx.ticket = ticket
    return "issued and admitted offline; a forged copy refused"


def check_qr(ctx: Context) -> str:
    import zxingcpp

    from core.tickets import ticket_qr_image

    _require(bool(ctx.ticket), "no ticket to draw")
    found = zxingcpp.read_barcodes(ticket_qr_image(ctx.ticket))
    texts = [result.text for result in found]
    _require(texts == [ctx.ticket], f"zxing-cpp read {len(texts)} code(s), not the ticket")
    return "ticket QR drawn (Pillow) and read back (zxing-cpp)"


def check_slip(ctx: Context) -> str:
    import zxingcpp

    from core.clock import utcnow
    from kiosk.slips import SlipFacts
    from printing.commands import slip_job
    from printing.library import prepare
    from printing.raster import render
    from ui.i18n import I18n, install
    from ui.slips import receipt_slip

    install(I18n("ko"))
    server = "https://kiosk.seoul.example"
    facts = SlipFacts(code="24BGXWRY", kind="complaint", created_at=utcnow())
    slip = receipt_slip(facts, office="시민 키오스크 자체 점검", server_url=server)
    picture = render(slip, 80)
    target = Path(os.environ.get("CIVIC_KIOSK_SLIP_PREVIEW") or ctx.directory / "slip-preview.png")
    picture.save(target)
    read = [r.text for r in zxingcpp.read_barcodes(picture.convert("L"))]
    _require(read == [f"{server}/status/24BGXWRY"], f"the slip's QR reads {read}")
    _require(picture.width == 576 and picture.height > 400, f"slip is {picture.size}")
    prepare(ctx.directory / "escpos")
    job = slip_job(picture, cut=True)
    _require(job.startswith(b"\x1b@\x1dv0"), "the ESC/POS job does not start with a raster")
    import libusb_package

    _require(libusb_package.get_libusb1_backend() is not None, "no libusb for USB printers")
    return f"{picture.width}x{picture.height} slip, QR read back, {len(job)} byte job; libusb found"


def check_multimedia(ctx: Context) -> str:
    # First, as the check-in screen does: it quiets Qt Multimedia's probe warnings.
    import ui.camera  # noqa: F401

    _app()
    from PySide6.QtMultimedia import QMediaDevices, QMediaFormat

    # A plugin file that is there but cannot be loaded (a library of FFmpeg
    # or Qt Quick left out of the bundle) leaves Qt with no backend: then it
    # lists no formats at all. Listing cameras goes through the backend too.
    cameras = QMediaDevices.videoInputs()
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    _require(bool(formats), "Qt Multimedia loaded no media backend: the camera cannot start")
    return f"Qt Multimedia backend loaded ({len(formats)} formats); {len(cameras)} camera(s) here"


SPOKEN_CHECKS = (
    ("ko", "민원이 접수되었습니다. 접수번호를 적어 두세요."),
    ("en", "Your complaint was received. Please write down the receipt number."),
)


def check_speech(ctx: Context) -> str:
    from ui.speech import Speaker

    _app()
    speaker = Speaker()
    status = speaker.status()
    _require(
        status.speaks,
        "no speech engine with Korean and English voices (install espeak-ng): "
        f"engine {status.engine or 'none'}, voices {sorted(status.languages)}",
    )
    heard = []
    for language, sentence in SPOKEN_CHECKS:
        speech = speaker.synthesize(sentence, language)
        if speech is None:  # Qt's engines (Windows) speak but cannot hand the audio back
            heard.append(f"{language} voice present")
            continue
        # 19 syllables: a few seconds of audible speech, mostly voice.
        _require(
            1.5 < speech.seconds < 10 and speech.rms_dbfs() > -35
            and speech.voiced_seconds() > speech.seconds / 2,
            f"{language} speech is silent or malformed: {speech.seconds:.1f} s at "
            f"{speech.rms_dbfs():.0f} dBFS",
        )  # fmt: skip
        heard.append(f"{language} {speech.seconds:.1f} s at {speech.rms_dbfs():.0f} dBFS")
    output = status.output or "none here (no sound server or card)"
    return f"{status.engine}: {', '.join(heard)}; audio output: {output}"


def check_icu(ctx: Context) -> str:
    from PySide6.QtCore import QCollator, QLocale, QTimeZone

    korean = QLocale("ko_KR")
    words = ["하늘", "가방", "다리", "나무"]
    ordered = sorted(words, key=QCollator(korean).sortKey)
    _require(ordered == ["가방", "나무", "다리", "하늘"], f"Korean collation gave {ordered}")
    if not sys.platform.startswith("linux"):  # Qt uses the OS's own data elsewhere
        return "Korean collation"
    name = QTimeZone(b"Asia/Seoul").displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, korean
    )
    _require("대한민국" in name, f"no Korean name for Asia/Seoul (got {name!r})")
    return f"Korean collation; Asia/Seoul is {name!r}"


def check_home_screen(ctx: Context) -> str:
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QLabel

    from app.launch import build_window
    from kiosk.config import Settings
    from kiosk.store import Store
    from ui.fonts import FAMILY
    from ui.i18n import translate

    app = _app()
    store = ctx.store
    assert isinstance(store, Store)
    settings = Settings(
        data_dir=ctx.directory, log_dir=ctx.directory, language="ko", physical_keyboard=False
    )
    with _errors_logged() as errors:
        window = build_window(settings, store, network=False)
        ctx.cleanups.append(window.deleteLater)
        ctx.cleanups.append(window.close)
        window.resize(*SCREEN_SIZE)
        window.show()
        app.processEvents()
        image = window.grab().toImage()
    if errors:
        raise SelfTestFailed(f"errors logged while building the window: {errors[0]}")
    _require(FAMILY in QFontDatabase.families(), f"the {FAMILY} font did not register")
    _require(window.current_screen() is window.home, "the window did not open on home")
    title = translate("home.title", "ko")
    labels = [label.text() for label in window.home.findChildren(QLabel)]
    _require(title in labels, f"home shows no title {title!r} from the catalog")
    _require(not image.isNull() and image.width() > 0, "the home screen rendered nothing")
    colours = _colour_count(image)
    _require(colours >= MIN_COLOURS, f"the home screen looks blank ({colours} colours)")
    return f"rendered {image.width()}x{image.height()}, {colours} colours, title {title!r}"


STEPS: tuple[Step, ...] = (
    Step("store", check_store),
    Step("reference data", check_reference),
    Step("ticket", check_ticket),
    Step("ticket QR", check_qr),
    Step("printed slip", check_slip),
    Step("camera stack", check_multimedia),
    Step("audio guidance", check_speech),
    Step("ICU data", check_icu),
    Step("home screen", check_home_screen),
)


# --- helpers ---------------------------------------------------------------------------


def _app() -> QApplication:
    from app.launch import ensure_app

    return ensure_app()


def _colour_count(image: QImage) -> int:
    """Distinct colours on a coarse grid: cheap, and enough to tell a screen from a blank."""
    seen: set[int] = set()
    step = 7
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


@contextmanager
def _errors_logged() -> Iterator[list[str]]:
    """ERROR records logged meanwhile (a font that fails to load is logged, not raised)."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.messages
    finally:
        root.removeHandler(handler)


def _origin() -> str:
    from sync.version import app_version

    frozen = bool(getattr(sys, "frozen", False))
    version = app_version()
    # The server records app_version per kiosk; a bundle without the project's
    # metadata would report the source-tree placeholder from every kiosk.
    _require(not (frozen and version.endswith("+source")), "the bundle lacks its version metadata")
    kind = "frozen bundle" if frozen else "source install"
    return f"civic-kiosk {version} ({kind}, Python {sys.version.split()[0]})"


def run_steps(steps: Sequence[Step], directory: Path, out: TextIO) -> int:
    """Run ``steps`` in order, stopping at the first failure; 0 when all passed."""
    ctx = Context(directory=directory)
    started = time.perf_counter()
    try:
        for step in steps:
            try:
                detail = step.run(ctx)
            except Exception as exc:  # any failure is a finding, reported with its step
                reason = str(exc) if isinstance(exc, SelfTestFailed) else repr(exc)
                print(f"  FAIL {step.name}: {reason}", file=out)
                print("self-test FAILED", file=out)
                return 1
            print(f"  ok   {step.name}: {detail}", file=out)
    finally:
        for cleanup in reversed(ctx.cleanups):
            cleanup()
    print(f"self-test passed in {time.perf_counter() - started:.1f} s", file=out)
    return 0


def run_self_test(out: TextIO | None = None) -> int:
    """The whole self-test in a fresh temporary directory; the process exit code."""
    out = out if out is not None else sys.stdout
    try:
        print(_origin(), file=out)
    except Exception as exc:  # even the version lookup is part of what is tested
        print(f"  FAIL version: {exc!r}\nself-test FAILED", file=out)
        return 1
    with tempfile.TemporaryDirectory(prefix="civic-kiosk-selftest-") as tmp:
        code = run_steps(STEPS, Path(tmp), out)
    out.flush()
    return code


if __name__ == "__main__":
    sys.exit(run_self_test())
