"""What the kiosk bundle leaves out (installer/bundle_policy.py), entry by entry."""

from __future__ import annotations

import pytest

from installer.bundle_policy import (
    PYSIDE6_MODULES_KEPT,
    drop_reason,
    icu_drop_reason,
    is_os_library,
    keep_hook_entries,
    unwanted_pyside6_modules,
)

QT = "PySide6/Qt"


@pytest.mark.parametrize(
    "destination",
    [
        f"{QT}/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        f"{QT}/lib/libQt6VirtualKeyboard.so.6",
        f"{QT}/lib/libQt6WebEngineCore.so.6",
        f"{QT}/qml/QtQuick/Controls/qmldir",
        f"{QT}/translations/qtbase_ko.qm",
        f"{QT}/plugins/imageformats/libqpdf.so",
        f"{QT}/plugins/platformthemes/libqgtk3.so",
        f"{QT}/plugins/sqldrivers/libqsqlite.so",
        f"{QT}/plugins/platforms/libqwayland.so",
        f"{QT}/plugins/platforms/libqlinuxfb.so",
        f"{QT}/plugins/generic/libqtuiotouchplugin.so",
    ],
)
def test_the_bundle_leaves_out_what_the_kiosk_never_loads(destination: str) -> None:
    assert drop_reason(destination) is not None


@pytest.mark.parametrize(
    "destination",
    [
        f"{QT}/plugins/platforms/libqxcb.so",  # the kiosk's screen
        f"{QT}/plugins/platforms/libqoffscreen.so",  # the self-test
        f"{QT}/plugins/multimedia/libffmpegmediaplugin.so",  # the camera
        f"{QT}/lib/libQt6Quick.so.6",  # linked by the camera backend
        f"{QT}/plugins/imageformats/libqsvg.so",  # icons and check marks
        f"{QT}/plugins/texttospeech/libqtexttospeech_speechd.so",  # audio guidance
        f"{QT}/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        f"{QT}/plugins/platforms/libqeglfs.so",  # a kiosk without X
        f"{QT}/plugins/generic/libqevdevtouchplugin.so",  # its touch screen
        "assets/fonts/NanumSquareR.ttf",
        "kiosk/migrations/versions/0001_initial_schema.py",
    ],
)
def test_the_bundle_keeps_what_the_kiosk_needs(destination: str) -> None:
    assert drop_reason(destination) is None


def test_windows_separators_are_matched_too() -> None:
    assert drop_reason(r"PySide6\Qt\qml\QtQuick\qmldir") is not None


def test_hook_entries_are_judged_by_their_file_inside_the_destination_directory() -> None:
    entries = [
        ("/venv/PySide6/Qt/plugins/platformthemes/libqgtk3.so", f"{QT}/plugins/platformthemes"),
        ("/venv/PySide6/Qt/plugins/platforms/libqxcb.so", f"{QT}/plugins/platforms"),
    ]
    assert keep_hook_entries(entries) == entries[1:]


def test_only_the_bindings_the_kiosk_imports_are_kept() -> None:
    unwanted = unwanted_pyside6_modules(["QtCore", "QtWebEngineCore", "QtMultimedia", "Qt3DCore"])
    assert unwanted == ["PySide6.Qt3DCore", "PySide6.QtWebEngineCore"]
    assert {"QtWidgets", "QtMultimedia", "QtTextToSpeech"} <= PYSIDE6_MODULES_KEPT


@pytest.mark.parametrize(
    ("source", "from_os"),
    [
        ("/usr/lib/x86_64-linux-gnu/libssl.so.3", True),
        ("/lib/x86_64-linux-gnu/libz.so.1", True),
        ("/usr/lib/x86_64-linux-gnu/pulseaudio/libpulsecommon-16.1.so", True),
        ("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", False),  # the bundle's interpreter
        ("/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", False),
        ("/venv/lib/python3.11/site-packages/PySide6/Qt/lib/libQt6Core.so.6", False),
        ("/venv/lib/python3.11/site-packages/pillow.libs/libjpeg-6dc8d115.so.62.4.0", False),
    ],
)
def test_os_libraries_are_told_from_wheel_and_interpreter_libraries(
    source: str, from_os: bool
) -> None:
    assert is_os_library(source) is from_os


ICU = "icudt73l"


@pytest.mark.parametrize(
    "item",
    [
        f"{ICU}/coll/de.res",  # another language's collation
        f"{ICU}/zone/ja.res",
        f"{ICU}/sr_Latn_BA.res",
        f"{ICU}/coll/de_.res",  # an alias item of a left-out language
        f"{ICU}/ibm-949_P110-1999.cnv",  # a legacy charset: Qt never decodes one for us
        f"{ICU}/brkitr/cjdict.dict",
        f"{ICU}/translit/root.res",
        f"{ICU}/unames.icu",
    ],
)
def test_icu_data_leaves_out_what_qt_cannot_reach_for_the_kiosk(item: str) -> None:
    assert icu_drop_reason(item) is not None


@pytest.mark.parametrize(
    "item",
    [
        f"{ICU}/coll/ko.res",  # QCollator in Korean
        f"{ICU}/coll/root.res",  # every locale's fallback
        f"{ICU}/coll/ucadata.icu",
        f"{ICU}/zone/ko.res",  # QTimeZone names in Korean
        f"{ICU}/zone/en_GB.res",
        f"{ICU}/zone/pool.res",  # shared by every locale of the tree
        f"{ICU}/res_index.res",
        f"{ICU}/zoneinfo64.res",
        f"{ICU}/supplementalData.res",
        f"{ICU}/metaZones.res",
        f"{ICU}/cnvalias.icu",  # charset names, also of UTF-8
        f"{ICU}/brkitr/word.brk",  # break rules, not dictionaries
        f"{ICU}/ko.res",
    ],
)
def test_icu_data_keeps_korean_english_and_what_every_locale_needs(item: str) -> None:
    assert icu_drop_reason(item) is None
