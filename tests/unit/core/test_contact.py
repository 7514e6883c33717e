"""The contact rule the kiosk checks while the citizen types and the server checks again."""

from __future__ import annotations

import pytest

from core.contact import contact_errors
from core.kinds import SubmissionKind

COMPLAINT, SUGGESTION, PROPOSAL = SubmissionKind


@pytest.mark.parametrize(
    ("name", "phone", "email", "refused"),
    [
        ("김민수", "01012345678", "", []),
        ("김민수", "", "minsu@example.org", []),
        ("", "01012345678", "", [("name", "field.required")]),
        ("김민수", " ", "", [("phone", "contact.required")]),
        (" ", "", "", [("name", "field.required"), ("phone", "contact.required")]),
    ],
)
def test_a_complaint_needs_a_name_and_a_way_to_answer(
    name: str, phone: str, email: str, refused: list[tuple[str, str]]
) -> None:
    errors = contact_errors(COMPLAINT, name=name, phone=phone, email=email)
    assert [(e.field, e.key) for e in errors] == refused


def test_a_suggestion_refuses_every_detail_and_a_photo() -> None:
    errors = contact_errors(SUGGESTION, name="김", phone="010", email="a@b.c", photo=True)
    assert [(e.field, e.key) for e in errors] == [
        ("name", "contact.not_allowed"),
        ("phone", "contact.not_allowed"),
        ("email", "contact.not_allowed"),
        ("photo", "photo.not_allowed"),
    ]
    assert contact_errors(SUGGESTION, name=" ", phone="", email="") == []


def test_a_proposal_takes_any_contact_or_none() -> None:
    assert contact_errors(PROPOSAL, name="", phone="", email="") == []
    assert contact_errors(PROPOSAL, name="김", phone="010", email="", photo=True) == []
