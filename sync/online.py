"""What a kiosk asks the server while a citizen waits at the screen, with short timeouts.

Every call returns ``None`` when the server cannot be reached or does not
answer in time (or answers with an error): the caller then does what it does
offline. These run off the GUI thread (ui/background.py); nothing here blocks
longer than ``ONLINE_TIMEOUTS``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from kiosk.identity import current_identity
from kiosk.models import DeviceIdentity
from kiosk.online_signups import OnlineAnswer, PreparedSignup
from kiosk.store import Store
from sync.client import SyncClient, SyncFailure, Timeouts
from sync.protocol import PROTOCOL_VERSION, CaseResponse, SignupRequest

log = logging.getLogger(__name__)

# A citizen is watching "checking…": a few seconds, then the offline path.
ONLINE_TIMEOUTS = Timeouts(connect_s=2.0, read_s=4.0)


class OnlineDesk:
    def __init__(self, store: Store, timeouts: Timeouts = ONLINE_TIMEOUTS) -> None:
        self.store = store
        self.timeouts = timeouts

    def _identity(self) -> DeviceIdentity | None:
        with self.store.read() as session:
            identity = current_identity(session)
            if identity is None or identity.revoked or not identity.server_url:
                return None
            session.expunge(identity)
            return identity

    def _client(self) -> SyncClient | None:
        identity = self._identity()
        if identity is None:
            return None
        return SyncClient(identity.server_url, identity.token, timeouts=self.timeouts)

    def claim(self, prepared: PreparedSignup) -> OnlineAnswer | None:
        identity = self._identity()
        if identity is None:
            return None
        client = SyncClient(identity.server_url, identity.token, timeouts=self.timeouts)
        request = SignupRequest(
            protocol=PROTOCOL_VERSION,
            device_id=identity.device_id,
            id=uuid.UUID(prepared.id),
            occurred_at=prepared.created_at,
            accept_waitlist=prepared.accept_waitlist,
            payload=prepared.payload,
        )
        try:
            answer = client.sign_up(request).body
        except SyncFailure as failure:
            log.info("online sign-up not answered (%s): the offline block decides", failure.kind)
            return None
        finally:
            client.close()
        return OnlineAnswer(
            status=answer.status,
            receipt_code=answer.receipt_code,
            key_id=answer.key_id,
            number=answer.number,
            ticket=answer.ticket,
            manual_code=answer.manual_code,
        )

    def availability(self) -> dict[int, int] | None:
        """Event id -> places a sign-up here would get now; None when offline."""
        client = self._client()
        if client is None:
            return None
        try:
            events = client.availability().body.events
        except SyncFailure:
            return None
        finally:
            client.close()
        return {e.event_id: e.seats_left for e in events}

    def case(self, code: str) -> CaseResponse | None:
        return self._ask(lambda client: client.case(code).body)

    def cancel(self, code: str) -> CaseResponse | None:
        return self._ask(lambda client: client.cancel(code).body)

    def ask_again(self, code: str) -> CaseResponse | None:
        return self._ask(lambda client: client.ask_again(code).body)

    def _ask(self, call: Callable[[SyncClient], CaseResponse]) -> CaseResponse | None:
        client = self._client()
        if client is None:
            return None
        try:
            return call(client)
        except SyncFailure as failure:
            log.info("case look-up not answered (%s)", failure.kind)
            return None
        finally:
            client.close()
