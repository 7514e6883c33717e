"""Handing the records the server refused to the city's IT team, sealed.

Staff export the needs-attention list to a file (a USB stick, a share). The
file is a small JSON envelope around one sealed box: the rows, exactly as
queued (their personal parts were already sealed when they were written), are
sealed once more to the central server's public key as a whole. So the file,
like the kiosk's own database, reveals nothing to whoever finds it; only the
holder of the server's private key opens it (``core.sealing.unseal``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.sealing import seal
from kiosk.identity import require_identity
from kiosk.models import MutationState, OutboxMutation
from kiosk.store import Store

EXPORT_FORMAT = "civic-kiosk.needs-attention.v1"


@dataclass(frozen=True)
class AttentionExport:
    path: Path
    count: int


def export_attention(store: Store, directory: Path, now: dt.datetime) -> AttentionExport:
    """Write every refused record to a sealed file in ``directory``; raises NotEnrolled."""
    with store.read() as session:
        identity = require_identity(session)
        rows = session.scalars(
            select(OutboxMutation)
            .where(OutboxMutation.state == MutationState.REJECTED)
            .order_by(OutboxMutation.seq)
        )
        items = [
            {
                "id": row.id,
                "seq": row.seq,
                "type": row.type,
                "created_at": row.created_at.isoformat(),
                "result_code": row.result_code,
                "message": row.last_error,
                "attempts": row.attempts,
                "payload": json.loads(row.payload or "{}"),
            }
            for row in rows
        ]
        device_id, server_key = identity.device_id, identity.server_public_key
    envelope = {
        "format": EXPORT_FORMAT,
        "device_id": device_id,
        "exported_at": now.isoformat(),
        "count": len(items),
        "sealed": seal(server_key, {"device_id": device_id, "items": items}),
    }
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"needs-attention-{device_id}-{stamp}.json"
    _write_private(path, json.dumps(envelope, indent=2) + "\n")
    return AttentionExport(path, len(items))


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the kiosk user only (it is still the city's data)."""
    temporary = path.with_name(path.name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
