"""Run by tests in a fresh process: say one sentence through the kiosk's Speaker, then exit.

A fresh process because Qt Multimedia connects to the sound server once, on
first use, and the test's own process has long been told there is none.
Prints the speaker's status as JSON, then waits until the sentence has played.

    python -m tests.support.speak_aloud LANGUAGE VOLUME_STEP TEXT
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QCoreApplication, QTimer

from kiosk.voice_levels import VoiceLevels
from ui.speech import Speaker


def main() -> int:
    language, volume, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = QCoreApplication([])
    speaker = Speaker()
    status = speaker.status()
    print(json.dumps({"engine": status.engine, "output": status.output}), flush=True)
    speaker.levels = VoiceLevels(volume=volume)
    speaker.say(text, language)
    poll = QTimer()
    # Playing ends when the audio sink ran dry; speaking() covers synthesis and playback.
    poll.timeout.connect(lambda: None if speaker.is_speaking() else app.quit())
    QTimer.singleShot(100, lambda: poll.start(20))
    QTimer.singleShot(20_000, lambda: app.exit(2))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
