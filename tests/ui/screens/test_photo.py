"""The complaint's optional photo: only with a camera; taken, reviewed, sealed, wiped."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from core.photos import MAX_PHOTO_BYTES, MAX_SIDE
from core.sealing import unseal_bytes
from tests.conftest import KioskDB
from tests.integration.sync.test_sealed_at_rest import store_files
from tests.ui.kiosk_fixtures import PORTRAIT, Citizen, make_window, only_record
from tests.ui.photo_source import StillPhotoSource
from ui.i18n import translate
from ui.photo import CameraPhotoSource
from ui.shell import KioskWindow
from ui.touch import touch_target_px


@pytest.fixture
def camera() -> StillPhotoSource:
    return StillPhotoSource()


@pytest.fixture
def kiosk_with_camera(qtbot: QtBot, kiosk_db: KioskDB, camera: StillPhotoSource) -> KioskWindow:
    return make_window(qtbot, kiosk_db, photo_source=camera)


def to_photo_page(citizen: Citizen) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "mapo")
    citizen.next()
    citizen.type_into("description", "보도블록이 깨져 있어요")
    citizen.next()


def review_pictures(kiosk: KioskWindow) -> list[QLabel]:
    return [
        label
        for label in kiosk.review.findChildren(QLabel)
        if label.isVisible() and not label.pixmap().isNull()
    ]


def test_a_kiosk_without_a_camera_has_no_photo_page(citizen: Citizen, kiosk: KioskWindow) -> None:
    # The real QtMultimedia source, on a machine with no camera device.
    assert isinstance(kiosk.photo_source, CameraPhotoSource)
    assert not kiosk.photo_source.available()
    to_photo_page(citizen)
    assert not kiosk.complaint.photo_page_shown()
    assert citizen.form().field("name").isVisible()  # straight on to the contact page
    assert citizen.form().step.text() == translate("flow.step", "ko", current=4, total=4)


def test_a_camera_staff_turned_off_gives_no_photo_page(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    kiosk = make_window(qtbot, kiosk_db, photo_source=StillPhotoSource(), camera=False)
    to_photo_page(Citizen(qtbot, kiosk))
    assert not kiosk.complaint.photo_page_shown()


def test_a_photo_is_taken_reviewed_and_stored_only_sealed(
    qtbot: QtBot, kiosk_with_camera: KioskWindow, kiosk_db: KioskDB, camera: StillPhotoSource
) -> None:
    kiosk = kiosk_with_camera
    citizen = Citizen(qtbot, kiosk)
    to_photo_page(citizen)
    panel = kiosk.complaint.photo
    assert panel is not None and kiosk.complaint.photo_page_shown()
    assert citizen.form().step.text() == translate("flow.step", "ko", current=4, total=5)
    assert camera.running() and not panel.view.pixmap().isNull()  # the live preview
    citizen.tap(panel.take)
    assert panel.status.text() == translate("photo.taken", "ko")
    assert panel.retake.isVisible() and not panel.take.isVisible()
    assert not camera.running()  # the camera is off once the picture is taken
    citizen.next()
    citizen.type_into("name", "김민수")
    citizen.type_into("phone", "010-1234-5678")
    citizen.next()
    citizen.agree()
    pictures = review_pictures(kiosk)
    assert len(pictures) == 1 and pictures[0].pixmap().width() <= 320
    citizen.submit()

    assert citizen.screen == "receipt"
    stored = only_record(kiosk_db)
    payload = json.loads(stored.mutation.payload or "")
    jpeg = unseal_bytes(kiosk_db.server_key, payload["photo"])
    assert jpeg.startswith(b"\xff\xd8") and len(jpeg) <= MAX_PHOTO_BYTES
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and max(image.size) == MAX_SIDE  # 1920×1440 shrunk
        assert "exif" not in image.info and not image.getexif()
    assert "photo" not in kiosk_db.unsealed(stored.mutation)  # not inside the text seal
    # The picture itself is nowhere on the kiosk's disk, in the database or its WAL.
    files = b"".join(store_files(kiosk_db.path).values())
    assert stored.submission is not None and stored.submission.receipt_code.encode() in files
    for start in range(200, len(jpeg) - 64, len(jpeg) // 8):
        assert jpeg[start : start + 64] not in files


def test_retake_brings_the_preview_back_and_skip_goes_on_without_a_photo(
    qtbot: QtBot, kiosk_with_camera: KioskWindow, kiosk_db: KioskDB, camera: StillPhotoSource
) -> None:
    kiosk = kiosk_with_camera
    citizen = Citizen(qtbot, kiosk)
    to_photo_page(citizen)
    panel = kiosk.complaint.photo
    assert panel is not None
    citizen.tap(panel.take)
    citizen.tap(panel.retake)
    assert panel.jpeg == b"" and camera.running() and panel.take.isVisible()
    citizen.tap(panel.take)
    citizen.tap(panel.skip)
    assert citizen.form().field("name").isVisible()
    assert panel.jpeg == b"" and not camera.running()
    citizen.type_into("name", "김민수")
    citizen.type_into("phone", "010-1234-5678")
    citizen.next()
    citizen.agree()
    assert review_pictures(kiosk) == []
    citizen.submit()
    assert "photo" not in json.loads(only_record(kiosk_db).mutation.payload or "")


def test_going_back_from_the_contact_page_finds_the_photo_kept(
    qtbot: QtBot, kiosk_with_camera: KioskWindow
) -> None:
    citizen = Citizen(qtbot, kiosk_with_camera)
    to_photo_page(citizen)
    panel = kiosk_with_camera.complaint.photo
    assert panel is not None
    citizen.tap(panel.take)
    taken = panel.jpeg
    citizen.next()
    citizen.tap(citizen.form().nav.back_button)
    assert kiosk_with_camera.complaint.photo_page_shown()
    assert panel.jpeg == taken and panel.retake.isVisible()


def test_the_photo_page_fits_a_portrait_screen_at_large_text(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    kiosk = make_window(
        qtbot, kiosk_db, size=PORTRAIT, photo_source=StillPhotoSource(), large_text=True
    )
    citizen = Citizen(qtbot, kiosk)
    to_photo_page(citizen)
    panel = kiosk.complaint.photo
    assert panel is not None
    smallest = touch_target_px(96.0)
    for button in (panel.take, panel.skip):
        corner = button.mapTo(kiosk, button.rect().bottomRight())
        assert kiosk.rect().contains(corner), button.text()
        assert min(button.width(), button.height()) >= smallest, button.text()
    citizen.tap(panel.take)
    assert panel.retake.isVisible()


def test_the_anonymous_suggestion_never_asks_for_a_photo(
    qtbot: QtBot, kiosk_with_camera: KioskWindow
) -> None:
    citizen = Citizen(qtbot, kiosk_with_camera)
    citizen.home_tile("suggestion")
    assert kiosk_with_camera.suggestion.photo is None
    citizen.choose("category", "park")
    citizen.next()
    citizen.next()
    citizen.type_into("description", "공원에 그늘막을 더 설치해 주세요")
    citizen.next()
    assert citizen.screen == "review"
