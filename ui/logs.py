"""The kiosk's log: a rotating file in the platform log directory, with no personal data.

The first rule is in the code: nothing logs what a citizen typed, only ids,
kinds, codes and counts. Redaction is the second line, for what a library
puts into an exception message (pydantic's ``input_value=…``, SQLAlchemy's
``[parameters: …]``): before a record is written, e-mail addresses, phone
numbers and Hangul text are replaced, and those two library fragments are cut
(``RedactingFormatter``, applied to the whole formatted line, traceback too).
Log messages are English, so losing Hangul from them costs nothing (an
office name in a message shows as ``<hangul>``).

Qt's own warnings go to the same file (``qt`` logger), where staff and the
city's IT team find them, instead of to a terminal nobody watches.
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

LOG_FILE = "kiosk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"input_value=('[^']*'|\"[^\"]*\"|\S+)"), "input_value=<redacted>"),
    # SQLAlchemy prints a statement's parameters on one line (reprs escape newlines).
    (re.compile(r"\[parameters: [^\n]*"), "[parameters: <redacted>]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    # Korean phone numbers (010-1234-5678, 02 123 4567, +82 10 …) and resident
    # registration numbers; never part of an id (a UUID) or a date.
    (
        re.compile(r"(?<![\w-])(?:\+82[ -]?|0)\d{1,2}[ -]?\d{3,4}[ -]?\d{4}(?![\w-])"),
        "<phone>",
    ),
    (re.compile(r"(?<![\w-])\d{6}-?[1-8]\d{6}(?![\w-])"), "<id-number>"),
    (re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+"), "<hangul>"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual with the message, traceback and stack redacted (not the time stamp).

    The traceback is formatted here rather than taken from ``record.exc_text``,
    which another handler's formatter may have filled unredacted.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = redact(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        elif record.exc_text:
            text += "\n" + redact(record.exc_text)
        if record.stack_info:
            text += "\n" + redact(self.formatStack(record.stack_info))
        return text


def install_file_log(
    directory: Path, level: int = logging.INFO, *, redact_others: bool = False
) -> RotatingFileHandler:
    """Log to ``directory/kiosk.log`` (1 MB × 5), redacted.

    ``redact_others`` gives the handlers already on the root logger (stderr,
    which the service manager keeps in its journal) the same redaction; a
    real kiosk run wants that, a test leaves pytest's own handlers alone.
    """
    directory.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        directory / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    if redact_others:
        for existing in root.handlers:
            existing.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    return handler


def remove_file_log(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def route_qt_messages() -> None:
    """Send Qt's warnings to the ``qt`` logger (and so to the file)."""
    qt_log = logging.getLogger("qt")

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)
