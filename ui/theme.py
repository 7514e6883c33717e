"""The kiosk's look: one palette per contrast mode, font sizes, and the style sheet built from them.

Screens never name a colour or a font size. They give widgets a *role*
(``ui.widgets.set_role(widget, "primary")``, i.e. the dynamic property
``role``) and this module styles the role. Roles:

Containers (QWidget; set ``WA_StyledBackground`` on a plain QWidget so it paints)
    ``window``        the central widget: the page background
    ``header``        the strip with title, language and help buttons; a line below it
    ``overlay``       a full-window panel over the screens (idle warning)
    ``status``        see below; as a container it needs ``WA_StyledBackground`` too
Text (QLabel, or any text widget for ``body``)
    ``body``          running text (consent sections, receipt notes)
    ``title``         screen heading, 1.75× body, bold
    ``subtitle``      second-level heading, 1.35×, bold
    ``code``          a receipt or ticket code to read aloud or copy, 3×, bold, spaced
    ``field-label``   the question above an input, bold
    ``hint``          secondary explanation, 0.9×, muted colour
    ``error``         validation message next to a field, bold, error colour
    ``status``        a strip of status text (sync state, office name), inverted colours
    ``tile-title``    title inside a ``tile`` button, 1.5×, bold
    ``tile-hint``     one-line explanation inside a ``tile`` button, 0.9×
Verdicts (QLabel or QFrame; check-in results, "received" banners)
    ``verdict-ok``    green, 1.5×, bold
    ``verdict-warn``  amber
    ``verdict-bad``   red
    A verdict label with the dynamic property ``headline`` set to true is
    drawn 3× body size: the check-in verdict, read from two metres away.
Buttons (QPushButton; every button is at least one touch target in both directions)
    ``primary``       the one main action of a screen (next, submit)
    ``secondary``     everything else (also the default for an unroled button)
    ``danger``        cancel / delete everything
    ``tile``          a big home-screen tile holding ``tile-title`` + ``tile-hint`` labels
    ``choice``        a checkable option of a ``ChoiceGrid``; ``:checked`` shows as chosen
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
from ui.fonts import load_fonts
from ui.touch import REFERENCE_DPI, touch_target_px

__all__ = [
    "BASE_FONT_PX",
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
    "palette_pairs",
    "relative_luminance",
    "touch_target_px",
]

BASE_FONT_PX: Final = 24
LARGE_TEXT_SCALE: Final = 2.0
MIN_TEXT_CONTRAST: Final = 4.5
MIN_OUTLINE_CONTRAST: Final = 3.0

ROLES: Final = (
    "window", "header", "overlay", "body",
    "title", "subtitle", "code", "field-label", "hint", "error", "status",
    "tile-title", "tile-hint",
    "verdict-ok", "verdict-warn", "verdict-bad",
    "primary", "secondary", "danger", "tile", "choice",
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
)  # fmt: skip


@dataclass(frozen=True)
class ThemeOptions:
    """What the operator configured: ``Settings.large_text``, ``high_contrast``, the DPI."""

    large_text: bool = False
    high_contrast: bool = False
    # Logical DPI (see ui.touch.logical_dpi); decides touch-target and text pixel sizes.
    dpi: float = REFERENCE_DPI


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


# Font sizes relative to body text; large-text mode multiplies all of them.
_FONT_FACTORS: Final = {
    "body": 1.0,
    "title": 1.75,
    "subtitle": 1.35,
    # Citizens copy the receipt code onto paper or read it to a phone operator.
    "code": 3.0,
    "hint": 0.9,
    "button": 1.1,
    "tile-title": 1.5,
    "tile-hint": 0.9,
    "verdict": 1.5,
    "headline": 3.0,
    # Compatibility jamo are drawn small in Hangul fonts; the bigger size evens them out.
    "key": 1.4,
    "key-action": 0.9,
}


def _font_sizes(options: ThemeOptions) -> dict[str, int]:
    scale = LARGE_TEXT_SCALE if options.large_text else 1.0
    # Text is sized for a 96-dpi panel and grows on denser ones, so it is never
    # physically smaller than on the reference panel; it does not shrink on coarse ones.
    density = max(1.0, options.dpi / REFERENCE_DPI)
    # Rounded before scaling, so large text is exactly twice every normal size.
    return {
        name: int(round(BASE_FONT_PX * f * density) * scale) for name, f in _FONT_FACTORS.items()
    }


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
    sizes = _font_sizes(options)
    touch = touch_target_px(options.dpi)
    sheet = _Sheet(palette)
    _base_rules(sheet, sizes, touch, font_family)
    _text_roles(sheet, sizes)
    _buttons(sheet, sizes, touch)
    _inputs(sheet, touch)
    _keyboard(sheet, sizes, touch)
    return Theme(
        options=options,
        palette=palette,
        font_family=font_family,
        touch_px=touch,
        stylesheet=sheet.text(),
        text_pairs=(*sheet.text_pairs, *palette_pairs(palette)),
        outline_pairs=tuple(sheet.outline_pairs),
        font_px=sizes,
    )


def _px(value: float) -> str:
    return f"{round(value)}px"


def _base_rules(sheet: _Sheet, sizes: dict[str, int], touch: int, family: str) -> None:
    sel = "QWidget"
    family_rule = f'font-family: "{family}"' if family else ""
    sheet.block(
        sel, sheet.colours(sel, "text", "window"), family_rule, f"font-size: {_px(sizes['body'])}"
    )
    sel = "QToolTip"
    sheet.block(
        sel, sheet.colours(sel, "on_status", "status"), sheet.outline(sel, 2, "border", "window")
    )
    # Scroll bars are dragged with a finger: as wide as a touch target, no arrow buttons.
    track = sheet.colour("window")
    sheet.block(
        "QScrollBar:vertical", f"width: {_px(touch)}", f"background-color: {track}", "margin: 0"
    )
    sheet.block(
        "QScrollBar:horizontal", f"height: {_px(touch)}", f"background-color: {track}", "margin: 0"
    )
    sel = "QScrollBar::handle"
    sheet.block(
        sel,
        sheet.fill(sel, "border", "window"),
        f"min-height: {_px(touch)}",
        f"min-width: {_px(touch)}",
        "border-radius: 6px",
    )
    sheet.block("QScrollBar::add-line, QScrollBar::sub-line", "width: 0", "height: 0")
    sheet.block("QScrollBar::add-page, QScrollBar::sub-page", "background: none")


def _text_roles(sheet: _Sheet, sizes: dict[str, int]) -> None:
    plain = "text", "window"
    for role in ("window", "overlay", "body"):
        sel = f'*[role="{role}"]'
        sheet.block(sel, sheet.colours(sel, *plain), f"font-size: {_px(sizes['body'])}")
    sel = '*[role="header"]'
    sheet.block(
        sel,
        sheet.colours(sel, *plain),
        "border: none",
        f"border-bottom: 2px solid {sheet.colour('border')}",
    )
    sheet.outline_pairs.append(ColourPair(sel, sheet.colour("border"), sheet.colour("window")))
    for role, size, bold, (fg, bg) in (
        ("title", sizes["title"], True, plain),
        ("subtitle", sizes["subtitle"], True, plain),
        ("code", sizes["code"], True, plain),
        ("field-label", sizes["body"], True, plain),
        ("hint", sizes["hint"], False, ("muted", "window")),
        ("error", sizes["body"], True, ("error", "window")),
    ):
        sel = f'QLabel[role="{role}"]'
        sheet.block(
            sel,
            sheet.colours(sel, fg, bg),
            f"font-size: {_px(size)}",
            "font-weight: bold" if bold else "",
        )
    sel = '*[role="status"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_status", "status"),
        f"font-size: {_px(sizes['hint'])}",
        "padding: 8px 16px",
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
            f"font-size: {_px(sizes['verdict'])}",
            "font-weight: bold",
            "padding: 16px 24px",
            "border-radius: 12px",
        )
        # Same colours as the role (recorded above); only the size differs.
        headline = f'QLabel[role="{role}"][headline="true"]'
        sheet.block(headline, f"font-size: {_px(sizes['headline'])}")
    # Labels inside a tile are transparent: the tile paints, and its pressed colour shows through.
    for role, size, bold in (
        ("tile-title", sizes["tile-title"], True),
        ("tile-hint", sizes["tile-hint"], False),
    ):
        sel = f'QLabel[role="{role}"]'
        sheet.block(
            sel,
            sheet.colours(sel, "on_tile", "tile", paints=False),
            f"font-size: {_px(size)}",
            "font-weight: bold" if bold else "",
        )
        sheet.on_also(f"{sel} (tile pressed)", "on_tile", "tile_pressed")


def _buttons(sheet: _Sheet, sizes: dict[str, int], touch: int) -> None:
    sel = "QPushButton"
    # min-height/-width count the content box only, so with padding and border a
    # button is always a bit more than one touch target.
    sheet.block(
        sel,
        sheet.colours(sel, "on_secondary", "secondary"),
        sheet.outline(sel, 2, "border", "window"),
        f"min-height: {_px(touch)}",
        f"min-width: {_px(touch)}",
        f"font-size: {_px(sizes['button'])}",
        "font-weight: bold",
        "padding: 8px 20px",
        "border-radius: 10px",
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
    sel = 'QPushButton[role="tile"]'
    sheet.block(
        sel,
        sheet.colours(sel, "on_tile", "tile"),
        sheet.outline(sel, 3, "border", "window"),
        "border-radius: 16px",
        "padding: 16px",
    )
    sel = 'QPushButton[role="tile"]:pressed'
    sheet.block(
        sel, sheet.colours(sel, "on_tile", "tile_pressed"), sheet.outline(sel, 5, "focus", "window")
    )
    sel = 'QPushButton[role="choice"]'
    sheet.block(
        sel, sheet.colours(sel, "on_secondary", "secondary"), f"font-size: {_px(sizes['body'])}"
    )
    # Chosen differs by more than colour: a thicker border too, for colour-blind users.
    sel = 'QPushButton[role="choice"]:checked'
    sheet.block(
        sel, sheet.colours(sel, "on_chosen", "chosen"), sheet.outline(sel, 5, "focus", "window")
    )
    sel = "QPushButton:disabled"
    sheet.block(sel, sheet.colours(sel, "on_disabled", "disabled"))


def _inputs(sheet: _Sheet, touch: int) -> None:
    editors = ("QLineEdit", "QPlainTextEdit", "QTextEdit")
    for cls in editors:
        sheet.block(
            cls,
            sheet.colours(cls, "on_surface", "surface"),
            sheet.outline(cls, 2, "border", "window"),
            sheet.selection(cls),
            "border-radius: 8px",
            "padding: 8px 12px",
            f"min-height: {_px(touch)}",
        )
        sel = f"{cls}:focus"
        sheet.block(sel, sheet.outline(sel, 4, "focus", "window"))
        sel = f"{cls}:disabled"
        sheet.block(sel, sheet.colours(sel, "on_disabled", "disabled"))
    # The whole box + label row is the touch target; the indicator itself is big too.
    # A tick, not just a fill, marks "checked": colour alone is not enough.
    indicator = round(touch * 0.7)
    tick = "black" if relative_luminance(sheet.colour("on_chosen")) < 0.5 else "white"
    tick_path = Path(str(asset("style", f"check-{tick}.svg"))).as_posix()
    for cls, radius in (("QCheckBox", 6), ("QRadioButton", indicator // 2)):
        sheet.block(cls, f"min-height: {_px(touch)}", "spacing: 16px")
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


def _keyboard(sheet: _Sheet, sizes: dict[str, int], touch: int) -> None:
    sel = '*[role="keyboard"]'
    sheet.block(sel, f"background-color: {sheet.colour('keyboard')}")
    for role, (bg, fg), size in (
        ("key", ("key", "on_key"), sizes["key"]),
        ("key-action", ("key_action", "on_key_action"), sizes["key-action"]),
        ("key-accent", ("key_accent", "on_key_accent"), sizes["key-action"]),
    ):
        sel = f'QPushButton[role="{role}"]'
        sheet.block(
            sel,
            sheet.colours(sel, fg, bg),
            sheet.outline(sel, 2, "border", "keyboard"),
            f"font-size: {_px(size)}",
            "font-weight: bold",
            "padding: 4px 6px",
            f"min-height: {_px(touch)}",
            f"min-width: {_px(touch)}",
            "border-radius: 8px",
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


def apply_theme(app: QApplication, options: ThemeOptions) -> Theme:
    """Load the Hangul font and style the whole application for ``options``.

    Call again whenever the operator changes large text or contrast; every
    widget restyles, nothing needs rebuilding.
    """
    family = load_fonts()
    theme = build_theme(options, family)
    # Fusion draws the same on Windows and Linux kiosks, and honours the palette.
    app.setStyle("Fusion")
    app.setPalette(_qpalette(theme.palette))
    font = QFont(family)
    font.setPixelSize(theme.base_font_px)
    app.setFont(font)
    app.setStyleSheet(theme.stylesheet)
    return theme
