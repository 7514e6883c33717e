"""Is a citizen's earphone plugged into the kiosk? One small interface, three ways to know.

Plugging earphones in starts voice mode; pulling them out ends it
(``ui.voice.guide``). Whatever tells the kiosk, it arrives as the same
signal, ``EarphoneJack.changed(plugged)``:

- ``PulseJack`` (Linux): the sound server. A 3.5 mm jack on the kiosk's
  sound card is a "port" of its output, whose availability the card's jack
  detection sets; a USB headset is a new output whose form factor says so.
  ``pactl subscribe`` reports every change of an output and ``pactl
  --format=json list sinks`` (re-read after each) says which ports are
  available. Chosen over a libpulse binding: pactl is the sound server's own
  client, speaks to PulseAudio and to PipeWire's pipewire-pulse alike, runs
  in its own process (no thread and no C callbacks in the kiosk), and its
  JSON is parsed by a pure function that is tested on recorded output.
  When PulseAudio switches the default output to the earphones it also
  mutes the speaker, which the barrier-free rules ask for.
- ``KeyJack``: kiosks whose hardware reports the jack as a key (some kiosk
  keypads with a built-in jack send one key on insert, another on removal);
  the keys are set in ``earphone_keys``.
- ``ManualJack``: plugged and unplugged by calling it. The jack is hardware
  that cannot exist in a test or in the desktop demo, so this stands in for
  it there, emitting exactly what the real ones emit.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, QProcess, QProcessEnvironment, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from typing_extensions import override

from ui.voice.espeak import child_environment
from ui.voice.keys import event_key_name

log = logging.getLogger(__name__)

# Port types (pactl's names for PA_DEVICE_PORT_TYPE_*) that put sound in someone's ears.
EAR_PORT_TYPES: Final = frozenset({"Headphones", "Headset", "Earpiece", "Handset"})
EAR_FORM_FACTORS: Final = frozenset({"headphone", "headset", "handset"})
MAX_LISTING: Final = 4 * 1024 * 1024  # bytes of `pactl list sinks` we are willing to read
RESTART_MS: Final = 5_000
MAX_RESTART_MS: Final = 300_000


class EarphoneJack(QObject):
    """Tells whether earphones are plugged in; ``changed`` on every change."""

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plugged = False

    def plugged(self) -> bool:
        return self._plugged

    def describe(self) -> str:
        """How this kiosk knows, for staff mode and the log."""
        return "none"

    def _set(self, plugged: bool) -> None:
        if plugged != self._plugged:
            self._plugged = plugged
            log.info(
                "earphones %s (%s)", "plugged in" if plugged else "pulled out", self.describe()
            )
            self.changed.emit(plugged)


class ManualJack(EarphoneJack):
    """No jack to watch: plugged and unplugged by calling ``plug``/``unplug``."""

    def describe(self) -> str:
        return "manual"

    def plug(self) -> None:
        self._set(True)

    def unplug(self) -> None:
        self._set(False)


class KeyJack(EarphoneJack):
    """The hardware sends ``plug_key`` on insert and ``unplug_key`` on removal.

    With only one key (or the same key twice), each press toggles. The keys
    are taken from every window of the application; nothing else sees them.
    """

    def __init__(self, plug_key: str, unplug_key: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plug_key = plug_key
        self._unplug_key = unplug_key or plug_key
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def describe(self) -> str:
        return f"keys {self._plug_key}/{self._unplug_key}"

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        assert isinstance(event, QKeyEvent)
        name = event_key_name(event)
        if name not in (self._plug_key, self._unplug_key):
            return False
        if event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
            if self._plug_key == self._unplug_key:
                self._set(not self.plugged())
            else:
                self._set(name == self._plug_key)
        return True  # the jack's keys are nobody else's


# --- PulseAudio / PipeWire --------------------------------------------------------------


def ear_outputs(listing: Sequence[object]) -> list[str]:
    """Outputs with earphones plugged in, from ``pactl --format=json list sinks``.

    An output counts when one of its ports that puts sound in someone's ears
    is "available" (the jack detection says something is in it), or when the
    output itself is a headphone or headset (a USB one, present only while
    plugged in). "availability unknown" (no jack detection) does not count:
    a kiosk cannot act on a guess.
    """
    found: list[str] = []
    for sink in listing:
        if not isinstance(sink, Mapping):
            continue
        name = str(sink.get("name", ""))
        ports = sink.get("ports")
        for port in ports if isinstance(ports, list) else []:
            if not isinstance(port, Mapping):
                continue
            kind = str(port.get("type", ""))
            port_name = str(port.get("name", "")).lower()
            to_ears = kind in EAR_PORT_TYPES or "headphone" in port_name or "headset" in port_name
            if to_ears and port.get("availability") == "available":
                found.append(f"{name}:{port.get('name', '')}")
        properties = sink.get("properties")
        form = properties.get("device.form_factor") if isinstance(properties, Mapping) else ""
        if str(form) in EAR_FORM_FACTORS:
            found.append(name)
    return found


def parse_listing(raw: bytes) -> list[Mapping[str, Any]]:
    """The sinks from pactl's JSON, or [] for anything else (logged)."""
    if len(raw) > MAX_LISTING:
        log.warning("earphones: pactl listed %d bytes; ignored", len(raw))
        return []
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        log.warning("earphones: pactl did not write JSON (pactl 16 or newer is needed)")
        return []
    return [s for s in data if isinstance(s, Mapping)] if isinstance(data, list) else []


def is_output_event(line: str) -> bool:
    """A ``pactl subscribe`` line after which the outputs must be read again."""
    return line.startswith("Event ") and (" on sink " in line or " on card " in line)


class PulseJack(EarphoneJack):
    """Watches the sound server through ``pactl`` (PulseAudio, or PipeWire's pipewire-pulse)."""

    def __init__(
        self,
        program: str = "pactl",
        parent: QObject | None = None,
        *,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._program = program
        self._environment = QProcessEnvironment()
        # pactl translates its words; the kiosk reads the English ones. ``environment``
        # adds to the kiosk's own (a test's private sound server: PULSE_SERVER).
        extra = dict(environment or {}) | {"LC_ALL": "C", "LANG": "C"}
        for key, value in (child_environment() | extra).items():
            self._environment.insert(key, value)
        self._outputs: list[str] = []
        self._watch = self._process(["subscribe"])
        self._watch.readyReadStandardOutput.connect(self._events)
        self._watch.finished.connect(self._watch_ended)
        self._list: QProcess | None = None
        self._again = False
        # Several events come together (card, sink, server): read the list once for them.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(100)
        self._debounce.timeout.connect(self.refresh)
        self._restart = QTimer(self)
        self._restart.setSingleShot(True)
        self._restart.setInterval(RESTART_MS)
        self._restart.timeout.connect(self.start)
        self._stopped = False

    def describe(self) -> str:
        where = ", ".join(self._outputs) or "nothing plugged in"
        return f"sound server via {self._program}: {where}"

    def start(self) -> None:
        """Read the outputs now and follow their changes."""
        self._stopped = False
        if self._watch.state() == QProcess.ProcessState.NotRunning:
            self._watch.start()
        self.refresh()

    def stop(self) -> None:
        """Stop watching (before the kiosk quits: a running pactl is not left behind)."""
        self._stopped = True
        self._restart.stop()
        self._debounce.stop()
        for process in (self._watch, self._list):
            if process is not None and process.state() != QProcess.ProcessState.NotRunning:
                process.kill()
                process.waitForFinished(1000)

    def refresh(self) -> None:
        if self._list is not None:
            self._again = True  # one more read when this one is done
            return
        self._list = self._process(["--format=json", "list", "sinks"])
        self._list.finished.connect(self._listed)
        self._list.start()

    def _process(self, arguments: list[str]) -> QProcess:
        process = QProcess(self)
        process.setProgram(self._program)
        process.setArguments(arguments)
        process.setProcessEnvironment(self._environment)
        process.errorOccurred.connect(lambda *_: self._failed(process))
        return process

    def _events(self) -> None:
        while self._watch.canReadLine():
            line = bytes(self._watch.readLine().data()).decode("utf-8", "replace").strip()
            if is_output_event(line):
                self._debounce.start()

    def _listed(self) -> None:
        process, self._list = self._list, None
        if process is None:
            return
        listed = process.exitCode() == 0 and process.exitStatus() == QProcess.ExitStatus.NormalExit
        raw = bytes(process.readAllStandardOutput().data())
        process.deleteLater()
        # No sound server (yet): nothing is known, so nothing is plugged in.
        outputs = ear_outputs(parse_listing(raw)) if listed else []
        if listed:
            self._restart.setInterval(RESTART_MS)
        self._outputs = outputs
        self._set(bool(outputs))
        if self._again:
            self._again = False
            self.refresh()

    def _watch_ended(self) -> None:
        # The sound server restarted, or there is none yet (the session is starting):
        # try again, less and less often, and say so once.
        if self._stopped:
            return
        wait = self._restart.interval()
        if wait == RESTART_MS:
            log.warning("earphones: the sound server does not answer pactl; trying again")
        self._restart.start()
        self._restart.setInterval(min(wait * 2, MAX_RESTART_MS))

    def _failed(self, process: QProcess) -> None:
        if process.error() != QProcess.ProcessError.FailedToStart:
            return
        log.warning("earphones: %s cannot run (%s)", self._program, process.errorString())
        if process is self._list:
            self._list = None
            process.deleteLater()


def jack_for(detection: str, keys: str, parent: QObject | None = None) -> EarphoneJack:
    """The jack the settings ask for (``earphone_detection``, ``earphone_keys``)."""
    if detection == "keys":
        names = keys.split()
        if names:
            return KeyJack(names[0], names[-1], parent)
        log.warning("earphone_detection = keys, but no earphone_keys: no earphone detection")
        return EarphoneJack(parent)
    if detection == "sound_server" or (
        detection == "auto" and sys.platform.startswith("linux") and shutil.which("pactl")
    ):
        jack = PulseJack(parent=parent)
        jack.start()
        return jack
    return EarphoneJack(parent)
