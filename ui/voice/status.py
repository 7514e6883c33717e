"""What staff mode says about the voice: working, or which part is missing."""

from __future__ import annotations

from typing import Any

from ui.speech import SpeechStatus


def staff_line(status: SpeechStatus, jack: str) -> tuple[str, dict[str, Any], bool]:
    """(catalogue key, its parameters, whether all is well) for the staff dashboard."""
    if not status.engine:
        return "staff.voice.missing", {}, False
    missing = sorted({"ko", "en"} - status.languages)
    if missing:
        return (
            "staff.voice.language",
            {"engine": status.engine, "missing": ", ".join(missing)},
            False,
        )
    if not status.output:
        return "staff.voice.no_output", {"engine": status.engine}, False
    return "staff.voice.ok", {"engine": status.engine, "output": status.output, "jack": jack}, True
