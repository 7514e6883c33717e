"""Voice mode: when the kiosk speaks, to whom, how loud and fast, and for how long.

Voice mode is the accessibility setting "음성 안내" (``Accessibility.audio``);
this guide turns it on and off and speaks while it is on. It starts

- when earphones are plugged in (``ui.earphone``): a welcome that explains
  the keypad, then the screen;
- when the voice key is held down (the keypad's lower-right OK key, three
  seconds; the home screen says where it is, in words a braille label can
  repeat);
- from the accessibility panel.

It ends when it is switched off the same ways, or when the earphones are
pulled out: a short spoken and shown warning, then, unless they are plugged
in again, the session ends and the kiosk returns home (a blind citizen's
half-filled form must not wait on the screen for the next person).

While it is on:

- every screen is read on arrival, every error with its field, every keypad
  move (``ui.voice.navigator``); sound confirms each key (a tone);
- volume and speed keys change the session's levels (``kiosk.voice_levels``),
  which the end of the session resets;
- the "hide screen" key blanks the display (``ui.voice.cover``);
- idle time: with earphones in the jack there is no idle wipe at all (the
  earphones are a person: KIOSK-UX, "no timeout while voice mode is on"), and
  a blind citizen typing slowly is never cut off; voice mode on the speaker
  (no earphones: someone may have walked away from a half-filled form) keeps
  an idle limit, ``voice_idle_timeout_s`` (5 minutes by default instead of
  90 s), whose warning is spoken and extended with one key.

Without a speech engine voice mode cannot start: the panel's switch says so,
and staff mode says which part is missing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.keypad import Action, KeyMap
from kiosk.spoken import key_phrase, level_phrase
from kiosk.voice_levels import SPEEDS, VOLUMES_DB, VoiceLevels
from ui.earphone import EarphoneJack
from ui.i18n import current, tr
from ui.speech import Speaker, Tone
from ui.voice import reader
from ui.voice.cover import PrivacyCover, VoiceNotice
from ui.voice.navigator import HOLD_MS, KeypadNavigator

log = logging.getLogger(__name__)

UNPLUG_GRACE_MS: Final = 10_000

_GUIDE_ACTIONS: Final = frozenset(
    {
        Action.VOLUME_UP,
        Action.VOLUME_DOWN,
        Action.FASTER,
        Action.SLOWER,
        Action.HIDE_SCREEN,
        Action.VOICE,
    }
)


class VoiceGuide(QObject):
    """Speaks for the kiosk window while voice mode is on; see the module docstring."""

    voice_changed = Signal(bool)

    def __init__(
        self,
        window: Any,  # ui.shell.KioskWindow (not imported: the shell does not depend on us)
        speaker: Speaker,
        jack: EarphoneJack,
        keys: KeyMap,
        *,
        hold_ms: int = HOLD_MS,
        unplug_grace_ms: int = UNPLUG_GRACE_MS,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.speaker = speaker
        self.jack = jack
        self.keys = keys
        self._hold_ms = hold_ms
        self._said = 0
        self._prefix = ""
        self._switching = False  # the guide itself is changing the accessibility setting
        self._usual_idle_ms: int | None = None  # while voice mode on the speaker extends it
        self.navigator = KeypadNavigator(window, keys, self, self, hold_ms=hold_ms)
        self.cover = PrivacyCover(window)
        self.notice = VoiceNotice(window)
        self._unplugged = QTimer(self)
        self._unplugged.setSingleShot(True)
        self._unplugged.setInterval(unplug_grace_ms)
        self._unplugged.timeout.connect(self._unplug_expired)
        self.notice.carry_on.connect(self._carry_on_without_voice)
        speaks = speaker.speaks()
        window.accessibility_screen.set_audio_available(speaks)
        if not speaks:
            log.warning("voice guidance unavailable: no engine with Korean and English voices")
        window.announcer = _WindowAnnouncer(self)
        window.keep_alive = self.keeps_session
        window.screen_shown.connect(lambda _name: self.navigator.arrive())
        window.errors_shown.connect(lambda _keys: self.navigator.speak_errors())
        window.accessibility_changed.connect(self._accessibility_changed)
        window.session_ended.connect(self._session_ended)
        current().languageChanged.connect(self._language_changed)
        jack.changed.connect(self._jack_changed)
        self._show_voice_key_on_home()

    # --- the narrator the keypad speaks through ------------------------------------

    @property
    def on(self) -> bool:
        return bool(self.window.accessibility.audio)

    def active(self) -> bool:
        """Whether voice mode is on now (a method: a caller's check goes stale)."""
        return self.on

    def say(self, text: str) -> None:
        """Speak ``text`` if voice mode is on (and a welcome waiting to go first)."""
        self._said += 1
        if self._prefix:
            text, self._prefix = reader.sentence([self._prefix, text]), ""
        if self.on:
            self.speaker.say(text)

    def tone(self, kind: str) -> None:
        if self.on:
            self.speaker.tone(kind)

    def utterances(self) -> int:
        return self._said

    def speaking(self) -> bool:
        return self.on

    def private_audio(self) -> bool:
        return self.jack.plugged()

    def keeps_session(self) -> bool:
        return self.on and self.jack.plugged()

    def command(self, action: Action) -> bool:
        if self.cover.covering:
            self.cover.noticed()  # a key on the hidden screen shows the card, not the form
        if action not in _GUIDE_ACTIONS:
            return False
        if action == Action.VOICE:
            self.toggle_voice()
        elif action == Action.HIDE_SCREEN:
            self._hide_screen()
        else:
            self._change_levels(action)
        return True

    # --- voice on and off ----------------------------------------------------------

    def toggle_voice(self) -> None:
        if self.on:
            self.speaker.say(tr("voice.off.said"))  # said before it goes quiet
            self.stop_voice()
        else:
            self.start_voice()

    def start_voice(self) -> bool:
        if not self.speaker.speaks():
            log.info("voice mode asked for, but there is no speech engine")
            return False
        if not self.on:
            self._switch(True)
        self._welcome()
        return True

    def stop_voice(self) -> None:
        if self.on:
            self._switch(False)
        self.speaker.stop()

    def _switch(self, on: bool) -> None:
        self._switching = True
        try:
            self.window.set_accessibility(replace(self.window.accessibility, audio=on))
        finally:
            self._switching = False
        self._voice_switched(on)

    def _voice_switched(self, on: bool) -> None:
        # On the speaker, not the earphones: a long idle limit instead of none (and with
        # earphones none at all: keeps_session). The usual limit comes back afterwards.
        longer = self.window.settings.voice_idle_timeout_s * 1000
        extend = on and not self.jack.plugged() and longer > 0
        if extend and self._usual_idle_ms is None:
            self._usual_idle_ms = self.window.idle_timeout_ms
            self.window.set_idle_timeout_ms(max(longer, self._usual_idle_ms))
        elif not extend and self._usual_idle_ms is not None:
            self.window.set_idle_timeout_ms(self._usual_idle_ms)
            self._usual_idle_ms = None
        if not on:
            self.cover.uncover()
            self.navigator.ring.set_suppressed(False)
        self.voice_changed.emit(on)

    def _accessibility_changed(self, options: Any) -> None:
        if self._switching:
            return
        if options.audio and not self.speaker.speaks():
            self._switch(False)  # the panel cannot switch on what does not exist
            return
        self._voice_switched(bool(options.audio))
        if options.audio:
            self._welcome()

    def _welcome(self) -> None:
        self._prefix = tr("voice.welcome", seconds=self._hold_ms // 1000, **self._key_words())
        self.navigator.arrive()

    def _key_words(self) -> dict[str, str]:
        return key_words(self.keys)

    def _show_voice_key_on_home(self) -> None:
        hint = getattr(self.window.home, "voice_hint", None)
        if hint is not None:
            key = key_phrase(self.keys.first_key(Action.VOICE), tr)
            hint.set_key("home.voice_hint", button=key, seconds=self._hold_ms // 1000)

    # --- earphones -----------------------------------------------------------------

    def set_unplug_grace_ms(self, milliseconds: int) -> None:
        """How long the "earphones pulled out" warning waits before the session ends."""
        self._unplugged.setInterval(milliseconds)

    def _jack_changed(self, plugged: bool) -> None:
        if plugged:
            if self._unplugged.isActive():
                self._unplugged.stop()
                self.notice.hide()
                self._prefix = tr("voice.replugged")
                self._voice_switched(self.on)
                self.navigator.arrive()
            else:
                self.start_voice()
            return
        if not self.on:
            return
        seconds = math.ceil(self._unplugged.interval() / 1000)
        self.cover.uncover()
        self.navigator.ring.set_suppressed(False)
        self.notice.show_notice("voice.unplugged.title", "voice.unplugged.body", seconds=seconds)
        self._unplugged.start()
        self.navigator.arrive()  # the notice is read (now through the speaker)

    def _unplug_expired(self) -> None:
        self.notice.hide()
        self.stop_voice()
        self.window.end_session()

    def _carry_on_without_voice(self) -> None:
        """Someone chose to go on by touch: voice off, the form kept."""
        self._unplugged.stop()
        self.notice.hide()
        self.stop_voice()

    # --- the session ---------------------------------------------------------------

    def _session_ended(self) -> None:
        self.speaker.levels = VoiceLevels()
        self.cover.uncover()
        self.navigator.ring.set_suppressed(False)
        self.notice.hide()
        self._unplugged.stop()
        self.navigator.reset()
        if self.jack.plugged() and self.speaker.speaks():
            # The same person, earphones still in, after Done: voice stays on.
            self._switch(True)
            self.navigator.arrive()
        else:
            self._voice_switched(self.on)

    def _language_changed(self, _language: str) -> None:
        self.cover.retranslate()
        self.notice.retranslate()
        self._show_voice_key_on_home()
        self.navigator.arrive()

    # --- keys of the guide's own -----------------------------------------------------

    def _hide_screen(self) -> None:
        if not self.on:
            self.tone(Tone.EDGE)
            return
        if self.cover.covering:
            self.cover.uncover()
            self.navigator.ring.set_suppressed(False)
            self.say(tr("voice.cover.off"))
        else:
            self.cover.cover()
            self.navigator.ring.set_suppressed(True)  # where the ring is tells too much
            key = key_phrase(self.keys.first_key(Action.HIDE_SCREEN), tr)
            self.say(tr("voice.cover.on", button=key))

    def _change_levels(self, action: Action) -> None:
        before = self.speaker.levels
        after = {
            Action.VOLUME_UP: before.louder,
            Action.VOLUME_DOWN: before.quieter,
            Action.FASTER: before.faster,
            Action.SLOWER: before.slower,
        }[action]()
        self.speaker.levels = after
        if after == before:
            self.tone(Tone.EDGE)  # already the loudest, slowest …
        if action in (Action.VOLUME_UP, Action.VOLUME_DOWN):
            said = level_phrase("voice.volume", after.volume + 1, len(VOLUMES_DB), tr)
        else:
            said = level_phrase("voice.speed", after.speed + 1, len(SPEEDS), tr)
        self.say(said)


def key_words(keys: KeyMap) -> dict[str, str]:
    """Each action's first key as it is said: {"activate": "5번 키", …}."""
    return {action.value: key_phrase(keys.first_key(action), tr) for action in Action}


class _WindowAnnouncer:
    """What the window hands the guide (the idle warning, a verdict).

    When what it announces came with a change of view (the idle warning
    covering the window) the view is read the usual way, so the keypad's
    ring is on its Continue button; otherwise the sentence is said as given.
    """

    def __init__(self, guide: VoiceGuide) -> None:
        self._guide = guide

    def say(self, text: str) -> None:
        navigator = self._guide.navigator
        if navigator.view_changed():
            navigator.arrive()
        else:
            self._guide.say(text)
