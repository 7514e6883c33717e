"""The server masks names exactly as the kiosk does."""

from __future__ import annotations

import pytest

from kiosk.signups import mask_name as kiosk_mask_name
from server.names import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [("김민수", "김*수"), ("이수", "이*"), ("남궁민수", "남**수"), ("Jane Doe", "J*** D**"),
     ("김", "김"), ("", "")],
)
def test_masking(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert kiosk_mask_name(name) == masked
