"""Signed cookies, CSRF comparison and redirect targets of the staff pages."""

from __future__ import annotations

import pytest

from server.web.sessions import csrf_matches, sign, unsign
from server.web.site import safe_next

SECRET = b"k" * 32


def test_a_signed_value_comes_back_only_unchanged_and_for_its_purpose() -> None:
    signed = sign(SECRET, "session", "token123")

    assert unsign(SECRET, "session", signed) == "token123"
    assert unsign(SECRET, "login", signed) is None
    assert unsign(b"x" * 32, "session", signed) is None
    assert unsign(SECRET, "session", "token124" + signed[8:]) is None
    assert unsign(SECRET, "session", signed[:-1]) is None
    assert unsign(SECRET, "session", None) is None
    assert unsign(SECRET, "session", "no-dot-at-all") is None


def test_csrf_tokens_must_be_given_and_equal() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches("abc", "")
    assert not csrf_matches("abc", None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/staff/submissions?kind=complaint", "/staff/submissions?kind=complaint"),
        ("https://evil.example/", "/staff"),
        ("//evil.example/", "/staff"),
        ("/\\evil.example", "/staff"),
        ("staff", "/staff"),
        (None, "/staff"),
        ("/staff\r\nSet-Cookie: x=1", "/staff"),
    ],
)
def test_redirects_stay_on_this_site(given: object, expected: str) -> None:
    assert safe_next(given) == expected
