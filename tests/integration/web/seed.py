"""Realistic cases pushed through sync protocol v1, for the staff pages to show."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from PIL import Image

from core.payloads import (
    ComplaintPayload,
    ComplaintSealed,
    MutationType,
    ProposalPayload,
    ProposalSealed,
    complaint_json,
)
from core.photos import jpeg_from_rgb
from core.receipts import new_receipt_code
from core.sealing import seal, seal_bytes
from tests.integration.server.simkiosk import SimKiosk

DISTRICTS = ["jongno", "jung", "seongbuk", "mapo", "gangnam", "songpa", "nowon"]
CATEGORIES = ["road", "streetlight", "waste", "parking", "noise", "park"]
PROBLEMS = [
    "보도블록이 깨져서 걸려 넘어질 뻔했어요",
    "가로등이 밤새 꺼져 있어요",
    "쓰레기가 수거되지 않고 쌓여 있습니다",
    "불법 주차 차량 때문에 지나가기 어려워요",
    "공사 소음이 새벽까지 계속됩니다",
    "공원 벤치가 부서졌어요",
]
NAMES = ["김민수", "이서연", "박지훈", "최유진", "정하늘"]


def complaint(
    kiosk: SimKiosk,
    created_at: dt.datetime,
    *,
    category: str = "road",
    district: str = "jung",
    description: str = "보도블록이 깨졌어요",
    name: str = "김민수",
    phone: str = "010-1234-5678",
    email: str = "",
    address: str = "세종대로 110",
    share_contact: bool = True,
    anonymous: bool = False,
    dong: str | None = None,
    photo: bytes = b"",
) -> dict[str, Any]:
    sealed = ComplaintSealed(
        description=description,
        address=address,
        name="" if anonymous else name,
        phone="" if anonymous else phone,
        email="" if anonymous else email,
        share_contact=share_contact and not anonymous,
    )
    payload = complaint_json(
        ComplaintPayload(
            receipt_code=new_receipt_code(),
            anonymous=anonymous,
            category=category,
            district=district,
            dong=dong,
            consent_version="2026-01",
            created_at=created_at,
            sealed=seal(kiosk.server_public_key, sealed.model_dump()),
            photo=seal_bytes(kiosk.server_public_key, photo) if photo else None,
        )
    )
    return kiosk.mutation(MutationType.COMPLAINT, payload)


def scene_jpeg(width: int = 1600, height: int = 1200, seed: int = 1) -> bytes:
    """A kiosk-made photo (core.photos) of a busy scene: gradients and speckle."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    small = (width // 4, height // 4)
    speckle = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = Image.blend(image, speckle.resize((width, height)), 0.3)
    return jpeg_from_rgb(width, height, width * 3, image.tobytes())


def proposal(
    kiosk: SimKiosk, created_at: dt.datetime, area: str = "transport", district: str = "mapo"
) -> dict[str, Any]:
    sealed = ProposalSealed(
        title="자전거 도로를 한강까지 이어 주세요",
        description="출퇴근길이 훨씬 안전해집니다",
        name="이수",
        email="citizen@example.kr",
    )
    payload = ProposalPayload(
        receipt_code=new_receipt_code(),
        area=area,
        district=district,
        created_at=created_at,
        consent_version="2026-01",
        sealed=seal(kiosk.server_public_key, sealed.model_dump()),
    ).model_dump(mode="json")
    return kiosk.mutation(MutationType.PROPOSAL, payload)


def seed_cases(
    kiosk: SimKiosk, now: dt.datetime, count: int = 60, seed: int = 7
) -> list[dict[str, Any]]:
    """``count`` complaints, suggestions and proposals over the last two weeks, pushed."""
    rng = random.Random(seed)
    mutations = []
    for i in range(count):
        when = now - dt.timedelta(days=rng.randrange(14), minutes=rng.randrange(600))
        roll = rng.random()
        if roll < 0.15:
            mutations.append(proposal(kiosk, when, district=rng.choice(DISTRICTS)))
        else:
            mutations.append(
                complaint(
                    kiosk,
                    when,
                    category=rng.choice(CATEGORIES),
                    district=rng.choice(DISTRICTS),
                    description=rng.choice(PROBLEMS),
                    name=NAMES[i % len(NAMES)],
                    anonymous=roll > 0.8,
                )
            )
    for start in range(0, len(mutations), 100):
        results = kiosk.push(mutations[start : start + 100])
        assert all(r["status"] == "applied" for r in results), results
    return mutations
