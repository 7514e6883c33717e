"""Fault tests run the real central server on 127.0.0.1 behind the fault proxy."""

from tests.support.sync_rig import rig

__all__ = ["rig"]
