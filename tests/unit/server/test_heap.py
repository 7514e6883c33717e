"""A served app leaves what start-up built out of the garbage collector's walks."""

from __future__ import annotations

import gc

from server.app import settle_heap


def test_what_start_up_built_is_frozen_and_what_requests_make_is_not() -> None:
    # A full collection otherwise walks every module and table the server loaded,
    # a pause taken in the middle of some kiosk's request.
    built_at_start = [[n] for n in range(1000)]
    frozen_before = gc.get_freeze_count()
    try:
        settle_heap()
        frozen = gc.get_freeze_count()
        assert frozen >= frozen_before + len(built_at_start)
        made_by_a_request = [[n] for n in range(1000)]
        # What comes later is collected as usual: nothing new joins the frozen.
        assert gc.get_freeze_count() == frozen
        assert all(gc.is_tracked(made) for made in made_by_a_request)
    finally:
        gc.unfreeze()  # the rest of the test process collects as before
