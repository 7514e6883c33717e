"""Who must, may or must not give contact details: one rule for the kiosk and the server.

- A formal complaint (민원) needs a name, and a phone number or an e-mail
  address, so the city can answer it.
- An anonymous suggestion carries no name, phone or e-mail, and no photo
  either: a photo may show people, and a suggestion asks no consent.
- A policy proposal may carry any of them or none (consent is asked only when
  some is given; that is the kiosk's consent step, not this rule).

The kiosk checks it while the citizen types; the server checks it again on
every pushed mutation, because a payload is hostile until checked. Only
presence is judged here; whether a phone number or an e-mail address is well
formed is ``core.validation``'s.
"""

from __future__ import annotations

from core.kinds import SubmissionKind
from core.validation import FieldError


def contact_errors(
    kind: SubmissionKind, *, name: str, phone: str, email: str, photo: bool = False
) -> list[FieldError]:
    """The contact details ``kind`` may not go without or may not carry, as field errors."""
    given = {"name": name.strip(), "phone": phone.strip(), "email": email.strip()}
    if kind is SubmissionKind.COMPLAINT:
        errors = []
        if not given["name"]:
            errors.append(FieldError("name", "field.required"))
        if not (given["phone"] or given["email"]):
            errors.append(FieldError("phone", "contact.required"))
        return errors
    if kind is SubmissionKind.SUGGESTION:
        errors = [FieldError(f, "contact.not_allowed") for f, value in given.items() if value]
        if photo:
            errors.append(FieldError("photo", "photo.not_allowed"))
        return errors
    return []
