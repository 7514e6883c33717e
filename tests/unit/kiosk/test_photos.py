"""The complaint photo: small, JPEG, nothing but the picture; refused otherwise."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from PIL import Image

from core.photos import MAX_PHOTO_BYTES, MAX_SIDE, PhotoRejected, jpeg_from_rgb, photo_error
from core.sealing import unseal_bytes
from core.validation import ValidationFailed
from kiosk.submissions import Consent, submit_complaint, submit_suggestion
from tests.conftest import NOW, KioskDB
from tests.integration.web.seed import scene_jpeg
from tests.unit.kiosk.test_submissions import GOOD, rows

CONSENT = Consent(version="2026-12", required=True)


def with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    return jpeg_with((640, 480), exif=exif)


def jpeg_with(size: tuple[int, int], **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#4a7").save(out, "JPEG", **save)
    return out.getvalue()


def test_a_camera_picture_becomes_a_small_plain_jpeg() -> None:
    width, height = 2592, 1944  # a 5-megapixel camera
    rgb = bytes(range(256)) * (width * height * 3 // 256)
    jpeg = jpeg_from_rgb(width, height, width * 3, rgb)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and image.size == (MAX_SIDE, 960)
    assert len(jpeg) <= MAX_PHOTO_BYTES and photo_error(jpeg) is None


def test_rows_shorter_than_the_picture_are_refused() -> None:
    with pytest.raises(PhotoRejected):
        jpeg_from_rgb(100, 100, 300, b"\0" * 100)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (with_exif(), "photo.invalid"),
        (jpeg_with((MAX_SIDE + 1, 100)), "photo.invalid"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "photo.invalid"),
        (b"\xff\xd8\xff" + b"\0" * 100, "photo.invalid"),
        (b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES, "photo.too_large"),
    ],
    ids=["exif", "too-wide", "png", "broken", "too-large"],
)
def test_what_a_kiosk_would_not_make_is_refused(data: bytes, key: str) -> None:
    assert photo_error(data) == key


def test_the_photo_is_sealed_on_its_own_and_opens_unchanged(kiosk_db: KioskDB) -> None:
    jpeg = scene_jpeg(800, 600)
    submit_complaint(kiosk_db.store, dataclasses.replace(GOOD, photo=jpeg), CONSENT, now=NOW)
    _, mutations = rows(kiosk_db)
    payload = json.loads(mutations[0].payload or "")
    assert unseal_bytes(kiosk_db.server_key, payload["photo"]) == jpeg


def test_a_photo_that_is_not_a_kiosk_jpeg_is_refused_beside_the_photo(
    kiosk_db: KioskDB,
) -> None:
    form = dataclasses.replace(GOOD, photo=b"GIF89a not a photo")
    with pytest.raises(ValidationFailed) as excinfo:
        submit_complaint(kiosk_db.store, form, CONSENT, now=NOW)
    assert excinfo.value.keys_for("photo") == ["photo.invalid"]
    assert rows(kiosk_db) == ([], [])


def test_an_anonymous_suggestion_takes_no_photo(kiosk_db: KioskDB) -> None:
    form = dataclasses.replace(GOOD, name="", phone="", photo=scene_jpeg(400, 300))
    with pytest.raises(ValidationFailed) as excinfo:
        submit_suggestion(kiosk_db.store, form, now=NOW)
    assert excinfo.value.keys_for("photo") == ["photo.not_allowed"]
