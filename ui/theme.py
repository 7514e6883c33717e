"""The kiosk's look: one palette per contrast mode, font sizes, and the style sheet built from them.

Screens never name a colour or a font size. They give widgets a *role*
(``ui.widgets.set_role(widget, "primary")``, i.e. the dynamic property
``role``) and this module styles the role. Roles:

Sizes come from ``ui.design``: a type scale in millimetres on the glass
(the smallest text 12.5 mm, a Hangul syllable with its 받침), targets of at
least 15 mm, spacing that grows with large text; the theme only writes them
into the sheet.

Containers (QWidget; set ``WA_StyledBackground`` on a plain QWidget so it paints)
    ``window``        the central widget: the page background
    ``header``        the title strip at the top of every screen (title, steps)
    ``bottombar``     the bar at the bottom of every screen (home, back, help, display)
    ``overlay``       a full-window panel over the screens (idle warning)
    ``shade``         the dark upper part in low-screen mode, with one line of text
    ``card``          a white panel holding a group (receipt, review rows)
    ``status``        see below; as a container it needs ``WA_StyledBackground`` too
Text (QLabel, or any text widget for ``body``)
    ``body``          running text (consent sections, receipt notes)
    ``title``         screen heading, bold
    ``subtitle``      second-level heading, bold
    ``question``      the question a page asks, bold
    ``code``          a receipt or ticket code to read aloud or copy, bold
    ``field-label``   the question above an input, bold
    ``hint``          secondary explanation, muted colour (never smaller than body)
    ``error``         validation message next to a field, bold, error colour
    ``status``        a strip of status text (sync state, staff only), inverted colours
    ``call``          "staff have been called", amber, bold
    ``chosen-note``   the words beside a list confirming what was chosen
    ``tile-title``    title inside a ``tile`` button, bold
    ``tile-hint``     the description under it
    ``frame-title``   the title in the ``header`` strip
    ``step``          the step text in the ``header`` strip ("2 / 5 단계 · 내용 입력")
    ``step-done``, ``step-now``, ``step-todo``  the numbered segments of the steps;
                      the current one is filled, outlined and says "현재"/"now"
Verdicts (QLabel or QFrame; check-in results, "received" banners)
    ``verdict-ok``    green, bold
    ``verdict-warn``  amber
    ``verdict-bad``   red
    A verdict label with the dynamic property ``headline`` set to true is
    drawn at the headline size: the check-in verdict, read from two metres away.
Buttons (QPushButton; every button is at least one touch target in both directions)
    ``primary``       the one main action of a screen (next, submit)
    ``secondary``     everything else (also the default for an unroled button)
    ``danger``        cancel / delete everything
    ``tile``          a big home-screen card holding ``tile-title`` + ``tile-hint`` labels
    ``choice``        a checkable option of a ``ChoiceGrid``; ``:checked`` shows as chosen
    ``bar``           a button of the ``bottombar``; ``:checked`` for a mode that is on
On-screen keyboard (ui.keyboard)
    ``keyboard``      the keyboard panel
    ``key``           a character key
    ``key-action``    shift, backspace, space, language toggle (``:checked`` = shift on)
    ``key-accent``    enter / next field

Inputs (QLineEdit, QPlainTextEdit, QTextEdit), QCheckBox, QRadioButton and
scroll bars are styled by class, no role needed.

Every text colour in the style sheet is written together with the background
it sits on, through one function that also records the pair, so
``Theme.text_pairs`` is exactly what the sheet paints and a test holds each
pair to WCAG's 4.5:1 in every mode. Focus rings and input borders are
recorded in ``Theme.outline_pairs`` and held to the 3:1 of WCAG 1.4.11.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from assets import asset
from ui.design import LARGE_TEXT_MAX, Metrics, metrics
from ui.fonts import load_fonts
from ui.touch import REFERENCE_DPI, touch_target_px

__all__ = [
    "HIGH_CONTRAST",
    "LARGE_TEXT_SCALE",
    "NORMAL",
    "ROLES",
    "ColourPair",
    "Palette",
    "Theme",
    "ThemeOptions",
    "apply_theme",
    "build_theme",
    "contrast_ratio",
    "current_theme",
    "palette_pairs",
    "relative_luminance",
    "touch_target_px",
]

LARGE_TEXT_SCALE: Final = LARGE_TEXT_MAX
MIN_TEXT_CONTRAST: Final = 4.5
MIN_OUTLINE_CONTRAST: Final = 3.0

ROLES: Final = (
    "window", "header", "bottombar", "overlay", "shade", "card", "body",
    "title", "subtitle", "question", "code", "field-label", "hint", "error", "status",
    "call", "chosen-note", "tile-title", "tile-hint", "frame-title", "step",
    "step-done", "step-now", "step-todo",
    "verdict-ok", "verdict-warn", "verdict-bad",
    "primary", "secondary", "danger", "tile", "choice", "bar",
    "keyboard", "key", "key-action", "key-accent",
)  # fmt: skip


@dataclass(frozen=True)
class Palette:
    """Every colour the kiosk paints, as ``#rrggbb``. ``on_x`` is the text colour on ``x``."""

    window: str
    text: str
    muted: str
    surface: str
    on_surface: str
    placeholder: str
    border: str
    focus: str
    selection: str
    on_selection: str
    disabled: str
    on_disabled: str
    error: str
    status: str
    on_status: str
    primary: str
    on_primary: str
    primary_pressed: str
    on_primary_pressed: str
    secondary: str
    on_secondary: str
    secondary_pressed: str
    on_secondary_pressed: str
    danger: str
    on_danger: str
    danger_pressed: str
    on_danger_pressed: str
    tile: str
    on_tile: str
    tile_pressed: str
    chosen: str
    on_chosen: str
    ok: str
    on_ok: str
    warn: str
    on_warn: str
    bad: str
    on_bad: str
    keyboard: str
    key: str
    on_key: str
    key_action: str
    on_key_action: str
    key_accent: str
    on_key_accent: str
    key_pressed: str
    on_key_pressed: str
    # The frame: title strip and bottom bar, and what marks "now" and "on" in it.
    frame: str
    on_frame: str
    frame_accent: str
    on_frame_accent: str
    shade: str
    on_shade: str
    card: str
    icon: str


# Light grey rather than white behind everything: less glare on a bright panel.
NORMAL: Final = Palette(
    window="#F2F4F7", text="#111827", muted="#4B5563",
    surface="#FFFFFF", on_surface="#111827", placeholder="#5B6472",
    border="#5B6472", focus="#0B57D0",
    selection="#0B4F9C", on_selection="#FFFFFF",
    disabled="#E5E7EB", on_disabled="#4B5563",
    error="#B42318", status="#1F2937", on_status="#FFFFFF",
    primary="#0B4F9C", on_primary="#FFFFFF",
    primary_pressed="#083B75", on_primary_pressed="#FFFFFF",
    secondary="#E3E8EF", on_secondary="#111827",
    secondary_pressed="#C7D0DC", on_secondary_pressed="#111827",
    danger="#B42318", on_danger="#FFFFFF",
    danger_pressed="#8A1B12", on_danger_pressed="#FFFFFF",
    tile="#FFFFFF", on_tile="#0B2545", tile_pressed="#DCE6F5",
    chosen="#0B4F9C", on_chosen="#FFFFFF",
    ok="#1B6E3A", on_ok="#FFFFFF",
    warn="#F5B400", on_warn="#111827",
    bad="#B42318", on_bad="#FFFFFF",
    keyboard="#D5DBE3",
    key="#FFFFFF", on_key="#111827",
    key_action="#AEB8C5", on_key_action="#111827",
    key_accent="#0B4F9C", on_key_accent="#FFFFFF",
    key_pressed="#083B75", on_key_pressed="#FFFFFF",
    frame="#0B2545", on_frame="#FFFFFF",
    frame_accent="#FFD400", on_frame_accent="#111827",
    shade="#111827", on_shade="#FFFFFF",
    card="#FFFFFF", icon="#0B4F9C",
)  # fmt: skip

# Black, white and yellow only (plus signal colours for verdicts): what low-vision
# users ask for; pressed states invert instead of shading, which is easy to see.
HIGH_CONTRAST: Final = Palette(
    window="#000000", text="#FFFFFF", muted="#E6E6E6",
    surface="#000000", on_surface="#FFFFFF", placeholder="#CCCCCC",
    border="#FFFFFF", focus="#FFD400",
    selection="#FFD400", on_selection="#000000",
    disabled="#000000", on_disabled="#BFBFBF",
    error="#FF8A80", status="#000000", on_status="#FFD400",
    primary="#FFD400", on_primary="#000000",
    primary_pressed="#FFFFFF", on_primary_pressed="#000000",
    secondary="#000000", on_secondary="#FFFFFF",
    secondary_pressed="#FFFFFF", on_secondary_pressed="#000000",
    danger="#FF8A80", on_danger="#000000",
    danger_pressed="#FFFFFF", on_danger_pressed="#000000",
    tile="#000000", on_tile="#FFFFFF", tile_pressed="#333333",
    chosen="#FFD400", on_chosen="#000000",
    ok="#7CFC98", on_ok="#000000",
    warn="#FFD400", on_warn="#000000",
    bad="#FF8A80", on_bad="#000000",
    keyboard="#000000",
    key="#000000", on_key="#FFFFFF",
    key_action="#1A1A1A", on_key_action="#FFD400",
    key_accent="#FFD400", on_key_accent="#000000",
    key_pressed="#FFFFFF", on_key_pressed="#000000",
    frame="#000000", on_frame="#FFFFFF",
    frame_accent="#FFD400", on_frame_accent="#000000",
    shade="#000000", on_shade="#FFD400",
    card="#000000", icon="#FFD400",
)  # fmt: skip


@dataclass(frozen=True)
class ThemeOptions:
    """What the operator configured: ``Settings.large_text``, ``high_contrast``, the DPI."""

    large_text: bool = False
    high_contrast: bool = False
    # Logical DPI (see ui.touch.logical_dpi); decides touch-target and text pixel sizes.
    dpi: float = REFERENCE_DPI
    # Height of the region the citizen uses (the window, or its lower part in
    # low-screen mode); large text grows only as far as it fits. 0 = unknown.
    region_height: int = 0
    portrait: bool = False

    def metrics(self) -> Metrics:
        return metrics(
            self.dpi,
            large_text=self.large_text,
            region_height_px=self.region_height,
            portrait=self.portrait,
        )


@dataclass(frozen=True)
class ColourPair:
    """A foreground painted on a background, and where the sheet does it."""

    where: str
    fg: str
    bg: str

    @property
    def contrast(self) -> float:
        return contrast_ratio(self.fg, self.bg)


@dataclass(frozen=True)
class Theme:
    options: ThemeOptions
    palette: Palette
    font_family: str
    touch_px: int
    stylesheet: str
    text_pairs: tuple[ColourPair, ...]
    outline_pairs: tuple[ColourPair, ...]
    metrics: Metrics
    font_px: dict[str, int] = field(default_factory=dict)

    @property
    def base_font_px(self) -> int:
        return self.font_px["body"]


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    qcolor = QColor(colour)
    if not qcolor.isValid():
        raise ValueError(f"not a colour: {colour!r}")

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(qcolor.redF())
        + 0.7152 * linear(qcolor.greenF())
        + 0.0722 * linear(qcolor.blueF())
    )


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1.0 … 21.0."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class _Sheet:
    """Builds QSS blocks; every colour goes in through ``colours`` or ``outline``, recorded."""

    def __init__(self, palette: Palette) -> None:
        self._palette = palette
        self._blocks: list[str] = []
        self.text_pairs: list[ColourPair] = []
        self.outline_pairs: list[ColourPair] = []

    def colour(self, name: str) -> str:
        value: str = getattr(self._palette, name)
        return value

    def block(self, selector: str, *declarations: str) -> None:
        body = "\n".join(f"    {d};" for d in declarations if d)
        self._blocks.append(f"{selector} {{\n{body}\n}}")

    def colours(self, selector: str, fg: str, bg: str, *, paints: bool = True) -> str:
        """``color`` + ``background-color``; ``paints=False`` is transparent text on ``bg``."""
        self.text_pairs.append(ColourPair(selector, self.colour(fg), self.colour(bg)))
        background = self.colour(bg) if paints else "transparent"
        return f"color: {self.colour(fg)}; background-color: {background}"

    def on_also(self, selector: str, fg: str, bg: str) -> None:
        """Record that transparent text ``fg`` also ends up on ``bg`` (a parent's other state)."""
        self.text_pairs.append(ColourPair(selector, self.colour(fg), self.colour(bg)))

    def selection(self, selector: str) -> str:
        fg, bg = self.colour("on_selection"), self.colour("selection")
        self.text_pairs.append(ColourPair(f"{selector} selection", fg, bg))
        return f"selection-color: {fg}; selection-background-color: {bg}"

    def fill(self, selector: str, colour: str, against: str) -> str:
        """A non-text area (scroll handle, tick box) that must stand out from ``against``."""
        self.outline_pairs.append(ColourPair(selector, self.colour(colour), self.colour(against)))
        return f"background-color: {self.colour(colour)}"

    def outline(self, selector: str, width: int, line: str, against: str) -> str:
        self.outline_pairs.append(ColourPair(selector, self.colour(line), self.colour(against)))
        return f"border: {width}px solid {self.colour(line)}"

    def text(self) -> str:
        return "\n\n".join(self._blocks) + "\n"


def build_theme(options: ThemeOptions, font_family: str = "") -> Theme:
    """The palette, sizes and style sheet for ``options`` (no Qt application needed)."""
    palette = HIGH_CONTRAST if options.high_contrast else NORMAL
    m = options.metrics()
    sheet = _Sheet(palette)
    _base_rules(sheet, m, font_family)
    _text_roles(sheet, m)
    _frame(sheet, m)
    _buttons(sheet, m)
    _inputs(sheet, m)
    _keyboard(sheet, m)
    return Theme(
        options=options,
        palette=palette,
        font_family=font_family,
        touch_px=m.target,
        stylesheet=sheet.text(),
        text_pairs=(*sheet.text_pairs, *palette_pairs(palette)),
        outline_pairs=tuple(sheet.outline_pairs),
        metrics=m,
        font_px=dict(m.font),
    )


def _px(value: float) -> str:
    return f"{round(value)}px"


def _padding(vertical: int, horizontal: int, *, border: int, widest: int) -> str:
    """Padding that keeps the outer size when a state draws a wider border (nothing moves)."""
    extra = widest - border
    return f"padding: {_px(vertical + extra)} {_px(horizontal + extra)}"


def _font(m: Metrics, role: str, *, bold: bool = False) -> str:
    weight = "; font-weight: bold" if bold else ""
    return f"font-size: {_px(m.font[role])}{weight}"


def _base_rules(sheet: _Sheet, m: Metrics, family: str) -> None:
    sel = "QWidget"
    family_rule = f'font-family: "{family}"' if family else ""
    sheet.block(sel, sheet.colours(sel, "text", "window"), family_rule, _font(m, "body"))
    sel = "QToolTip"
    sheet.block(
        sel, sheet.colours(sel, "on_status", "status"), sheet.outline(sel, 2, "border", "window")
    )
    # Lists scroll by finger (ui.scrolling); the bar only shows where you are, so it
    # is narrow and takes no touch of its own (a 15 mm bar would eat a column).
    track = sheet.colour("window")
    width = max(8, m.px(2.5))
    sheet.block(
        "QScrollBar:vertical", f"width: {_px(width)}", f"background-color: {track}", "margin: 0"
    )
    sheet.block(
        "QScrollBar:horizontal", f"height: {_px(width)}", f"background-color: {track}", "margin: 0"
    )
    sel = "QScrollBar::handle"
    sheet.block(
        sel,
        sheet.fill(sel, "border", "window"),
        f"min-height: {_px(m.target)}",
        f"min-width: {_px(width)}",
        f"border-radius: {_px(width // 2)}",
    )
    sheet.block("QScrollBar::add-line, QScrollBar::sub-line", "width: 0", "height: 0")
    sheet.block("QScrollBar::add-page, QScrollBar::sub-page", "background: none")
    sheet.block("QScrollArea", "border: none")


def _text_roles(sheet: _Sheet, m: Metrics) -> None:
    plain = "text", "window"
    for role in ("window", "overlay", "body"):
        sel = f'*[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, *plain), _font(m, "body"))
    sel = '*[role="card"]'
    sheet.block(
        sel,
        sheet.colours(sel, "text", "card"),
        sheet.outline(sel, 2, "border", "window"),
        f"border-radius: {_px(m.pad)}",
    )
    for role, bold, (fg, bg) in (
        ("title", True, plain),
        ("subtitle", True, plain),
        ("question", True, plain),
        ("code", True, plain),
        ("field-label", True, plain),
        ("hint", False, ("muted", "window")),
        ("error", True, ("error", "window")),
    ):
        sel = f'QLabel[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, fg, bg), _font(m, role, bold=bold))
    # Text on a card (receipt, review) is the card's colour pair, not the window's.
    for role in ("body", "subtitle", "code", "field-label"):
        sel = f'*[role="card"] QLabel[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, "text", "card"))
    sel = '*[role="card"] QLabel[role="hint"]'
    sheet.block(sel, sheet.colours(sel, "muted", "card"))
    sel = 'QLabel[role="chosen-note"]'
    sheet.block(
        sel,
        sheet.colours(sel, "text", "window"),
        _font(m, "body", bold=True),
        f"border-left: {_px(max(4, m.pad // 2))} solid {sheet.colour('chosen')}",
        f"padding-left: {_px(m.pad)}",
    )
    sheet.outline_pairs.append(ColourPair(sel, sheet.colour("chosen"), sheet.colour("window")))
    sel = '*[role="status"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_status", "status"),
        _font(m, "status"),
        f"padding: {_px(m.frame_pad)} {_px(2 * m.frame_pad)}",
    )
    sel = '*[role="call"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_warn", "warn"),
        _font(m, "body", bold=True),
        f"padding: {_px(m.pad)} {_px(2 * m.pad)}",
        f"border-radius: {_px(m.pad)}",
    )
    for role, fg, bg in (
        ("verdict-ok", "on_ok", "ok"),
        ("verdict-warn", "on_warn", "warn"),
        ("verdict-bad", "on_bad", "bad"),
    ):
        sel = f'*[role="{role}"]'
        sheet.block(
            sel,
            sheet.colours(sel, fg, bg),
            _font(m, "verdict", bold=True),
            f"padding: {_px(m.pad)} {_px(2 * m.pad)}",
            f"border-radius: {_px(m.pad)}",
        )
        # Same colours as the role (recorded above); only the size differs.
        headline = f'QLabel[role="{role}"][headline="true"]'
        sheet.block(headline, _font(m, "headline"))
        # A verdict note (e.g. the suggestion's "not a formal complaint") reads as body text.
        note = f'QLabel[role="{role}"][note="true"]'
        sheet.block(note, _font(m, "body", bold=True))
    # Labels inside a tile are transparent: the tile paints, and its pressed colour shows through.
    for role, bold in (("tile-title", True), ("tile-hint", False)):
        sel = f'QLabel[role="{role}"]'
        sheet.block(
            sel, sheet.colours(sel, "on_tile", "tile", paints=False), _font(m, role, bold=bold)
        )
        sheet.on_also(f"{sel} (tile pressed)", "on_tile", "tile_pressed")


def _frame(sheet: _Sheet, m: Metrics) -> None:
    """Title strip, step segments, bottom bar and the low-screen shade."""
    for role in ("header", "bottombar"):
        sel = f'*[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, "on_frame", "frame"), _font(m, "bar"))
    sel = 'QLabel[role="frame-title"]'
    sheet.block(sel, sheet.colours(sel, "on_frame", "frame"), _font(m, "frame-title", bold=True))
    sel = 'QLabel[role="step"]'
    sheet.block(sel, sheet.colours(sel, "on_frame", "frame"), _font(m, "step"))
    # Segments: done is filled, now is accent-filled with a thick outline and the
    # word "now", to come are outlined only. Not by colour alone.
    radius = f"border-radius: {_px(m.frame_pad)}"
    padding = f"padding: {_px(m.frame_pad // 2)} {_px(m.frame_pad)}"
    sel = 'QLabel[role="step-done"]'
    sheet.block(
        sel,
        sheet.colours(sel, "frame", "on_frame"),
        sheet.outline(sel, 2, "on_frame", "frame"),
        _font(m, "step"),
        radius,
        padding,
    )
    sel = 'QLabel[role="step-now"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_frame_accent", "frame_accent"),
        sheet.outline(sel, 4, "on_frame", "frame"),
        _font(m, "step", bold=True),
        radius,
        padding,
    )
    sel = 'QLabel[role="step-todo"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_frame", "frame"),
        sheet.outline(sel, 2, "on_frame", "frame"),
        _font(m, "step"),
        radius,
        padding,
    )
    sel = '*[role="shade"]'
    sheet.block(sel, sheet.colours(sel, "on_shade", "shade"), _font(m, "body", bold=True))
    sel = 'QPushButton[role="bar"]'
    sheet.block(
        sel,
        sheet.colours(sel, "text", "card"),
        sheet.outline(sel, 2, "on_frame", "frame"),
        _font(m, "bar", bold=True),
        _padding(m.frame_pad, m.frame_pad, border=2, widest=4),
        f"min-height: {_px(m.bar_height - 2 * m.frame_pad - 8)}",
        f"border-radius: {_px(m.frame_pad)}",
    )
    sel = 'QPushButton[role="bar"]:pressed'
    sheet.block(sel, sheet.colours(sel, "on_frame_accent", "frame_accent"))
    # A mode that is on: accent fill and a thick outline (and "켜짐" in its name).
    sel = 'QPushButton[role="bar"]:checked'
    sheet.block(
        sel,
        sheet.colours(sel, "on_frame_accent", "frame_accent"),
        sheet.outline(sel, 4, "on_frame", "frame"),
        _padding(m.frame_pad, m.frame_pad, border=4, widest=4),
    )


def _buttons(sheet: _Sheet, m: Metrics) -> None:
    sel = "QPushButton"
    # min-height/-width count the content box only, so with padding and border a
    # button is always a bit more than one touch target.
    sheet.block(
        sel,
        sheet.colours(sel, "on_secondary", "secondary"),
        sheet.outline(sel, 2, "border", "window"),
        f"min-height: {_px(m.target)}",
        f"min-width: {_px(m.target)}",
        _font(m, "button", bold=True),
        f"padding: {_px(m.pad)} {_px(2 * m.pad)}",
        f"border-radius: {_px(m.pad)}",
    )
    sel = "QPushButton:focus"
    sheet.block(sel, sheet.outline(sel, 4, "focus", "window"))
    for role, (bg, fg, bg_pressed, fg_pressed) in (
        ("secondary", ("secondary", "on_secondary", "secondary_pressed", "on_secondary_pressed")),
        ("primary", ("primary", "on_primary", "primary_pressed", "on_primary_pressed")),
        ("danger", ("danger", "on_danger", "danger_pressed", "on_danger_pressed")),
    ):
        sel = f'QPushButton[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, fg, bg))
        sheet.block(f"{sel}:pressed", sheet.colours(f"{sel}:pressed", fg_pressed, bg_pressed))
    # The main button, and any answer beside it on a screen's action row (ui.widgets
    # NavBar: "No, change it", "I do not agree"): equally high, equally padded.
    sel = 'QPushButton[role="primary"], QPushButton[nav="true"]'
    vertical = m.frame_pad if m.short else m.pad
    sheet.block(
        sel,
        f"min-height: {_px(m.primary_height - 2 * vertical - 4)}",
        f"padding: {_px(vertical)} {_px(2 * m.pad)}",
    )
    sel = 'QPushButton[role="tile"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_tile", "tile"),
        sheet.outline(sel, 3, "border", "window"),
        f"border-radius: {_px(m.pad)}",
        _padding(m.pad, m.pad, border=3, widest=5),
    )
    sheet.block('QPushButton[role="tile"] QLabel', "background-color: transparent")
    sel = 'QPushButton[role="tile"]:pressed'
    sheet.block(
        sel,
        sheet.colours(sel, "on_tile", "tile_pressed"),
        sheet.outline(sel, 5, "focus", "window"),
        _padding(m.pad, m.pad, border=5, widest=5),
    )
    sel = 'QPushButton[role="choice"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_tile", "tile"),
        _font(m, "choice", bold=True),
        f"min-height: {_px(m.choice_height - 2 * m.pad - 4)}",
        "text-align: left",
        _padding(m.pad, m.pad, border=2, widest=5),
    )
    # Chosen differs by more than colour: a thicker border (the padding gives way, so
    # nothing moves) and the words "Chosen: …" above the list.
    sel = 'QPushButton[role="choice"]:checked'
    sheet.block(
        sel,
        sheet.colours(sel, "on_chosen", "chosen"),
        sheet.outline(sel, 5, "focus", "window"),
        _padding(m.pad, m.pad, border=5, widest=5),
    )
    sel = "QPushButton:disabled"
    sheet.block(sel, sheet.colours(sel, "on_disabled", "disabled"))


def _inputs(sheet: _Sheet, m: Metrics) -> None:
    editors = ("QLineEdit", "QPlainTextEdit", "QTextEdit")
    for cls in editors:
        sheet.block(
            cls,
            sheet.colours(cls, "on_surface", "surface"),
            sheet.outline(cls, 2, "border", "window"),
            sheet.selection(cls),
            f"border-radius: {_px(m.pad)}",
            f"padding: {_px(m.pad // 2)} {_px(m.pad)}",
            f"min-height: {_px(m.target)}",
            _font(m, "body"),
        )
        sel = f"{cls}:focus"
        sheet.block(sel, sheet.outline(sel, 4, "focus", "window"))
        sel = f"{cls}:disabled"
        sheet.block(sel, sheet.colours(sel, "on_disabled", "disabled"))
    # The whole box + label row is the touch target; the indicator itself is big too.
    # A tick, not just a fill, marks "checked": colour alone is not enough.
    indicator = round(m.target * 0.7)
    tick = "black" if relative_luminance(sheet.colour("on_chosen")) < 0.5 else "white"
    tick_path = Path(str(asset("style", f"check-{tick}.svg"))).as_posix()
    for cls, radius in (("QCheckBox", 6), ("QRadioButton", indicator // 2)):
        sheet.block(cls, f"min-height: {_px(m.target)}", f"spacing: {_px(m.gap)}")
        sel = f"{cls}::indicator"
        sheet.block(
            sel,
            f"width: {_px(indicator)}",
            f"height: {_px(indicator)}",
            f"background-color: {sheet.colour('surface')}",
            sheet.outline(sel, 3, "border", "window"),
            f"border-radius: {radius}px",
        )
        sel = f"{cls}::indicator:checked"
        sheet.block(
            sel,
            sheet.fill(sel, "chosen", "window"),
            sheet.outline(sel, 3, "border", "window"),
            f'image: url("{tick_path}")' if cls == "QCheckBox" else "",
        )


def _keyboard(sheet: _Sheet, m: Metrics) -> None:
    sel = '*[role="keyboard"]'
    sheet.block(sel, f"background-color: {sheet.colour('keyboard')}")
    for role, (bg, fg), size in (
        ("key", ("key", "on_key"), "key"),
        ("key-action", ("key_action", "on_key_action"), "key-action"),
        ("key-accent", ("key_accent", "on_key_accent"), "key-action"),
    ):
        sel = f'QPushButton[role="{role}"]'
        sheet.block(
            sel,
            sheet.colours(sel, fg, bg),
            sheet.outline(sel, 2, "border", "keyboard"),
            _font(m, size, bold=True),
            "padding: 0",
            # min-height counts the content box: with the border the key is exactly one
            # target, so four or five rows of keys fit where they are placed.
            f"min-height: {_px(m.target - 4)}",
            f"min-width: {_px(m.target - 4)}",
            f"border-radius: {_px(max(6, m.pad // 2))}",
        )
        # Pressed and shift-on invert strongly: the feedback a shaky finger needs.
        for state in (f"{sel}:pressed", f"{sel}:checked"):
            sheet.block(state, sheet.colours(state, "on_key_pressed", "key_pressed"))


def _qpalette(palette: Palette) -> QPalette:
    """The same colours for what Qt draws itself (placeholders, check marks, menus)."""
    qp = QPalette()
    roles = {
        QPalette.ColorRole.Window: palette.window,
        QPalette.ColorRole.WindowText: palette.text,
        QPalette.ColorRole.Base: palette.surface,
        QPalette.ColorRole.AlternateBase: palette.window,
        QPalette.ColorRole.Text: palette.on_surface,
        QPalette.ColorRole.PlaceholderText: palette.placeholder,
        QPalette.ColorRole.Button: palette.secondary,
        QPalette.ColorRole.ButtonText: palette.on_secondary,
        QPalette.ColorRole.BrightText: palette.error,
        QPalette.ColorRole.Highlight: palette.selection,
        QPalette.ColorRole.HighlightedText: palette.on_selection,
        QPalette.ColorRole.ToolTipBase: palette.status,
        QPalette.ColorRole.ToolTipText: palette.on_status,
        QPalette.ColorRole.Link: palette.focus,
    }
    for role, colour in roles.items():
        qp.setColor(role, QColor(colour))
    return qp


def palette_pairs(palette: Palette) -> tuple[ColourPair, ...]:
    """Text pairs Qt paints from the QPalette rather than the sheet (placeholder text etc.)."""
    return (
        ColourPair("QPalette Window", palette.text, palette.window),
        ColourPair("QPalette Base", palette.on_surface, palette.surface),
        ColourPair("QPalette PlaceholderText", palette.placeholder, palette.surface),
        ColourPair("QPalette Button", palette.on_secondary, palette.secondary),
        ColourPair("QPalette Highlight", palette.on_selection, palette.selection),
        ColourPair("QPalette ToolTip", palette.on_status, palette.status),
    )


_current: Theme | None = None


def current_theme() -> Theme:
    """The theme last applied to the application (the normal one before any was)."""
    global _current  # one look per application, like its style sheet
    if _current is None:
        _current = build_theme(ThemeOptions())
    return _current


def apply_theme(app: QApplication, options: ThemeOptions) -> Theme:
    """Load the Hangul font and style the whole application for ``options``.

    Call again whenever the operator changes large text or contrast; every
    widget restyles, nothing needs rebuilding.
    """
    family = load_fonts()
    global _current  # one look per application, like its style sheet
    theme = build_theme(options, family)
    _current = theme
    # Fusion draws the same on Windows and Linux kiosks, and honours the palette.
    app.setStyle("Fusion")
    app.setPalette(_qpalette(theme.palette))
    font = QFont(family)
    font.setPixelSize(theme.base_font_px)
    app.setFont(font)
    app.setStyleSheet(theme.stylesheet)
    return theme
