"""What the kiosk bundle keeps and leaves out, and why: read by the spec and by the tests.

The PyInstaller hooks for PySide6 collect every plugin of a Qt module the
program imports, and whatever those plugins link. Most of it a kiosk never
loads; some of it it must not ship (Qt Virtual Keyboard is GPLv3-only). The
rules live here, as data, so that ``civic-kiosk.spec`` applies them and
``tests/installer`` checks the built bundle against the very same list.

Paths are matched against a bundle entry's destination, with ``/`` separators,
relative to the bundle's ``_internal`` directory (e.g.
``PySide6/Qt/plugins/platforms/libqxcb.so``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Final

# The Qt bindings the kiosk imports: widgets on the screen, the network
# reachability hint, the camera (QtMultimedia), audio guidance, and D-Bus to
# keep a desktop's screensaver away (ui/lockdown.py).
PYSIDE6_MODULES_KEPT: Final = frozenset(
    {"QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtMultimedia", "QtTextToSpeech", "QtDBus"}
)

# Python packages that must never reach a kiosk. The server and its database
# drivers are a separate program; tests, benchmarks and dev tools are not
# runtime; numpy/matplotlib/tkinter are optional imports of our dependencies
# (Pillow, zxing-cpp) that would add tens of MB for nothing.
EXCLUDED_PACKAGES: Final = (
    "server",
    "tests",
    "bench",
    "scripts",
    "fastapi",
    "starlette",
    "uvicorn",
    "httptools",
    "uvloop",
    "psycopg",
    "psycopg_binary",
    "psycopg_pool",
    "httpx",
    "httpcore",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "PyInstaller",
    "numpy",
    "matplotlib",
    "tkinter",
    "_tkinter",
    "IPython",
    # Optional imports of pydantic (pretty-printing, .env files, v1 shim) and
    # of Mako's Pygments plugin; SQLAlchemy needs greenlet only for asyncio.
    "rich",
    "pygments",
    "markdown_it",
    "mdurl",
    "dotenv",
    "attr",
    "attrs",
    "pydantic.v1",
    "mako.ext",
    "greenlet",
    # Pillow draws the ticket QR (core/tickets.py) and the printed slips
    # (printing/raster.py, whose Hangul text needs FreeType: PIL._imagingft
    # stays): no AVIF/WebP codecs, colour management or Tk. Each of these
    # modules brings its own native libraries; Pillow imports them on demand.
    "PIL._avif",
    "PIL._webp",
    "PIL._imagingcms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    # keyring's Secret Service backend needs SecretStorage, which brings the
    # cryptography wheel (12 MB). The Linux kiosk keeps its store key in a
    # TPM-bound systemd credential instead (kiosk/device_secrets.py,
    # docs/deploy-kiosk-linux.md); Windows uses the Credential Locker, which
    # needs neither.
    "secretstorage",
    "cryptography",
)

# Bundle entries dropped after analysis, each with the reason. A pattern that
# matches nothing is harmless: wheels differ between Qt versions and platforms.
DROPPED: Final[tuple[tuple[str, str], ...]] = (
    # GPLv3-only: not compatible with shipping the kiosk under Apache-2.0. The
    # kiosk has its own Hangul keyboard (ui/keyboard.py), so nothing is lost.
    ("*virtualkeyboard*", "Qt Virtual Keyboard is GPLv3-only; ui/keyboard.py replaces it"),
    ("*VirtualKeyboard*", "Qt Virtual Keyboard is GPLv3-only; ui/keyboard.py replaces it"),
    # The UI is QWidget-only. Qt Multimedia's FFmpeg plugin links libQt6Quick
    # and libQt6Qml (kept as libraries), but loads no QML module.
    ("PySide6/Qt/qml/*", "no QML in the kiosk"),
    ("PySide6/Qt/translations/*", "the kiosk translates itself (assets/i18n); no QTranslator"),
    ("*WebEngine*", "no web view"),
    ("PySide6/Qt/resources/*", "WebEngine resources"),
    ("PySide6/Qt/libexec/*", "WebEngine helper process"),
    ("*libQt6Pdf*", "no PDF"),
    ("PySide6/Qt/plugins/imageformats/libqpdf*", "PDF image plugin links QtPdf"),
    ("*Qt63D*", "no 3D"),
    ("*Qt6Quick3D*", "no 3D"),
    ("*Qt6Charts*", "no charts"),
    ("*Qt6DataVisualization*", "no charts"),
    ("*Qt6Graphs*", "no charts"),
    ("*Qt6Bluetooth*", "no Bluetooth"),
    ("*Qt6Nfc*", "no NFC"),
    ("*Qt6Designer*", "design-time tool"),
    ("*Qt6Help*", "design-time tool"),
    ("PySide6/Qt/plugins/designer/*", "design-time tool"),
    ("PySide6/Qt/plugins/qmltooling/*", "no QML"),
    ("PySide6/Qt/plugins/qmllint/*", "no QML"),
    ("PySide6/Qt/plugins/sqldrivers/*", "the store uses Python's sqlite3, not QtSql"),
    # Qt's TLS backends are for QNetworkAccessManager; kiosk HTTP goes through
    # requests (OpenSSL via Python's ssl module).
    ("PySide6/Qt/plugins/tls/*", "no Qt HTTP; requests does TLS"),
    # The kiosk runs on X11 (installer/linux); Wayland clients stay available
    # through the xcb platform under XWayland.
    ("PySide6/Qt/plugins/wayland-*", "kiosk session is X11"),
    ("*Qt6WaylandClient*", "kiosk session is X11"),
    ("*Qt6WaylandCompositor*", "kiosk session is X11"),
    ("*Qt6WaylandEglClientHwIntegration*", "kiosk session is X11"),
    ("*Qt6WlShellIntegration*", "kiosk session is X11"),
    ("PySide6/Qt/plugins/platforms/libqwayland*", "kiosk session is X11"),
    ("PySide6/Qt/plugins/platforms/libqvnc*", "not a kiosk display"),
    ("PySide6/Qt/plugins/platforms/libqvkkhrdisplay*", "not a kiosk display"),
    # The kiosk draws on X11 (xcb) or, without X, on EGL (eglfs); the self-test
    # and the benchmarks use offscreen. A frame-buffer or "minimal" platform
    # has no GPU path for the camera preview and is started by nothing we ship.
    ("PySide6/Qt/plugins/platforms/libqlinuxfb*", "not a kiosk display"),
    ("PySide6/Qt/plugins/platforms/libqminimal*", "not a kiosk display"),
    # TUIO is touch over UDP from a camera table; the kiosk's touch screen is
    # evdev (eglfs) or XInput (xcb).
    ("PySide6/Qt/plugins/generic/libqtuiotouchplugin*", "no TUIO touch source"),
    ("PySide6/Qt/plugins/platformthemes/*", "the kiosk draws its own theme"),
    ("PySide6/Qt/plugins/texttospeech/libqtexttospeech_mock*", "test engine"),
    # Images the kiosk shows are SVG (icons, ticks) and PNG (built into QtGui).
    ("PySide6/Qt/plugins/imageformats/libqicns*", "no such images"),
    ("PySide6/Qt/plugins/imageformats/libqico*", "no such images"),
    ("PySide6/Qt/plugins/imageformats/libqtga*", "no such images"),
    ("PySide6/Qt/plugins/imageformats/libqtiff*", "no such images"),
    ("PySide6/Qt/plugins/imageformats/libqwbmp*", "no such images"),
    ("PySide6/Qt/plugins/imageformats/libqwebp*", "no such images"),
)

# A shared library of the Linux distribution itself (/usr/lib/x86_64-linux-gnu/
# libssl.so.3, ...), as opposed to one from a wheel or from the Python build.
_OS_LIBRARY = re.compile(
    r"^/(usr/)?lib(32|64)?/"
    r"([A-Za-z0-9_]+-linux-gnu/([A-Za-z0-9_.+-]+/)?)?"  # multiarch, e.g. .../pulseaudio/
    r"lib[^/]*\.so[0-9.]*$"
)


def is_os_library(source: str) -> bool:
    """Whether a collected binary comes from the distribution's own library directories.

    By default the Linux bundle leaves these to the kiosk's package manager
    (``installer/linux/runtime-packages.txt``, installed by setup-kiosk.sh):
    OpenSSL, Kerberos, GLib, X11 and PulseAudio then get Debian's security
    updates the day they are published instead of with the next kiosk
    release, and the bundle is ~28 MB smaller. libpython always stays: the
    bundle's Python is the one it was built with.
    """
    path = _normalised(source)
    name = path.rsplit("/", 1)[-1]
    return bool(_OS_LIBRARY.match(path)) and not name.startswith("libpython")


def _normalised(destination: str) -> str:
    return destination.replace("\\", "/")


def drop_reason(destination: str) -> str | None:
    """Why the bundle leaves this entry out, or ``None`` if it stays."""
    path = _normalised(destination)
    for pattern, reason in DROPPED:
        if fnmatch.fnmatchcase(path, pattern):
            return reason
    return None


def keep_hook_entries(entries: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Filter a PyInstaller hook's ``(source, destination directory)`` list.

    Applied inside the hooks (``installer/hooks``), before PyInstaller follows
    each binary's links: a plugin dropped only afterwards would still have
    pulled in its libraries (the GTK theme plugin alone brings ~20 MB of GTK).
    """
    kept = []
    for source, dest_dir in entries:
        name = _normalised(source).rsplit("/", 1)[-1]
        if drop_reason(f"{_normalised(dest_dir).rstrip('/')}/{name}") is None:
            kept.append((source, dest_dir))
    return kept


def unwanted_pyside6_modules(available: Iterable[str]) -> list[str]:
    """``PySide6.<name>`` for every binding that is installed but not used by the kiosk."""
    return sorted(f"PySide6.{name}" for name in available if name not in PYSIDE6_MODULES_KEPT)


# --- ICU data (Linux: libicudata.so.<N>, rebuilt by installer/icu_data.py) -----------------

# The languages the kiosk is used in (assets/i18n); "root" is the data every
# locale falls back to. A locale's data is kept only for these.
ICU_LANGUAGES: Final = frozenset({"root", "en", "ko"})

# A locale item of a resource tree: "ko.res", "en_GB.res", "sr_Latn_BA.res",
# "de_.res"; not "pool.res", "res_index.res", "supplementalData.res".
_ICU_LOCALE = re.compile(r"^(root|[a-z]{2,3}(_[A-Za-z0-9]*)*)\.res$")
_ICU_TREE_DATA = ("pool.res", "res_index.res")


def icu_drop_reason(item: str) -> str | None:
    """Why the bundle's ICU data leaves out ``item`` ("icudt73l/coll/de.res"), or ``None``.

    What Qt asks of ICU is fixed by the ICU functions libQt6Core imports
    (``nm -D --undefined-only libQt6Core.so.6``): case mapping, QCollator,
    QTimeZone names, QStringConverter for charsets Qt does not implement
    itself. Nothing else in the bundle links ICU. Every item left out is one
    those functions cannot reach, or reach only for a language the kiosk
    never shows; ICU falls back to ``root`` for those, as for any locale it
    has no data for.
    """
    parts = item.split("/")[1:]  # without the "icudt73l" package name
    if not parts:
        return None
    tree, leaf = ("/".join(parts[:-1]), parts[-1])
    if leaf.endswith(".cnv"):
        # UTF-8/16/32 and Latin-1 are Qt's own code; Python decodes everything
        # the kiosk reads (sqlite3, json, requests). No legacy charset
        # (EUC-KR, Shift-JIS, EBCDIC...) ever goes through QStringConverter.
        return "legacy charset table: the kiosk decodes no text through Qt"
    if tree == "brkitr" and leaf.endswith(".dict"):
        return "word-break dictionary (CJK, Thai...): Qt calls no ICU break iterator"
    if tree == "translit":
        return "transliteration: Qt calls no ICU transliterator"
    if leaf == "unames.icu":
        return "Unicode character names: Qt never asks for them"
    if leaf.endswith((".spp", ".cfu")):
        return "StringPrep/spoof checks: Qt has its own IDNA code"
    match = _ICU_LOCALE.match(leaf)
    if match and leaf not in _ICU_TREE_DATA:
        language = leaf.removesuffix(".res").split("_")[0]
        if language not in ICU_LANGUAGES:
            return "locale data for a language the kiosk does not show"
    return None
