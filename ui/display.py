"""Turning the kiosk's display to the orientation staff chose: xrandr and the touch matrix (X11).

``auto`` leaves the display as the system set it. Otherwise, on X11, the
primary output is rotated with ``xrandr`` and every touchscreen's coordinate
transformation matrix is set to the same rotation: without the matrix, a
touch on a turned screen lands where the finger would have been before the
turn. Other platforms (Wayland, eglfs, Windows) turn the display in their own
settings (docs/deploy-*.md); there the kiosk logs that it did not, and says so
on the settings page. Either way the screens lay themselves out by the
window's shape.

Which way "portrait" turns depends on the panel: a natively landscape panel
is turned left (counter-clockwise), a natively portrait one is left as it is;
``portrait_flipped`` is the other way round, for a panel mounted the other way.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kiosk.config import Orientation

log = logging.getLogger(__name__)

Rotation = Literal["normal", "left", "right", "inverted"]
ROTATIONS: tuple[Rotation, ...] = ("normal", "left", "right", "inverted")
_ROTATION_NAMED: dict[str, Rotation] = {r: r for r in ROTATIONS}

# xinput's "Coordinate Transformation Matrix" (row-major 3×3) for each xrandr rotation.
TOUCH_MATRIX: dict[Rotation, tuple[int, ...]] = {
    "normal": (1, 0, 0, 0, 1, 0, 0, 0, 1),
    "left": (0, -1, 1, 1, 0, 0, 0, 0, 1),
    "right": (0, 1, 0, -1, 0, 1, 0, 0, 1),
    "inverted": (-1, 0, 1, 0, -1, 1, 0, 0, 1),
}

# From the panel's own (native) shape to the rotation that gives the wanted one.
_PLAN: dict[tuple[bool, Orientation], Rotation] = {
    (True, "landscape"): "normal",
    (True, "portrait"): "left",
    (True, "portrait_flipped"): "right",
    (False, "landscape"): "right",
    (False, "portrait"): "normal",
    (False, "portrait_flipped"): "inverted",
}

Run = Callable[[Sequence[str]], str]


class DisplayError(Exception):
    """A display command failed; the message is the command's own complaint."""


def run_command(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DisplayError(f"{argv[0]}: {error}") from error
    if done.returncode != 0:
        raise DisplayError(f"{argv[0]}: {(done.stderr or done.stdout).strip()[:300]}")
    return done.stdout


@dataclass(frozen=True)
class Output:
    """One connected output as ``xrandr --query`` describes it."""

    name: str
    width: int
    height: int
    rotation: Rotation

    @property
    def natively_landscape(self) -> bool:
        turned = self.rotation in ("left", "right")
        return (self.height >= self.width) if turned else (self.width >= self.height)


# "HDMI-1 connected primary 1920x1080+0+0 left (normal left inverted right x axis y axis) ..."
_OUTPUT_LINE = re.compile(
    r"^(?P<name>\S+) connected (?P<primary>primary )?(?P<w>\d+)x(?P<h>\d+)\+\d+\+\d+"
    r"(?: (?P<rotation>normal|left|right|inverted))?"
)


def primary_output(query: str) -> Output | None:
    """The primary output (or else the first connected one with a mode) of ``xrandr --query``."""
    found: list[tuple[bool, Output]] = []
    for line in query.splitlines():
        match = _OUTPUT_LINE.match(line)
        if match is None:
            continue
        rotation = _ROTATION_NAMED[match.group("rotation") or "normal"]
        output = Output(match.group("name"), int(match.group("w")), int(match.group("h")), rotation)
        found.append((bool(match.group("primary")), output))
    for primary, output in found:
        if primary:
            return output
    return found[0][1] if found else None


def touchscreens(names: str) -> list[str]:
    """Touch devices among ``xinput list --name-only``: by name, as xinput offers nothing better."""
    return [name.strip() for name in names.splitlines() if "touch" in name.lower()]


def plan(orientation: Orientation, output: Output, touch: Sequence[str]) -> list[list[str]]:
    """The commands that turn ``output`` (and the touchscreens) to ``orientation``; [] if none."""
    if orientation == "auto":
        return []
    rotation = _PLAN[(output.natively_landscape, orientation)]
    if rotation == output.rotation:
        return []
    commands = [["xrandr", "--output", output.name, "--rotate", rotation]]
    matrix = [str(v) for v in TOUCH_MATRIX[rotation]]
    for device in touch:
        commands.append(["xinput", "set-prop", device, "Coordinate Transformation Matrix", *matrix])
    return commands


class Outcome(StrEnum):
    AUTO = "auto"  # nothing asked
    UNCHANGED = "unchanged"  # already turned that way
    TURNED = "turned"
    UNSUPPORTED = "unsupported"  # not X11: the system's own settings turn it
    FAILED = "failed"


def apply_orientation(orientation: Orientation, platform: str, run: Run = run_command) -> Outcome:
    """Turn the display if this platform lets the kiosk; never raises."""
    if orientation == "auto":
        return Outcome.AUTO
    if platform != "xcb":
        log.info("display orientation %s: not turned on platform %r", orientation, platform)
        return Outcome.UNSUPPORTED
    try:
        output = primary_output(run(["xrandr", "--query"]))
        if output is None:
            raise DisplayError("xrandr: no connected output")
        try:
            touch = touchscreens(run(["xinput", "list", "--name-only"]))
        except DisplayError as error:
            log.warning("no touchscreens listed (%s); turning the display only", error)
            touch = []
        commands = plan(orientation, output, touch)
        for argv in commands:
            run(argv)
    except DisplayError as error:
        log.error("display orientation %s not applied: %s", orientation, error)
        return Outcome.FAILED
    if not commands:
        return Outcome.UNCHANGED
    log.info("display turned %s (%s, %d touchscreen(s))", orientation, output.name, len(touch))
    return Outcome.TURNED
