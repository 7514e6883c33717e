"""Reading a screen aloud on arrival, and its errors, from what it shows.

On arrival the voice reads the screen the way a sighted person takes it in:
every visible text in reading order (title, step, notes, a consent text in
full, what will be sent, a receipt), then what to do here
(``voice.hint.<screen>`` in the catalogue, where a screen needs it), then the
item the keypad's focus starts on. Texts that belong to a target are said
with it instead (a question with its field, a tile's words with the tile).

- A label with the role ``code`` (a receipt number) is spelled character by
  character (``kiosk.spoken.spell_code``).
- A label marked ``personal`` (the review's name or phone) is only counted:
  "이름: 입력됨, 3자".
- A label marked ``spoken`` False is for eyes only (how to start the voice).
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.focus_order import Box
from kiosk.focus_order import reading_order as order
from kiosk.spoken import spell_code, spoken_value
from ui.i18n import has_key, tr
from ui.widgets import Field


def _box(widget: QWidget) -> Box:
    corner = widget.mapToGlobal(widget.rect().topLeft())
    return Box(corner.x(), corner.y(), widget.width(), widget.height())


def _said_elsewhere(label: QLabel, root: QWidget) -> bool:
    parent = label.parentWidget()
    while parent is not None and parent is not root:
        # Inside a button: the button says it. Inside a question: said with its field.
        if isinstance(parent, QAbstractButton | Field):
            return True
        parent = parent.parentWidget()
    return False


def label_text(label: QLabel) -> str:
    text = " ".join(label.text().split())
    if label.property("role") == "code":
        return spell_code(text)
    if label.property("personal"):
        name = label.accessibleName().split(":")[0].strip()
        digits = any(c.isdigit() for c in text)
        counted = spoken_value(text, personal=True, digits=digits, translate=tr)
        return f"{name}: {counted}" if name and name != text else counted
    return text


def screen_texts(root: QWidget) -> list[str]:
    """The visible texts under ``root`` in reading order, as they are to be said."""
    labels = [
        label
        for label in root.findChildren(QLabel)
        if label.isVisible()
        and label.text().strip()
        and label.property("spoken") is not False
        and not _said_elsewhere(label, root)
    ]
    return [label_text(labels[i]) for i in order([_box(label) for label in labels])]


def hint(root: QWidget) -> str:
    """What to do on this screen with the keypad, if the catalogue says more than the screen."""
    key = f"voice.hint.{root.objectName()}"
    return tr(key) if root.objectName() and has_key(key) else ""


def errors(root: QWidget) -> list[tuple[QWidget, str]]:
    """Each visible error with what it is about: (the question or label, "이름: 적어 주세요")."""
    found: list[tuple[QWidget, str]] = []
    for field in root.findChildren(Field):
        if field.isVisible() and field.error.isVisible():
            text = field.error.accessibleName() or field.error.text()
            found.append((field, f"{field.label.text()}: {text}"))
    for label in root.findChildren(QLabel):
        inside_field = _said_elsewhere(label, root)
        if label.property("role") == "error" and label.isVisible() and not inside_field:
            found.append((label, label.accessibleName() or label.text().lstrip("⚠ ")))
    return found


def sentence(parts: list[str]) -> str:
    """Parts joined with a pause, none doubled: "제목. 4단계 중 1단계. 무엇을 도와드릴까요? …"."""
    said = ""
    for part in (p.strip() for p in parts):
        if part:
            said += part if part[-1] in ".?!" else part + "."
            said += " "
    return said.strip()
