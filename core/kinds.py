"""The enums both sides store and send: what a citizen filed, where a sign-up stands."""

from __future__ import annotations

import enum

__all__ = ["RegistrationStatus", "SubmissionKind"]


class SubmissionKind(enum.StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    PROPOSAL = "proposal"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
