"""Complaints with photos travel from the kiosk's store to the real server, sealed all the way.

Twenty photos of ~260 KB are more than one push may carry (5 MiB): the engine
sends them in several pushes, and every photo arrives whole, opened only by
the server.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from kiosk.submissions import submit_complaint
from server.models import Submission, SubmissionPhoto
from sync.protocol import MAX_PUSH_BYTES
from tests.integration.web.seed import scene_jpeg
from tests.support.quick_engine import complaint_form
from tests.support.sync_rig import CONSENT, SyncRig

COUNT = 20


def test_many_photo_complaints_all_arrive_in_several_pushes(rig: SyncRig) -> None:
    photos = [scene_jpeg(seed=n) for n in range(COUNT)]
    assert sum(len(p) for p in photos) * 4 // 3 > MAX_PUSH_BYTES  # more than one push holds
    receipts = [
        submit_complaint(
            rig.store,
            dataclasses.replace(complaint_form(n), district="guro", dong="hang", photo=photo),
            CONSENT,
        )
        for n, photo in enumerate(photos)
    ]
    pushes_before = rig.proxy.request_count("/v1/sync/push", "POST")

    rig.sync_until_done()

    assert rig.proxy.request_count("/v1/sync/push", "POST") - pushes_before >= 2
    with rig.server_db.read() as session:
        rows = session.execute(select(SubmissionPhoto.submission_id, SubmissionPhoto.jpeg))
        stored = {row.submission_id: row.jpeg for row in rows}
        dongs = set(session.scalars(select(Submission.dong)))
    assert {r.id: stored.get(r.id) for r in receipts} == {
        r.id: photo for r, photo in zip(receipts, photos, strict=True)
    }
    assert dongs == {"hang"}
