"""Finding 4: mutation ids were global, so one device could pre-empt or probe another's.

Device B pushing kiosk A's queued id with another payload first was applied,
and A's real complaint was then refused as ``conflict`` for ever; pushing
A's id with A's payload answered ``duplicate``, confirming the id exists. Now
the key is (kiosk store, id): B's push is B's own record, A's record is kept,
and B's answer is the one any fresh id gets. A kiosk re-enrolled with proof of
its former key is still the same store: its resends stay duplicates.
"""

from __future__ import annotations

from nacl.signing import SigningKey
from sqlalchemy import select

from core.sealing import b64
from core.succession import sign_succession
from server.models import MutationRecord, Submission
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk, enroll_raw, expect_error


def _submission(live: LiveServer, receipt_code: str) -> Submission:
    with live.db.read() as session:
        return session.scalars(
            select(Submission).where(Submission.receipt_code == receipt_code)
        ).one()


def test_another_device_cannot_pre_empt_a_kiosks_queued_id(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    intruder = live.kiosk(name="intruder")
    real = kiosk.complaint(description="가로등이 꺼졌어요")
    forged = intruder.complaint(description="가짜 민원")
    forged["id"] = real["id"]

    [first] = intruder.push([forged])
    [answer] = kiosk.push([real])

    assert first["status"] == "applied"
    assert (answer["status"], answer["code"]) == ("applied", "")
    kept = _submission(live, real["payload"]["receipt_code"])
    assert kept.details["description"] == "가로등이 꺼졌어요"
    assert kept.device_id == kiosk.device_id
    # Exactly once for the kiosk itself, as before.
    assert kiosk.push([real])[0]["status"] == "duplicate"


def test_pushing_another_kiosks_id_and_payload_reveals_nothing(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    probe = live.kiosk(name="probe")
    known, unknown = kiosk.complaint(), kiosk.complaint()
    kiosk.push([known])

    answers = probe.push([known, unknown])

    assert [(a["status"], a["code"]) for a in answers] == [("applied", ""), ("applied", "")]


def test_a_kiosk_re_enrolled_with_proof_keeps_its_ids(live: LiveServer, kiosk: SimKiosk) -> None:
    delivered = kiosk.complaint()
    kiosk.push([delivered])
    new_key = SigningKey.generate()
    public = b64(bytes(new_key.verify_key))
    proof = sign_succession(kiosk.signing_key, kiosk.device_id, public)

    reply = enroll_raw(
        live.base_url,
        live.code(),
        public,
        predecessor={"device_id": kiosk.device_id, "signature": b64(proof)},
    )
    assert reply.status_code == 200, reply.text
    again = SimKiosk(
        live.base_url,
        reply.json()["device_id"],
        reply.json()["token"],
        reply.json()["office"],
        reply.json()["server_public_key"],
        reply.json()["signing_key_id"],
        new_key,
    )

    # The answer to the first push was lost; the re-enrolled kiosk sends it again.
    assert again.push([delivered])[0]["status"] == "duplicate"
    with live.db.read() as session:
        assert len(session.scalars(select(MutationRecord)).all()) == 1


def test_a_forged_proof_of_succession_is_refused(live: LiveServer, kiosk: SimKiosk) -> None:
    public = b64(bytes(SigningKey.generate().verify_key))
    wrong = sign_succession(SigningKey.generate(), kiosk.device_id, public)

    reply = enroll_raw(
        live.base_url,
        live.code(),
        public,
        predecessor={"device_id": kiosk.device_id, "signature": b64(wrong)},
    )

    expect_error(reply, 403, "invalid_predecessor")
