"""Turning the display: what xrandr says, what is run for each orientation, failing calmly."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.xvfb import xvfb
from ui.display import (
    TOUCH_MATRIX,
    DisplayError,
    Outcome,
    Output,
    apply_orientation,
    plan,
    primary_output,
    run_command,
    touchscreens,
)

# Shaped like `xrandr --query` on a kiosk PC with a landscape panel turned to portrait.
QUERY_TURNED = """\
Screen 0: minimum 320 x 200, current 1080 x 1920, maximum 16384 x 16384
eDP-1 disconnected (normal left inverted right x axis y axis)
HDMI-1 connected primary 1080x1920+0+0 left (normal left inverted right x axis y axis) 527mm x 296mm
   1920x1080     60.00*+  50.00    59.94
DP-1 connected (normal left inverted right x axis y axis)
"""
QUERY_PLAIN = """\
Screen 0: minimum 320 x 200, current 1920 x 1080, maximum 16384 x 16384
DP-2 connected 1920x1080+0+0 (normal left inverted right x axis y axis) 600mm x 340mm
   1920x1080     60.00*+
"""
XINPUT = """\
Virtual core pointer
Virtual core XTEST pointer
ILITEK ILITEK-TOUCH
Virtual core keyboard
AT Translated Set 2 keyboard
"""

LANDSCAPE_PANEL = Output("HDMI-1", 1920, 1080, "normal")
PORTRAIT_PANEL = Output("DSI-1", 1080, 1920, "normal")


class Recorder:
    def __init__(self, answers: dict[str, str], fail: str = "") -> None:
        self.answers = answers
        self.fail = fail
        self.ran: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> str:
        self.ran.append(list(argv))
        if self.fail and self.fail in argv:
            raise DisplayError(f"{argv[0]}: cannot {self.fail}")
        return self.answers.get(" ".join(argv[:2]), "")


def test_the_primary_output_and_its_rotation_are_read_from_xrandr() -> None:
    turned = primary_output(QUERY_TURNED)
    assert turned == Output("HDMI-1", 1080, 1920, "left")
    assert turned.natively_landscape  # a landscape panel, turned
    # No "primary": the first connected output with a mode; no rotation word means normal.
    assert primary_output(QUERY_PLAIN) == Output("DP-2", 1920, 1080, "normal")
    assert primary_output("Screen 0: minimum 1 x 1\n") is None


def test_touchscreens_are_found_by_name() -> None:
    assert touchscreens(XINPUT) == ["ILITEK ILITEK-TOUCH"]


@pytest.mark.parametrize(
    ("panel", "orientation", "rotation"),
    [
        (LANDSCAPE_PANEL, "portrait", "left"),
        (LANDSCAPE_PANEL, "portrait_flipped", "right"),
        (PORTRAIT_PANEL, "landscape", "right"),
        (PORTRAIT_PANEL, "portrait_flipped", "inverted"),
    ],
)
def test_each_orientation_turns_the_panel_and_its_touch_input_together(
    panel: Output, orientation: str, rotation: str
) -> None:
    commands = plan(orientation, panel, ["ILITEK ILITEK-TOUCH"])  # type: ignore[arg-type]
    matrix = [str(v) for v in TOUCH_MATRIX[rotation]]  # type: ignore[index]
    assert commands == [
        ["xrandr", "--output", panel.name, "--rotate", rotation],
        ["xinput", "set-prop", "ILITEK ILITEK-TOUCH", "Coordinate Transformation Matrix", *matrix],
    ]


def test_the_touch_matrix_maps_the_corners_of_the_turned_screen_onto_the_panel() -> None:
    # A touch at the panel's (x, y), in 0..1, must land where the turned picture shows it.
    def apply(rotation: str, x: float, y: float) -> tuple[float, float]:
        m = TOUCH_MATRIX[rotation]  # type: ignore[index]
        return (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5])

    assert apply("normal", 0.25, 0.75) == (0.25, 0.75)
    assert apply("inverted", 0.25, 0.75) == (0.75, 0.25)
    # Turned left (counter-clockwise): the panel's top-left is the picture's bottom-left.
    assert apply("left", 0, 0) == (1, 0)
    assert apply("left", 1, 0) == (1, 1)
    assert apply("right", 0, 0) == (0, 1)
    # Turning left then right is no turn at all.
    assert apply("right", *apply("left", 0.3, 0.6)) == pytest.approx((0.3, 0.6))


def test_nothing_runs_when_the_display_already_faces_the_chosen_way_or_auto() -> None:
    assert plan("portrait", Output("HDMI-1", 1080, 1920, "left"), ["touch"]) == []
    assert plan("landscape", LANDSCAPE_PANEL, ["touch"]) == []
    assert plan("auto", LANDSCAPE_PANEL, ["touch"]) == []


def test_on_x11_the_commands_run_in_order() -> None:
    run = Recorder({"xrandr --query": QUERY_PLAIN, "xinput list": XINPUT})
    assert apply_orientation("portrait", "xcb", run) == Outcome.TURNED
    assert [argv[:2] for argv in run.ran] == [
        ["xrandr", "--query"],
        ["xinput", "list"],
        ["xrandr", "--output"],
        ["xinput", "set-prop"],
    ]


def test_a_kiosk_without_xinput_still_turns_its_display() -> None:
    run = Recorder({"xrandr --query": QUERY_PLAIN}, fail="list")
    assert apply_orientation("portrait", "xcb", run) == Outcome.TURNED
    assert ["xrandr", "--output", "DP-2", "--rotate", "left"] in run.ran


def test_a_refused_rotation_is_reported_not_raised() -> None:
    run = Recorder({"xrandr --query": QUERY_PLAIN, "xinput list": XINPUT}, fail="--rotate")
    assert apply_orientation("portrait", "xcb", run) == Outcome.FAILED
    assert not any(argv[:2] == ["xinput", "set-prop"] for argv in run.ran)


def test_other_platforms_and_auto_run_nothing() -> None:
    run = Recorder({})
    assert apply_orientation("portrait", "wayland", run) == Outcome.UNSUPPORTED
    assert apply_orientation("auto", "xcb", run) == Outcome.AUTO
    assert run.ran == []


def test_a_missing_program_is_a_display_error() -> None:
    with pytest.raises(DisplayError, match="no-such-display-tool"):
        run_command(["no-such-display-tool", "--query"])


# --- against a real X server (Xvfb) and the real xrandr ---------------------------------


@pytest.fixture
def x_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if shutil.which("Xvfb") is None or shutil.which("xrandr") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Xvfb and xrandr (dev.py installs xvfb, x11-xserver-utils)")
        pytest.skip("Xvfb or xrandr not installed")
    with xvfb("1920x1080") as display:
        monkeypatch.setenv("DISPLAY", display)
        yield display  # announced only once it accepts clients


def test_a_real_x_server_is_read_and_a_display_that_cannot_turn_is_reported(
    x_display: str,
) -> None:
    output = primary_output(run_command(["xrandr", "--query"]))
    assert output is not None and (output.width, output.height) == (1920, 1080)
    assert apply_orientation("landscape", "xcb") == Outcome.UNCHANGED
    # Xvfb has RandR but no rotation: the refusal comes back as FAILED, the kiosk goes on.
    assert apply_orientation("portrait", "xcb") == Outcome.FAILED
