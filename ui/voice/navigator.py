"""The keypad: a focus ring moved over the screen, items pressed, text typed key by key.

An event filter on the application turns the keypad's keys (``kiosk.keypad``)
into moves through the targets of the screen shown (``ui.voice.targets``) in
reading order (``kiosk.focus_order``), and says each one through the
narrator (the voice guide): "민원 신고, 버튼, 다섯 개 중 첫 번째".

- ◀ ▶ go item by item, ▲ ▼ from question to question (list, bar); the
  first item of a question is said with the question ("어느 구인가요? 강남구, …").
- OK presses a button, chooses an option, ticks a box, or starts typing into
  a text field: the ring then moves over the on-screen keyboard, whose keys
  are a grid (▲▼ rows, ◀▶ along a row). Each key pressed is confirmed with
  the syllable composed so far (``kiosk.hangul`` composes). A phone number is
  typed straight from the keypad's number block; OK ends it.
- Back leaves typing, else presses the screen's back button; Home starts over;
  Repeat reads the screen again; Erase deletes while typing.
- Whatever changes the view (a new screen, the next page of a form, an
  overlay) is read on arrival (``ui.voice.reader``), however it was caused.

Keys the map gives no meaning pass through untouched (a scanner, a hardware
keyboard), and the keys it maps never reach a widget. Volume, speed, hiding
the screen and voice on/off are the narrator's (``command``).

Where it listens: on the window's native window (``QWindow``), which gets
every key, click and touch of the kiosk window before any widget does, and
nothing else. An application-wide filter would also run, in Python, for each
of the tens of thousands of polish and layout events a theme change sends
(it made switching to large text a quarter slower).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QScrollArea,
    QStackedWidget,
    QWidget,
)
from typing_extensions import override

from kiosk.focus_order import Box, FocusOrder, Position, grid_rows, vertical_neighbour
from kiosk.keypad import Action, KeyMap, keypad_digit
from kiosk.spoken import Role, describe, key_phrase, spoken_value
from ui.i18n import language, tr
from ui.voice import reader
from ui.voice.keys import event_key_name
from ui.voice.ring import FocusRing
from ui.voice.targets import (
    Editor,
    Target,
    alive,
    caption,
    find_targets,
    focusable,
    is_personal,
    item,
    keyboard_targets,
    overlay,
    roots,
    shown_screen,
    takes_digits,
    value_of,
)

log = logging.getLogger(__name__)

HOLD_MS: Final = 3000
_REPEATING: Final = frozenset({Action.PREVIOUS, Action.NEXT, Action.ERASE})
# The on-screen keyboard's function keys (ui.keyboard), by their "key" property.
_SHIFT, _BACKSPACE, _SPACE, _ENTER, _TOGGLE = (
    "shift",
    "backspace",
    "space",
    "enter",
    "toggle_language",
)


class Narrator(Protocol):
    """What the keypad needs from the voice guide."""

    def say(self, text: str) -> None: ...

    def tone(self, kind: str) -> None: ...

    def private_audio(self) -> bool:
        """Whether only the citizen hears (earphones): typed letters may be echoed."""
        ...

    def command(self, action: Action) -> bool:
        """Volume, speed, hiding the screen, voice on/off; True when handled."""
        ...

    def utterances(self) -> int:
        """How many sentences have been said so far (to tell whether a press spoke)."""
        ...

    def speaking(self) -> bool:
        """Whether voice mode is on (then every arrival already said where the ring is)."""
        ...


class KeypadNavigator(QObject):
    """Moves the focus ring with the keypad; install on the QApplication."""

    moved = Signal(object)  # the widget the ring is on now (or None)

    def __init__(
        self,
        window: QWidget,
        keys: KeyMap,
        narrator: Narrator,
        parent: QObject | None = None,
        *,
        hold_ms: int = HOLD_MS,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.keys = keys
        self.narrator = narrator
        self.ring = FocusRing(window)
        self.engaged = False  # a keypad key was pressed this session: the ring shows
        self._current: QWidget | None = None
        self._group: QWidget | None = None
        self._typing: QWidget | None = None  # the text field being typed into
        self._view: tuple[int, ...] = ()
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(hold_ms)
        self._hold.timeout.connect(self._held)
        self._held_down: str = ""
        self._handle: QObject | None = None
        # The native window comes and goes (first show, new window flags): follow it.
        window.installEventFilter(self)
        self._watch_handle()

    # --- what others ask ------------------------------------------------------------

    @property
    def current(self) -> QWidget | None:
        return self._current if alive(self._current) else None

    @property
    def typing_into(self) -> QWidget | None:
        return self._typing if alive(self._typing) else None

    def arrive(self) -> None:
        """A new view (screen, page, overlay): read it and put the ring on its first item."""
        self._view = self._signature()
        self._leave_typing(quietly=True)
        root = overlay(self.window) or shown_screen(self.window)
        start = self._first_target()
        self._place(start)
        parts = reader.screen_texts(root) if root is not None else []
        if root is not None:
            parts.append(reader.hint(root))
        if start is not None:
            parts.append(self._describe(start, with_caption=True))
        self.narrator.say(reader.sentence(parts))

    def speak_errors(self) -> None:
        """Errors were shown: say each with its question, and go to the first one."""
        root = overlay(self.window) or shown_screen(self.window)
        if root is None:
            return
        found = reader.errors(root)
        if not found:
            return
        self._leave_typing(quietly=True)
        first = found[0][0]
        targets = [t for t in self._targets() if t.group is first or first.isAncestorOf(t.widget)]
        if targets:
            self._place(targets[0])
        self.narrator.say(reader.sentence([tr("voice.errors"), *(text for _, text in found)]))

    def reset(self) -> None:
        """A new citizen: no ring until a keypad key is pressed."""
        self.engaged = False
        self._leave_typing(quietly=True)
        self._place(None)

    def repeat(self) -> None:
        if self.typing_into is not None:
            self._say_typing_start(self.typing_into)
            return
        self.arrive()

    def set_hold_ms(self, milliseconds: int) -> None:
        """How long the voice key must be held (3 s on a kiosk; tests hold less)."""
        self._hold.setInterval(milliseconds)

    def view_changed(self) -> bool:
        return self._signature() != self._view

    def check_view(self) -> None:
        """After a touch: if the view changed, read the new one."""
        if self.view_changed():
            self.arrive()

    # --- keys -----------------------------------------------------------------------

    def _watch_handle(self) -> None:
        handle = self.window.windowHandle()
        if handle is None or handle is self._handle:
            return
        if self._handle is not None and alive(self._handle):
            self._handle.removeEventFilter(self)
        handle.installEventFilter(self)
        self._handle = handle

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window:
            if kind in (QEvent.Type.Show, QEvent.Type.WinIdChange):
                self._watch_handle()
            return False
        if kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd):
            QTimer.singleShot(0, self.check_view)
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        assert isinstance(event, QKeyEvent)
        # A mapped key is taken where the filter first sees it (the window, or the focus
        # widget a test sends it to), so it acts once and no widget sees it after.
        name = event_key_name(event)
        pressed = kind == QEvent.Type.KeyPress
        if self._typing_digits() and (keypad_digit(name) or self.keys.action(name) == Action.ERASE):
            if pressed:
                self._type_digit(keypad_digit(name))
            return True
        action = self.keys.action(name)
        holds = self.keys.holds_voice(name)
        if action is None and not holds:
            return False
        if pressed:
            if event.isAutoRepeat():
                if action in _REPEATING:
                    self._perform(action)
                return True
            if holds:
                self._held_down = name
                self._hold.start()
                return True
            if action is not None:
                self._perform(action)
        elif not event.isAutoRepeat() and holds and self._held_down == name:
            self._held_down = ""
            if self._hold.isActive():  # let go before the hold time: an ordinary press
                self._hold.stop()
                if action is not None and action != Action.VOICE:
                    self._perform(action)
        return True

    def _held(self) -> None:
        self.narrator.command(Action.VOICE)

    def _perform(self, action: Action) -> None:
        if self.narrator.command(action):
            return
        first_press = not self.engaged
        self.engaged = True
        if self.typing_into is not None and self.typing_into.isVisible():
            self._typing_key(action)
            return
        self._typing = None
        if action == Action.REPEAT:
            self.repeat()
        elif action == Action.HOME:
            self._press_named(getattr(getattr(self.window, "header", None), "home", None))
        elif action == Action.BACK:
            self._back()
        elif action == Action.ERASE:
            self._edge()
        elif (
            (first_press and not self.narrator.speaking())
            or self.current is None
            or not self.current.isVisible()
        ):
            # The first key shows the ring where it is (voice mode said so already).
            self._start_here()
            if action == Action.ACTIVATE and self.current is not None:
                self._activate()
        elif action == Action.ACTIVATE:
            self._activate()
        else:
            self._move(action)

    # --- moving ---------------------------------------------------------------------

    def _targets(self) -> list[Target]:
        excluded: list[QWidget] = [self.ring]
        keyboard = getattr(self.window, "keyboard", None)
        if isinstance(keyboard, QWidget):
            excluded.append(keyboard)
        return find_targets(roots(self.window), excluded)

    def _order(self, targets: Sequence[Target]) -> FocusOrder:
        return FocusOrder([t.box() for t in targets], [id(t.group) for t in targets])

    def _first_target(self) -> Target | None:
        targets = self._targets()
        if not targets:
            return None
        order = self._order(targets)
        header = getattr(self.window, "header", None)
        for group in order.groups:
            for index in group:
                widget = targets[index].widget
                if not (isinstance(header, QWidget) and header.isAncestorOf(widget)):
                    return targets[index]
        return targets[order.index(Position(0, 0))]

    def _start_here(self) -> None:
        """The first keypad key of a session (or after the item went): say where we are."""
        start = self._first_target()
        self._place(start)
        if start is not None:
            self.narrator.tone("move")
            self.narrator.say(self._describe(start, with_caption=True))

    def _move(self, action: Action) -> None:
        targets = self._targets()
        order = self._order(targets)
        at = next((order.find(i) for i, t in enumerate(targets) if t.widget is self.current), None)
        if at is None:
            self._start_here()
            return
        step = {
            Action.NEXT: order.next,
            Action.PREVIOUS: order.previous,
            Action.NEXT_GROUP: order.next_group,
            Action.PREVIOUS_GROUP: order.previous_group,
        }.get(action)
        to = step(at) if step is not None else None
        if to is None:
            self._edge()
            return
        target = targets[order.index(to)]
        self.narrator.tone("move")
        new_group = target.group is not self._group
        self._place(target)
        self.narrator.say(self._describe(target, with_caption=new_group))

    def _place(self, target: Target | None) -> None:
        self._current = target.widget if target is not None else None
        self._group = target.group if target is not None else None
        if target is None:
            self.ring.surround(None)
            self.moved.emit(None)
            return
        widget = target.widget
        _scroll_into_view(widget)
        if self.engaged and target.role not in (Role.TEXT_FIELD, Role.KEY) and focusable(widget):
            # Qt's focus follows the ring, so a system screen reader says the same item
            # (only for keypad users: a touch user's focus is left where touch puts it).
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ring.surround(widget if self.engaged else None)
        self.moved.emit(widget)

    def _describe(self, target: Target, *, with_caption: bool) -> str:
        members = [t for t in self._targets() if t.group is target.group]
        if target.widget not in [t.widget for t in members]:
            members = [target]
        ranked = self._order(members).groups[0]  # one group: its members in reading order
        mine = next(i for i, t in enumerate(members) if t.widget is target.widget)
        said = describe(item(target, ranked.index(mine), len(members)), language(), tr)
        question = caption(target.group)
        if with_caption and question and question != target.widget.accessibleName():
            return f"{question} {said}"
        return said

    def _edge(self) -> None:
        self.narrator.tone("edge")

    # --- pressing -------------------------------------------------------------------

    def _activate(self) -> None:
        widget = self.current
        if widget is None:
            return
        targets = self._targets()
        target = next((t for t in targets if t.widget is widget), None)
        if target is None:
            self._start_here()
            return
        if target.role == Role.TEXT_FIELD:
            self._start_typing(widget)
            return
        assert isinstance(widget, QAbstractButton)
        self._click(widget, target)

    def _click(self, button: QAbstractButton, target: Target) -> None:
        said = self.narrator.utterances()
        self.narrator.tone("press")
        button.click()
        if self.view_changed():  # a new page of the same screen: nobody read it yet
            self.arrive()
        elif self.narrator.utterances() != said:
            return  # the press spoke already (an error, a new screen)
        elif alive(button) and button.isVisible() and target.role != Role.BUTTON:
            key = {True: "voice.selected", False: "voice.unselected"}[button.isChecked()]
            if target.role == Role.CHECKBOX:
                key = "voice.ticked" if button.isChecked() else "voice.unticked"
            elif target.role == Role.TOGGLE:
                key = "voice.on" if button.isChecked() else "voice.off"
            self.narrator.say(f"{button.accessibleName()}, {tr(key)}")

    def _press_named(self, button: object) -> None:
        if isinstance(button, QAbstractButton) and button.isVisible() and button.isEnabled():
            target = Target(
                button, button.parentWidget() or self.window, Role.BUTTON, Box(0, 0, 0, 0)
            )
            self._click(button, target)
        else:
            self._edge()

    def _back(self) -> None:
        root = overlay(self.window) or shown_screen(self.window)
        for bar in root.findChildren(QWidget) if root is not None else []:
            back = getattr(bar, "back_button", None)
            if isinstance(back, QAbstractButton) and back.isVisible() and back.isEnabled():
                self._press_named(back)
                return
        self._edge()

    # --- typing ---------------------------------------------------------------------

    def _keyboard(self) -> QWidget | None:
        keyboard = getattr(self.window, "keyboard", None)
        return keyboard if isinstance(keyboard, QWidget) else None

    def _start_typing(self, editor: QWidget) -> None:
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        keyboard = self._keyboard()
        if keyboard is None or not keyboard.isVisible():
            self.narrator.say(tr("voice.typing.hardware", field=editor.accessibleName()))
            return
        self._typing = editor
        keys = keyboard_targets(keyboard)
        # A phone pad starts on 1; letters on the first letter key (q / ㅂ), not the digits row.
        first = "1" if takes_digits(editor) else "q"
        start = next((k for k in keys if k.widget.property("key") == first), None)
        self._place(start or (keys[0] if keys else None))
        self._say_typing_start(editor)

    def _say_typing_start(self, editor: QWidget) -> None:
        value = self._spoken_value(editor)
        how = "voice.typing.digits" if takes_digits(editor) else "voice.typing.text"
        key = self.current
        words = {a.value: key_phrase(self.keys.first_key(a), tr) for a in Action}
        # While the number block types digits, OK is the OK key that is not a digit.
        finish = [k for k in self.keys.keys.get(Action.ACTIVATE, ()) if not keypad_digit(k)]
        if takes_digits(editor) and finish:
            words[Action.ACTIVATE.value] = key_phrase(finish[0], tr)
        parts = [tr(how, field=editor.accessibleName(), **words), value]
        if key is not None:
            parts.append(key.accessibleName())
        self.narrator.say(reader.sentence(parts))

    def _spoken_value(self, editor: QWidget) -> str:
        """A field's value as it may be said: a name or phone number only counted, always."""
        return spoken_value(
            value_of(editor),
            personal=is_personal(editor),
            digits=takes_digits(editor),
            translate=tr,
        )

    def _typing_digits(self) -> bool:
        editor = self.typing_into
        return editor is not None and editor.isVisible() and takes_digits(editor)

    def _typing_key(self, action: Action) -> None:
        editor = self.typing_into
        assert editor is not None
        if action == Action.BACK:
            self._leave_typing()
        elif action == Action.ACTIVATE and takes_digits(editor):
            self._finish_field(editor)
        elif action == Action.ACTIVATE:
            if self.current is not None and isinstance(self.current, QAbstractButton):
                self._press_key(self.current)
        elif action == Action.ERASE:
            self._press_key_named(_BACKSPACE)
        elif action == Action.REPEAT:
            self.repeat()
        elif action == Action.HOME:
            self._leave_typing(quietly=True)
            self._press_named(getattr(getattr(self.window, "header", None), "home", None))
        else:
            self._move_key(action)

    def _move_key(self, action: Action) -> None:
        keyboard = self._keyboard()
        if keyboard is None:
            return
        keys = keyboard_targets(keyboard)
        boxes = [k.box() for k in keys]
        rows = grid_rows(boxes)
        at = next(
            ((r, c) for r, row in enumerate(rows) for c, i in enumerate(row)
             if keys[i].widget is self.current),
            None,
        )  # fmt: skip
        if at is None:
            self._place(keys[rows[0][0]] if rows else None)
            return
        row, column = at
        to: tuple[int, int] | None = None
        if action == Action.NEXT and column + 1 < len(rows[row]):
            to = (row, column + 1)
        elif action == Action.PREVIOUS and column > 0:
            to = (row, column - 1)
        elif action in (Action.NEXT_GROUP, Action.PREVIOUS_GROUP):
            step = 1 if action == Action.NEXT_GROUP else -1
            to = vertical_neighbour(boxes, rows, row, column, step)
        if to is None:
            self._edge()
            return
        target = keys[rows[to[0]][to[1]]]
        self.narrator.tone("move")
        self._place(target)
        self.narrator.say(target.widget.accessibleName())

    def _press_key_named(self, name: str) -> None:
        keyboard = self._keyboard()
        for key in keyboard.findChildren(QAbstractButton) if keyboard is not None else []:
            if key.isVisible() and key.property("key") == name:
                self._press_key(key)
                return
        self._edge()

    def _type_digit(self, digit: str) -> None:
        if digit:
            self._press_key_named(digit)
        else:
            self._press_key_named(_BACKSPACE)

    def _press_key(self, key: QAbstractButton) -> None:
        editor = self.typing_into
        if editor is None:
            return
        name = str(key.property("key"))
        self.narrator.tone("press")
        key.click()
        keyboard = self._keyboard()
        focused = QApplication.focusWidget()
        if name == _ENTER and focused is not editor:
            self._leave_typing(quietly=True)
            if isinstance(focused, QWidget) and focused is not None and takes_text(focused):
                self._start_typing(focused)  # "다음 칸": on to the next field, still typing
            else:
                self._finish_field(editor)
            return
        if name == _SHIFT:
            on = bool(getattr(keyboard, "shift_active", lambda: False)())
            self.narrator.say(f"{key.accessibleName()}, {tr('voice.on' if on else 'voice.off')}")
        elif name == _TOGGLE:
            mode = getattr(keyboard, "mode", lambda: "")()
            self.narrator.say(tr(f"voice.mode.{getattr(mode, 'value', mode)}"))
        elif name == _BACKSPACE:
            self.narrator.say(f"{tr('voice.erased')}, {self._spoken_value(editor)}")
        elif name == _SPACE:
            self.narrator.say(key.accessibleName())
        elif is_personal(editor) and not self.narrator.private_audio():
            self.narrator.say(self._spoken_value(editor))
        else:
            composing = str(getattr(keyboard, "composing", lambda: "")())
            typed = value_of(editor)
            self.narrator.say(composing or (typed[-1:] if typed else ""))

    def _finish_field(self, editor: QWidget) -> None:
        """Done with a field: the ring goes on to what follows it."""
        self._leave_typing(quietly=True)
        targets = self._targets()
        order = self._order(targets)
        at = next((order.find(i) for i, t in enumerate(targets) if t.widget is editor), None)
        following = order.next(at) if at is not None else None
        target = targets[order.index(following)] if following is not None else None
        if target is None:
            target = next((t for t in targets if t.widget is editor), None)
        self._place(target)
        said = [tr("voice.typing.done", value=self._spoken_value(editor))]
        if target is not None:
            said.append(self._describe(target, with_caption=True))
        self.narrator.say(reader.sentence(said))

    def _leave_typing(self, *, quietly: bool = False) -> None:
        editor = self.typing_into
        self._typing = None
        if editor is None:
            return
        commit = getattr(self._keyboard(), "commit", None)
        if callable(commit):
            commit()
        if editor.hasFocus():
            # Focus to the window: the keyboard has nothing to type into and closes.
            self.window.setFocus(Qt.FocusReason.OtherFocusReason)
        target = next((t for t in self._targets() if t.widget is editor), None)
        if quietly or target is None:
            return
        self._place(target)
        self.narrator.say(self._describe(target, with_caption=False))

    # --- the view -------------------------------------------------------------------

    def _signature(self) -> tuple[int, ...]:
        """What identifies the view: the screen, its visible pages, an overlay."""
        screen = shown_screen(self.window)
        top = overlay(self.window)
        parts = [id(screen), id(top) if top is not None else 0]
        if screen is not None:
            for stack in screen.findChildren(QStackedWidget):
                if stack.isVisible():
                    parts += [id(stack), stack.currentIndex()]
        return tuple(parts)


def takes_text(widget: QWidget) -> bool:
    return isinstance(widget, Editor) and not widget.isReadOnly()


def _scroll_into_view(widget: QWidget) -> None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 16, 16)
            return
        parent = parent.parentWidget()
