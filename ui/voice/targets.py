"""What the keypad can reach on the screen shown now, found by walking the widgets.

Generic on purpose: the screens change (a new flow, a new layout), the rule
does not. Every visible, enabled, actionable widget is a target:

- buttons (push buttons, tiles, choices, tick boxes), and
- text fields that are not read-only.

Its role comes from its class (a tick box, an option of an exclusive group,
a switch that stays on, a text field, a key of the on-screen keyboard, a
button), its name from its accessible name (the text a screen reader says:
every actionable widget has one, ``tests/ui/test_accessible_names.py``), its
group from the nearest question (``Field``), list (``ChoiceGrid``),
back/next bar (``NavBar``) or, failing those, its parent widget.

Where: a full-window overlay (the idle warning, a question) is all there is
while it shows; otherwise the window's header and the screen shown. The
on-screen keyboard only counts while the citizen types (``keyboard_targets``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QTextEdit,
    QWidget,
)

from kiosk.focus_order import Box
from kiosk.spoken import PERSONAL_FIELDS, Item, Role
from ui.widgets import DIGITS, ChoiceGrid, Field, NavBar

Editor = QLineEdit | QPlainTextEdit | QTextEdit
OVERLAY_ROLE = "overlay"


@dataclass(frozen=True)
class Target:
    widget: QWidget
    group: QWidget
    role: Role
    place: Box  # where it is in reading order (``unrolled``), not where it is drawn now

    def box(self) -> Box:
        return self.place


def _scroll_area(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def unrolled(widget: QWidget, areas: Sequence[QScrollArea]) -> Box:
    """Where ``widget`` would be if every scroll area showed its whole content.

    Reading order must not depend on how far a list is scrolled: a question
    scrolled up out of sight would otherwise come before the header. So a
    widget in a scroll area is placed by its position in the area's content,
    and whatever lies below a scroll area moves down by what the area hides.
    """
    area = _scroll_area(widget)
    content = area.widget() if area is not None else None
    if area is not None and content is not None:
        top = area.viewport().mapToGlobal(QPoint(0, 0))
        inside = widget.mapTo(content, QPoint(0, 0))
        x, y = top.x() + inside.x(), top.y() + inside.y()
    else:
        corner = widget.mapToGlobal(QPoint(0, 0))
        x, y = corner.x(), corner.y()
    for other in areas:
        inner = other.widget()
        if other is area or inner is None:
            continue
        bottom = other.viewport().mapToGlobal(QPoint(0, other.viewport().height())).y()
        if y >= bottom:
            y += max(0, inner.height() - other.viewport().height())
    return Box(x, y, widget.width(), widget.height())


def alive(thing: QObject | None) -> bool:
    """Whether a Qt object still exists (a screen may have deleted it since)."""
    return thing is not None and shiboken6.isValid(thing)


def shown_screen(window: QWidget) -> QWidget | None:
    """The screen the window shows now (the kiosk shell's stack of screens)."""
    current = getattr(window, "current_screen", None)
    if callable(current):
        screen = current()
        return screen if isinstance(screen, QWidget) else None
    stack = window.findChild(QStackedWidget)
    return stack.currentWidget() if stack is not None else None


def overlay(window: QWidget) -> QWidget | None:
    """A visible full-window overlay (idle warning, a question), or a modal dialog."""
    modal = QApplication.activeModalWidget()
    if modal is not None:
        return modal
    for child in window.findChildren(QWidget):
        if child.property("role") == OVERLAY_ROLE and child.isVisible():
            return child
    return None


def roots(window: QWidget) -> list[QWidget]:
    """Where the keypad looks: the overlay alone, or the header and the screen."""
    top = overlay(window)
    if top is not None:
        return [top]
    found: list[QWidget] = []
    header = getattr(window, "header", None)
    if isinstance(header, QWidget) and header.isVisible():
        found.append(header)
    screen = shown_screen(window)
    if screen is not None:
        found.append(screen)
    return found


def role_of(widget: QWidget) -> Role | None:
    """The keypad role of an actionable widget, or None for anything else."""
    if isinstance(widget, Editor):
        return None if widget.isReadOnly() else Role.TEXT_FIELD
    if not isinstance(widget, QAbstractButton):
        return None
    if isinstance(widget, QCheckBox):
        return Role.CHECKBOX
    if isinstance(widget, QRadioButton):
        return Role.OPTION
    if widget.isCheckable():
        group = widget.group()
        return Role.OPTION if group is not None and group.exclusive() else Role.TOGGLE
    return Role.BUTTON


def group_of(widget: QWidget, root: QWidget) -> QWidget:
    """The question, list or bar ``widget`` belongs to (▲▼ jump between these)."""
    nearest: QWidget | None = None
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, Field):
            return parent
        if nearest is None and isinstance(parent, ChoiceGrid | NavBar):
            nearest = parent
        parent = parent.parentWidget()
    return nearest or widget.parentWidget() or root


def _within(widget: QWidget, excluded: Sequence[QWidget]) -> bool:
    return any(e is widget or e.isAncestorOf(widget) for e in excluded)


def find_targets(search: Sequence[QWidget], excluded: Sequence[QWidget] = ()) -> list[Target]:
    """Every reachable widget under ``search`` (each a root), not under ``excluded``."""
    found: list[Target] = []
    areas = [a for root in search for a in root.findChildren(QScrollArea) if a.isVisible()]
    for root in search:
        for widget in root.findChildren(QWidget):
            role = role_of(widget)
            if role is None or not widget.isVisible() or not widget.isEnabled():
                continue
            if _within(widget, excluded):
                continue
            # A label drawn inside a tile is not a second target: the tile is.
            if any(isinstance(a, QAbstractButton) for a in _ancestors(widget, root)):
                continue
            found.append(Target(widget, group_of(widget, root), role, unrolled(widget, areas)))
    return found


def keyboard_targets(keyboard: QWidget) -> list[Target]:
    """The keys of the on-screen keyboard's current page, each row a group."""
    keys = [
        b
        for b in keyboard.findChildren(QAbstractButton)
        if b.isVisible() and b.isEnabled() and b.text()
    ]
    return [
        Target(key, key.parentWidget() or keyboard, Role.KEY, unrolled(key, ())) for key in keys
    ]


def _ancestors(widget: QWidget, root: QWidget) -> Iterable[QWidget]:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        yield parent
        parent = parent.parentWidget()


def value_of(editor: QWidget) -> str:
    if isinstance(editor, QLineEdit):
        return editor.text()
    if isinstance(editor, QPlainTextEdit | QTextEdit):
        return editor.toPlainText()
    return ""


def is_personal(editor: QWidget) -> bool:
    return editor.objectName() in PERSONAL_FIELDS


def takes_digits(editor: QWidget) -> bool:
    return bool(editor.property("keyboard") == DIGITS)


def field_error(group: QWidget) -> str:
    """The error shown beside a question, as its accessible name says it."""
    if isinstance(group, Field) and group.error.isVisible():
        return group.error.accessibleName() or group.error.text()
    return ""


def caption(group: QWidget) -> str:
    """What a question asks ("어느 구인가요?"), said when the keypad enters it."""
    return group.label.text() if isinstance(group, Field) else ""


def item(target: Target, index: int, count: int) -> Item:
    """The spoken description of ``target`` at ``index`` of ``count`` in its group."""
    widget = target.widget
    name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
    checked = widget.isChecked() if isinstance(widget, QAbstractButton) else None
    if target.role == Role.TEXT_FIELD:
        return Item(
            name,
            target.role,
            value=value_of(widget),
            personal=is_personal(widget),
            digits=takes_digits(widget),
            error=field_error(target.group),
            index=index,
            count=count,
        )
    return Item(
        name.replace("\n", ", "),
        target.role,
        checked=checked if target.role != Role.BUTTON else None,
        description=widget.accessibleDescription(),
        index=index,
        count=count,
    )


def focusable(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
