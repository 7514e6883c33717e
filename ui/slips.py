"""What each printed slip says, in the citizen's language, from the texts the screen uses.

Built on the GUI thread right after the receipt is shown (strings only, no
drawing): the title, the "what happens next" sentence and the event's date
come from the same functions as the receipt screen (``ui.screens.receipt``,
``ui.screens.signup``), and the QR from ``core.links``, so paper and screen
never disagree. ``printing.raster`` draws the result; nothing here is sent
anywhere.
"""

from __future__ import annotations

import datetime as dt

from core.clock import SEOUL
from core.links import receipt_qr, status_page_url
from core.receipts import format_code
from kiosk.slips import SlipEvent, SlipFacts
from printing.slip import Align, Gap, Line, Qr, Rule, Size, Slip
from ui.i18n import language, tr
from ui.screens.receipt import next_steps_key, title_key
from ui.screens.signup import event_when


def slip_when(moment: dt.datetime) -> str:
    """A date and time in Seoul with the year: 2026년 11월 30일 14:03."""
    local = moment.astimezone(SEOUL)
    return tr(
        "slip.when",
        year=local.year,
        month=local.month,
        month_name=tr(f"month.{local.month}"),
        day=local.day,
        time=local.strftime("%H:%M"),
    )


def _header(office: str) -> tuple[Line | Rule, ...]:
    title = office or tr("app.title")
    return (Line(title, Size.HEADING, bold=True, align=Align.CENTER), Rule())


def _event_lines(event: SlipEvent | None) -> tuple[Line, ...]:
    if event is None:
        return ()
    korean = language() == "ko"
    title = event.title_ko if korean else event.title_en
    place = event.place_ko if korean else event.place_en
    lines = [Line(title, Size.HEADING, bold=True), Line(event_when(event.starts_at))]
    if place:
        lines.append(Line(place))
    return tuple(lines)


def receipt_slip(facts: SlipFacts, *, office: str, server_url: str) -> Slip:
    """A complaint, suggestion or proposal receipt, a waiting-list receipt, or an event ticket."""
    if facts.kind == "signup" and facts.ticket:
        return _ticket_slip(facts, office=office, server_url=server_url)
    receipt = facts.receipt
    url = status_page_url(server_url, facts.code)
    kind = Line(tr(f"flow.{facts.kind}"), Size.BODY, bold=True)
    blocks = (
        *_header(office),
        kind,
        Line(tr(title_key(receipt)), Size.HEADING, bold=True),
        *_event_lines(facts.event),
        Gap(),
        Line(tr("receipt.code"), Size.SMALL, align=Align.CENTER),
        Line(format_code(facts.code), Size.CODE, bold=True, align=Align.CENTER, wrap=False),
        Line(
            tr("slip.received_at", when=slip_when(facts.created_at)), Size.SMALL, align=Align.CENTER
        ),
        Gap(),
        Qr(receipt_qr(receipt.ticket, facts.code, server_url)),
        Line(tr("slip.status_page"), Size.SMALL, align=Align.CENTER),
        Line(url, Size.SMALL, align=Align.CENTER),
        Rule(),
        Line(tr(next_steps_key(receipt)), Size.BODY),
    )
    return Slip("waitlist" if facts.kind == "signup" else "receipt", blocks)


def _ticket_slip(facts: SlipFacts, *, office: str, server_url: str) -> Slip:
    """The admission code stands out; the receipt code and status address come after it."""
    receipt = facts.receipt
    blocks: list[Line | Rule | Gap | Qr] = [
        *_header(office),
        Line(tr("slip.ticket.title"), Size.BODY, bold=True, align=Align.CENTER),
        *_event_lines(facts.event),
    ]
    if facts.masked_name:
        blocks.append(Line(tr("slip.ticket.name", name=facts.masked_name)))
    blocks += [
        Gap(),
        Qr(receipt_qr(facts.ticket, facts.code, server_url), error_correction="Q"),
        Line(tr("receipt.manual"), Size.SMALL, align=Align.CENTER),
        Line(format_code(facts.manual_code), Size.CODE, bold=True, align=Align.CENTER, wrap=False),
        Gap(),
        Line(tr(next_steps_key(receipt)), Size.BODY),
        Rule(),
        Line(tr("slip.receipt_code", code=format_code(facts.code)), Size.SMALL),
        Line(tr("slip.received_at", when=slip_when(facts.created_at)), Size.SMALL),
        Line(status_page_url(server_url, facts.code), Size.SMALL),
    ]
    return Slip("ticket", tuple(blocks))


def admission_slip(
    event: SlipEvent | None, masked_name: str, admitted_at: dt.datetime, *, office: str
) -> Slip:
    """The check-in desk's optional slip: who came in, to what, when (no code: it admits no one)."""
    blocks: list[Line | Rule | Gap | Qr] = [
        *_header(office),
        Line(tr("slip.admission.title"), Size.CODE, bold=True, align=Align.CENTER, wrap=False),
        *_event_lines(event),
    ]
    if masked_name:
        blocks.append(Line(tr("slip.ticket.name", name=masked_name)))
    local = admitted_at.astimezone(SEOUL)
    blocks.append(Line(tr("slip.admission.at", time=local.strftime("%H:%M")), Size.BODY, bold=True))
    return Slip("admission", tuple(blocks))


def printer_test_slip(*, office: str, printer: str, width_mm: int, now: dt.datetime) -> Slip:
    """Staff's test page: the Hangul font, the paper's full width, a QR, the cutter."""
    return Slip(
        "test",
        (
            *_header(office),
            Line(tr("slip.test.title"), Size.HEADING, bold=True, align=Align.CENTER),
            Line(tr("slip.test.sample")),
            Line(tr("slip.test.printer", printer=printer, width=width_mm), Size.SMALL),
            Line(slip_when(now), Size.SMALL),
            Rule(),
            Qr("CIVIC-KIOSK-PRINTER-TEST"),
            Rule(),
        ),
    )
