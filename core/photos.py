"""A complaint's optional photo: one small JPEG with nothing in it but the picture.

A photo may show faces or number plates, so it is personal data: it is sealed
to the server like contact details and never written to the kiosk's disk in
the clear. Here it is made from the camera's pixels (downscaled, re-encoded,
no EXIF or other metadata: Pillow writes none unless asked) and checked, on
the kiosk before it is sealed and on the server after it is opened.
"""

from __future__ import annotations

import io
import math

# Pillow is imported by the two functions below, when a photo is made or checked:
# the kiosk imports this module for its limits with the store, and Pillow with its
# image libraries (~2 MB resident) is nothing a kiosk that takes no photo needs.

MAX_SIDE = 1280
QUALITY = 80
# A 1280×960 street scene at quality 80 is ~150–250 KB; noise-like pictures more.
MAX_PHOTO_BYTES = 400_000
# Sealed: an X25519 sealed box adds 48 bytes, base64 four characters for three.
SEALED_PHOTO_MAX = 4 * math.ceil((MAX_PHOTO_BYTES + 48) / 3)
_JPEG_START = b"\xff\xd8\xff"


class PhotoRejected(ValueError):
    """The picture cannot be kept; ``key`` is the message key for the citizen."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def jpeg_from_rgb(width: int, height: int, stride: int, rgb: bytes) -> bytes:
    """Packed 8-bit RGB rows (``stride`` bytes apart) as the JPEG a complaint carries."""
    from PIL import Image

    try:
        image = Image.frombuffer("RGB", (width, height), rgb, "raw", "RGB", stride, 1)
    except ValueError as exc:
        raise PhotoRejected("photo.invalid") from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    for quality in (QUALITY, 65, 50):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        data = out.getvalue()
        if len(data) <= MAX_PHOTO_BYTES:
            return data
    raise PhotoRejected("photo.too_large")


def photo_error(data: bytes) -> str | None:
    """The message key when ``data`` is not a photo a complaint may carry, else None."""
    if len(data) > MAX_PHOTO_BYTES:
        return "photo.too_large"
    if not data.startswith(_JPEG_START):
        return "photo.invalid"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or max(image.size) > MAX_SIDE:
                return "photo.invalid"
            # Where and with what it was taken stays with the citizen.
            if "exif" in image.info or image.getexif():
                return "photo.invalid"
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        return "photo.invalid"
    return None
