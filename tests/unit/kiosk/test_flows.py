"""The flow table: steps as a citizen counts them, when consent is asked, when leaving asks."""

from __future__ import annotations

import pytest

from kiosk.flows import FLOWS, ConsentRule, asks_before_discarding, needs_consent, steps
from kiosk.signups import SignupForm
from kiosk.submissions import ComplaintForm, ProposalForm


def test_a_complaint_counts_consent_and_review_among_its_steps() -> None:
    plan = steps(FLOWS["complaint"], ComplaintForm())

    assert plan == (
        "step.category",
        "step.place",
        "step.details",
        "step.photo",
        "step.contact",
        "step.consent",
        "step.review",
    )


def test_a_page_left_out_is_not_counted() -> None:
    plan = steps(FLOWS["complaint"], ComplaintForm(), skipped={"step.photo"})

    assert "step.photo" not in plan and len(plan) == 6


def test_an_anonymous_suggestion_asks_no_consent_and_offers_no_share_box() -> None:
    flow = FLOWS["suggestion"]

    assert not needs_consent(flow, ComplaintForm(description="x"))
    assert "step.consent" not in steps(flow, ComplaintForm())
    assert flow.consent is ConsentRule.NEVER and not flow.share_box


@pytest.mark.parametrize(
    ("form", "asked"),
    [
        (ProposalForm(title="버스"), False),
        (ProposalForm(title="버스", phone="010-1234-5678"), True),
        (ProposalForm(title="버스", name="  "), False),  # blanks are nothing given
        (ProposalForm(title="버스", email="a@b.kr"), True),
    ],
)
def test_a_proposal_asks_consent_only_with_contact_details(form: ProposalForm, asked: bool) -> None:
    flow = FLOWS["proposal"]

    assert needs_consent(flow, form) is asked
    assert ("step.consent" in steps(flow, form)) is asked


def test_a_sign_up_starts_with_the_event_and_always_asks_consent() -> None:
    flow = FLOWS["signup"]

    assert steps(flow, SignupForm()) == ("step.event", "step.you", "step.consent", "step.review")
    assert needs_consent(flow, SignupForm()) and not flow.share_box


def test_only_the_formal_complaint_and_the_proposal_offer_the_share_box() -> None:
    assert {kind for kind, flow in FLOWS.items() if flow.share_box} == {"complaint", "proposal"}


def test_each_flow_checks_its_pages_with_the_domain_rules() -> None:
    errors = FLOWS["complaint"].page_errors(ComplaintForm(phone="12"))

    assert {e.field for e in errors} >= {"category", "description", "phone"}
    assert not [e for e in errors if e.field == "consent"]  # consent is its own step


@pytest.mark.parametrize(
    ("typed", "photo", "asks"),
    [
        ([], False, False),
        (["김민수"], False, False),
        (["김민수", "010-1234-5678"], False, False),
        (["보도블록이 깨져 있어요", "망원동 412"], False, True),
        (["", ""], True, True),  # a photo is more than a few words
    ],
)
def test_start_over_asks_first_only_when_more_than_a_few_words_would_be_lost(
    typed: list[str], photo: bool, asks: bool
) -> None:
    assert asks_before_discarding(typed, photo=photo) is asks
