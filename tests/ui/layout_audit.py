"""The layout audit, run inside a real X server: every citizen screen held to the rules.

    QT_QPA_PLATFORM=xcb DISPLAY=:N python -m tests.ui.layout_audit --dpi 81.6

Started by tests/ui/test_layout_audit.py in an Xvfb of its own (xcb, no window
manager: the production set-up). Builds the kiosk window once, in kiosk mode
(``ScreenFit``), and for each of {ko, en} × {normal, large text, high
contrast, low screen} walks a citizen through every screen; on every screen
with a text field it focuses each field in turn, so the keyboard is open.
Checks, on what is on the screen:

- the window is the screen;
- no text is clipped: each label's and button's words, measured with the
  font's metrics, fit the room the widget gives them;
- no actionable widget lies partly off the screen, partly outside the
  layout that holds it (clipped by anything but a scroll view), or under
  another widget;
- every actionable widget is at least 15 mm on both sides and every text at
  least 12 mm high (a Hangul syllable with 받침 in the widget's font) at the
  stated panel size;
- the focused field, its question and its error lie whole in view, above
  the keyboard;
- every actionable widget has an accessible name, in the current language.

Prints one JSON line per configuration (smallest target and text in mm, the
number of screens and breaches) and one per breach; exits 1 on any breach.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QStyle,
    QStyleOptionButton,
    QTextEdit,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MIN_TARGET_MM = 15.0
MIN_TEXT_MM = 12.0
MODES = ("normal", "large", "contrast", "low")
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
EDITORS = (QLineEdit, QPlainTextEdit, QTextEdit)


@dataclass
class Audit:
    """What one configuration found."""

    dpi: float
    config: str
    screens: int = 0
    smallest_target: float = 1e9
    smallest_text: float = 1e9
    breaches: list[str] = field(default_factory=list)

    def mm(self, px: float) -> float:
        return px * 25.4 / self.dpi

    def breach(self, screen: str, what: str) -> None:
        self.breaches.append(f"{self.config} · {screen}: {what}")


def settle(app: QApplication, window: QWidget | None = None, rounds: int = 30) -> None:
    """Let layouts, deferred scrolls and the keyboard's resizing run until nothing moves."""
    last: object = None
    steady = 0
    for _ in range(rounds):
        app.processEvents()
        QTest.qWait(1)
        now = fingerprint(window) if window is not None else None
        # Three quiet turns in a row: on a busy machine a deferred layout may skip one.
        steady = steady + 1 if now == last and now is not None else 0
        if steady >= 3:
            return
        last = now


def content_height(area: QAbstractScrollArea) -> int:
    content = area.widget() if isinstance(area, QScrollArea) else None
    return content.height() if content is not None else 0


def fingerprint(window: QWidget) -> object:
    """Where things are: every scroll position and range, the keyboard's geometry."""
    # A scroll area's content refits on a zero timer after its layout grew
    # (ui.scrolling.ScrollPage): its height says whether that has happened yet.
    bars = [
        (
            a.verticalScrollBar().value(),
            a.verticalScrollBar().maximum(),
            a.height(),
            content_height(a),
        )
        for a in window.findChildren(QAbstractScrollArea)
        if a.isVisible()
    ]
    keyboard = getattr(window, "keyboard", None)
    return (bars, keyboard.geometry().getRect() if keyboard is not None else None)


def describe(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = widget.text().replace("\n", " ")[:40]
    name = type(widget).__name__
    return (
        f"{name}({text!r})"
        if text
        else f"{name}[{widget.objectName() or widget.accessibleName()[:30]}]"
    )


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def visible_part(widget: QWidget) -> tuple[QRect, QWidget | None]:
    """The part of ``widget`` its ancestors let show, and the ancestor that cut it (if any)."""
    rect = global_rect(widget)
    cut_by: QWidget | None = None
    parent = widget.parentWidget()
    while parent is not None:
        clipped = rect.intersected(global_rect(parent))
        if clipped != rect and cut_by is None:
            cut_by = parent
        rect = clipped
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return rect, cut_by


def is_scroll_viewport(widget: QWidget | None) -> bool:
    parent = widget.parentWidget() if widget is not None else None
    return isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget


def in_scroll_view(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if is_scroll_viewport(parent):
            return True
        parent = parent.parentWidget()
    return False


def ink_height(widget: QWidget) -> float:
    """How tall a Hangul syllable with 받침 is in ``widget``'s font, in pixels."""
    return QFontMetricsF(widget.font()).tightBoundingRect("한").height()


def shown_text(widget: QWidget) -> str:
    if isinstance(widget, QLabel):
        return "" if widget.pixmap() is not None and not widget.pixmap().isNull() else widget.text()
    if isinstance(widget, QAbstractButton):
        return widget.text()
    return ""


def text_fits(widget: QWidget) -> str:
    """ "" if the widget's words fit the room it gives them, else what is cut."""
    text = shown_text(widget).replace("&&", "&")
    if not text.strip():
        return ""
    metrics = QFontMetricsF(widget.font())
    if isinstance(widget, QLabel):
        room = widget.contentsRect()
        if widget.wordWrap():
            flags = int(widget.alignment()) | int(Qt.TextFlag.TextWordWrap)
            needed = metrics.boundingRect(QRectF(0, 0, room.width(), 100_000), flags, text)
            if needed.height() > room.height() + 1.5:
                return f"{needed.height():.0f}px of lines in {room.height()}px"
            # A word longer than the line is cut, not wrapped.
            # (A zero-width space is a place to break, as a space is.)
            longest = max(metrics.horizontalAdvance(w) for w in text.replace("\u200b", " ").split())
            if longest > room.width() + 1.5:
                return f"a word of {longest:.0f}px in {room.width()}px"
            return ""
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        height = metrics.height() * len(lines)
        if width > room.width() + 1.5:
            return f"{width:.0f}px of words in {room.width()}px"
        ink = metrics.tightBoundingRect(text).height() if len(lines) == 1 else height
        if ink > room.height() + 1.5:
            return f"{ink:.0f}px of text in {room.height()}px"
        return ""
    if isinstance(widget, QPushButton):
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        room = widget.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, widget
        )
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        if not widget.icon().isNull():
            width += widget.iconSize().width() + 4
        ink = (
            metrics.tightBoundingRect(text).height()
            if len(lines) == 1
            else metrics.height() * len(lines)
        )
        if width > room.width() + 1.5:
            return f"{width:.0f}px of words in {room.width()}px"
        if ink > room.height() + 1.5:
            return f"{ink:.0f}px of text in {room.height()}px"
    return ""


def actionable(widget: QWidget) -> bool:
    if isinstance(widget, QScrollBar):
        return False
    if isinstance(widget, QAbstractButton | QLineEdit | QPlainTextEdit):
        return widget.isEnabled()
    return False


def shown_widgets(window: QWidget) -> Iterator[QWidget]:
    """Every visible widget: the frame, the screen on show and what lies over it."""
    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    roots: list[QWidget] = [
        window.header,
        window.current_screen(),
        window.call_line,
        window.bar,
        window.frame.shade,
        window.idle_warning,
    ]
    if window.keyboard is not None:
        roots.append(window.keyboard)
    for root in roots:
        if not root.isVisible():
            continue
        yield root
        for widget in root.findChildren(QWidget):
            if widget.isVisible():
                yield widget


def name_in_language(name: str, language: str, allowed: set[str]) -> bool:
    if not name.strip():
        return False
    if name in allowed:
        return True
    if language == "ko":
        # A key or a number says "키" or is a Korean word; data (names of events) may be either.
        return bool(HANGUL.search(name)) or not re.search(r"[A-Za-z]{2,}", name)
    return not HANGUL.search(name)


def check(window: QWidget, audit: Audit, screen: str, language: str, allowed: set[str]) -> None:
    """Hold what is on screen now to every rule."""
    from ui.widgets import ChoiceGrid

    audit.screens += 1
    shown = window.screen().geometry()
    if window.geometry() != shown:
        audit.breach(
            screen, f"window {window.geometry().getRect()} is not the screen {shown.getRect()}"
        )
    overlays = [o for o in window.findChildren(QWidget) if o.property("role") == "overlay"]
    on_top = next((o for o in overlays if o.isVisible()), None)
    for widget in shown_widgets(window):
        if on_top is not None and not on_top.isAncestorOf(widget):
            continue  # under a full-window panel (the idle warning): not on screen now
        if isinstance(widget, ChoiceGrid):
            # Its rows whole: a grid given less room than its layout needs draws its
            # options over each other, or not at all (no other rule sees an option of
            # no height).
            options = [b for b in widget.buttons() if not b.isHidden()]
            outside = [b for b in options if not widget.rect().contains(b.geometry())]
            overlapping = [
                b
                for i, b in enumerate(options)
                if any(b.geometry().intersects(o.geometry()) for o in options[i + 1 :])
            ]
            for option in (outside + overlapping)[:1]:
                audit.breach(screen, f"{describe(widget)} squeezed: {describe(option)}")
        part, cut_by = visible_part(widget)
        if part.isEmpty():
            continue  # scrolled out of sight
        text = shown_text(widget)
        if text.strip():
            height = audit.mm(ink_height(widget))
            audit.smallest_text = min(audit.smallest_text, height)
            if height < MIN_TEXT_MM - 0.01:
                audit.breach(screen, f"{describe(widget)} text {height:.1f} mm high")
            problem = text_fits(widget)
            if problem:
                audit.breach(screen, f"{describe(widget)} clipped: {problem}")
        if not actionable(widget):
            continue
        # In a scroll view only the part in view counts; it scrolls to the rest.
        whole = part if in_scroll_view(widget) else global_rect(widget)
        if not shown.contains(whole):
            audit.breach(screen, f"{describe(widget)} partly off the screen")
        if cut_by is not None and not is_scroll_viewport(cut_by) and not in_scroll_view(widget):
            audit.breach(screen, f"{describe(widget)} cut by {describe(cut_by)}")
        side = audit.mm(min(widget.width(), widget.height()))
        audit.smallest_target = min(audit.smallest_target, side)
        if side < MIN_TARGET_MM - 0.01:
            audit.breach(
                screen,
                f"{describe(widget)} is {widget.width()}×{widget.height()} px ({side:.1f} mm)",
            )
        inset = part.adjusted(3, 3, -3, -3)
        # A sliver at the edge of a scroll view (scrolled almost away) has nothing to test.
        points = (inset.center(), inset.bottomRight()) if inset.isValid() else ()
        for point in points:
            found = QApplication.widgetAt(point)
            if found is not None and found is not widget and not widget.isAncestorOf(found):
                where = f"{point.x()},{point.y()}"
                audit.breach(screen, f"{describe(widget)} under {describe(found)} at {where}")
                break
        if not name_in_language(widget.accessibleName(), language, allowed):
            audit.breach(screen, f"{describe(widget)} accessible name {widget.accessibleName()!r}")


def focus(app: QApplication, window: QWidget, editor: QWidget) -> None:
    """A tap on ``editor``: the focus, and with it the keyboard.

    Without a window manager nothing activates the window for us, and on a
    busy machine an activation may still be on its way: ask again until the
    field has the focus (a few tries; ``check_focus`` reports it if not).
    """
    for _ in range(5):
        if not window.isActiveWindow():
            window.activateWindow()
        editor.setFocus(Qt.FocusReason.MouseFocusReason)
        settle(app, window)
        if QApplication.focusWidget() is editor:
            return
        QTest.qWait(50)


def snap(window: QWidget, directory: str, name: str) -> None:
    """What the screen shows now, as a PNG (``--shots``: for a person to look at)."""
    if not directory:
        return
    safe = re.sub(r"[^\w.-]+", "_", name)
    window.screen().grabWindow(0).save(str(Path(directory) / f"{safe}.png"))


def check_focus(window: QWidget, keyboard: QWidget | None, audit: Audit, screen: str) -> None:
    """The focused field, with its question and error, whole in view above the keyboard."""
    focused = QApplication.focusWidget()
    if not isinstance(focused, EDITORS):
        audit.breach(screen, "no field has the focus")
        return
    group: QWidget = focused
    node = focused.parentWidget()
    while node is not None and node is not window:
        if node.property("field_group"):
            group = node
            break
        node = node.parentWidget()
    whole = global_rect(group)
    part, _ = visible_part(group)
    if part != whole:
        audit.breach(screen, f"{describe(focused)} with its question is not whole in view")
    if keyboard is None or not keyboard.isVisible():
        audit.breach(screen, f"{describe(focused)} focused but the keyboard is closed")
    elif whole.bottom() > global_rect(keyboard).top():
        audit.breach(screen, f"{describe(focused)} lies under the keyboard")


# --- the citizen's walk -------------------------------------------------------------------


Step = tuple[str, Callable[[], list[QWidget]]]


def walk(window: object, restore: Callable[[], None]) -> Iterator[tuple[str, list[QWidget]]]:
    """Every citizen screen, as (name, the text fields to focus on it).

    ``restore`` puts the configuration back (language, display) after "Done"
    on the receipt hands the kiosk to the next person.
    """
    from ui.screens.form import FormScreen
    from ui.shell import KioskWindow

    assert isinstance(window, KioskWindow)
    w = window
    korean = w.i18n.language == "ko"

    def fields(*names: str) -> list[QWidget]:
        form = w.current_form()
        assert form is not None
        return [form.field(n).editor for n in names]

    def put(form: FormScreen, name: str, text: str) -> None:
        editor = form.field(name).editor
        if isinstance(editor, QLineEdit):
            editor.setText(text)
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)

    yield "home", []
    w.start("complaint")
    yield "complaint-category", []
    w.complaint.grid("category").set_value("road")
    w.complaint.go_forward()
    w.complaint.grid("district").button_for("songpa").click()
    yield "complaint-place", fields("address")
    put(w.complaint, "address", "잠실동 1" if korean else "1 Jamsil-dong")
    w.complaint.go_forward()
    yield "complaint-details", fields("description")
    put(w.complaint, "description", "보도블록이 깨졌습니다" if korean else "Broken paving")
    w.complaint.go_forward()
    if w.complaint.photo_page_shown():
        yield "complaint-photo", []
        w.complaint.go_forward()
    put(w.complaint, "name", "김민수" if korean else "Minsu Kim")
    put(w.complaint, "phone", "010-12")
    put(w.complaint, "email", "minsu@")
    w.complaint.go_forward()  # errors beside phone and e-mail
    yield "complaint-contact-errors", fields("name", "phone", "email")
    put(w.complaint, "phone", "010-1234-5678")
    put(w.complaint, "email", "")
    w.complaint.go_forward()
    w.consent.nav.next_button.click()  # not ticked: the error
    yield "consent-error", []
    w.consent.required.setChecked(True)
    w.consent.nav.next_button.click()
    yield "review", []
    w.review.nav.next_button.click()
    yield "receipt", []
    w.request_start_over()
    restore()
    w.start("suggestion")
    yield "suggestion-category", []
    w.start("proposal")
    yield "proposal-area", []
    w.proposal.grid("area").set_value("transport")
    w.proposal.go_forward()
    yield "proposal-text", fields("title", "description")
    put(w.proposal, "title", "버스" if korean else "Buses")
    put(w.proposal, "description", "노선을 늘려 주세요" if korean else "More lines")
    w.proposal.go_forward()
    yield "proposal-district", []
    w.proposal.go_forward()
    yield "proposal-contact", fields("name", "phone", "email")
    put(w.proposal, "name", "김민수" if korean else "Minsu Kim")
    put(w.proposal, "phone", "010-1234-5678")
    w.proposal.go_forward()
    w.consent.refuse.click()
    yield "consent-refused", []
    w.start("proposal")
    put(w.proposal, "title", "버스 노선을 늘려 주세요" if korean else "More bus lines")
    w.request_start_over()
    yield "leave", []
    w.leave.discard.click()
    w.start("signup")
    yield "events", []
    w.events.buttons[0].click()
    yield "signup-form", fields("name", "phone")
    put(w.signup, "name", "김민수" if korean else "Minsu Kim")
    put(w.signup, "phone", "010-1234-5678")
    w.signup.go_forward()
    w.consent.required.setChecked(True)
    w.consent.notify.setChecked(True)
    w.consent.nav.next_button.click()
    w.review.nav.next_button.click()
    yield "ticket", []
    w.end_session()
    restore()
    w.start("case")
    yield "case", [w.case.field.editor]
    code = w.case.field.editor
    assert isinstance(code, QLineEdit)
    code.setText("24BG-XWR")
    w.case.go.click()
    yield "case-invalid", [w.case.field.editor]
    w.start("checkin")
    yield "checkin-events", []
    if w.checkin.event_buttons:
        w.checkin.event_buttons[0].click()
        yield "checkin-desk", []
        w.checkin.show_lookup()
        yield "checkin-lookup", [w.checkin.code, w.checkin.name]
    w.start_over()
    w.open_accessibility()
    yield "accessibility", []
    w.show_problem()
    yield "problem", []
    w.end_session()
    restore()
    w.start("complaint")
    w._idle()  # what the idle timer calls
    yield "idle-warning", []
    w.idle_warning.stop()
    w.watcher.start()


def run(dpi: float, photo: bool, only: str = "", screens: str = "", shots: str = "") -> int:
    from app.launch import build_window, ensure_app
    from core.sealing import new_keypair
    from kiosk.config import Settings
    from kiosk.demo import seed_demo_reference
    from kiosk.store import open_store
    from tests.conftest import enroll_locally
    from tests.ui.photo_source import StillPhotoSource
    from ui.camera import CameraScanner
    from ui.fullscreen import ScreenFit
    from ui.i18n import translate
    from ui.idle import IdleTiming
    from ui.lockdown import kiosk_window_flags
    from ui.screens.accessibility import Accessibility

    app = ensure_app()
    now = dt.datetime.now(dt.UTC)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'kiosk.db'}")
        enroll_locally(store, new_keypair()[1])
        with store.write() as session:
            seed_demo_reference(session, now)
        settings = Settings(
            data_dir=Path(tmp),
            language="ko",
            office_name="서울시청 시민청",
            checkin_staff_only=False,
            screen_dpi=dpi,
            kiosk_mode=True,
        )
        window = build_window(
            settings,
            store,
            timing=IdleTiming(3_600_000, 30_000),
            clock=lambda: now,
            camera=CameraScanner(devices=list),
            photo_source=StillPhotoSource() if photo else None,
            network=False,
        )
        kiosk_window_flags(window)
        ScreenFit(window).start()
        QTest.qWaitForWindowExposed(window)
        settle(app, window)
        screen = window.screen().geometry()
        allowed = {translate("keyboard.toggle_language", "en"), "한국어", "English"}
        for language in ("ko", "en"):
            for mode in MODES:
                if only and only != f"{language} {mode}":
                    continue
                options = Accessibility(
                    large_text=mode == "large",
                    high_contrast=mode == "contrast",
                    low_screen=mode == "low",
                )

                def restore(language: str = language, options: Accessibility = options) -> None:
                    window._choose_language(language)
                    window.set_accessibility(options)
                    settle(app, window)

                # The configuration is the kiosk's own for this run, as staff would set it:
                # "Done" and "Start over" keep it, and no screen is restyled twice.
                window.settings = replace(window.settings, language=language)
                window.defaults = options
                window.end_session()
                restore()
                config = f"{screen.width()}×{screen.height()} {language} {mode}"
                audit = Audit(dpi=dpi, config=config)
                for name, editors in walk(window, restore):
                    if screens and name not in screens.split(","):
                        continue
                    settle(app, window)
                    check(window, audit, name, language, allowed)
                    snap(window, shots, f"{config}-{name}")
                    for editor in editors:
                        focus(app, window, editor)
                        label = f"{name} [{editor.accessibleName()[:24]}]"
                        check(window, audit, label, language, allowed)
                        check_focus(window, window.keyboard, audit, label)
                        snap(window, shots, f"{config}-{name}-{editor.objectName()}")
                    window.setFocus()
                print(
                    json.dumps(
                        {
                            "config": config,
                            "screens": audit.screens,
                            "smallest_target_mm": round(audit.smallest_target, 1),
                            "smallest_text_mm": round(audit.smallest_text, 1),
                            "breaches": len(audit.breaches),
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
                for breach in audit.breaches:
                    print(json.dumps({"breach": breach}, ensure_ascii=False), flush=True)
                failed = failed or bool(audit.breaches)
        window.lockdown.permit_exit()
        window.close()
        store.close()
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=float, required=True, help="the panel's logical DPI")
    parser.add_argument("--no-photo", action="store_true", help="a kiosk without a camera")
    parser.add_argument("--only", default="", help='one configuration, e.g. "ko large"')
    parser.add_argument("--screens", default="", help="comma-separated screen names to check")
    parser.add_argument("--shots", default="", help="a directory for a screenshot of each")
    args = parser.parse_args()
    return run(
        args.dpi, photo=not args.no_photo, only=args.only, screens=args.screens, shots=args.shots
    )


if __name__ == "__main__":
    sys.exit(main())
