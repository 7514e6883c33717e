"""``civic-kiosk``: the kiosk program and its operator commands.

This is the composition root: it reads settings, opens the store and then
hands over to the touch UI (``run``, ``demo``) or to a headless command for
operators and scripts (``enroll``, ``sync``, ``status``, ``submit``,
``sign-up``, ``check-in``, ``attention``, ``retry``). Qt is imported only by the commands
that show a window.

Exit codes: 0 done, 1 the command could not do what was asked (the reason is
printed; for ``check-in``, any verdict but an admission), 2 bad configuration
or usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.start import started
from core.pipes import quiet_when_the_reader_leaves
from kiosk.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from kiosk.checkin import Ambiguous, Verdict
    from kiosk.signups import SignupForm
    from kiosk.store import Store
    from kiosk.submissions import ComplaintForm, Consent, ProposalForm, Receipt
    from sync.engine import SyncEngine
    from sync.status import SyncControl
    from sync.worker import SyncWorker

Command = Callable[[argparse.Namespace, Settings], int]
FormT = TypeVar("FormT", "ComplaintForm", "ProposalForm", "SignupForm")


class InputError(Exception):
    """A JSON input file the command cannot use; the message says why."""


def _open(settings: Settings) -> Store:
    # Each command imports what it uses: `civic-kiosk run` paints its home screen while
    # the store (SQLAlchemy) opens on a thread (app/opening.py); the operator commands
    # never import the check-in desk's or the submission services' modules they do not use.
    from kiosk.store import open_store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_store(settings.database_url_resolved)


def make_engine(store: Store, settings: Settings) -> SyncEngine:
    # Imported here, as in cmd_run: the kiosk's window starts without the sync engine.
    from sync.engine import EngineSettings, SyncEngine

    return SyncEngine(store, settings=EngineSettings.from_settings(settings))


# --- windows -----------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from app.launch import run_kiosk
    from app.opening import StoreOpening
    from printing.health import PrinterHealth

    # Opened while the home screen is painted (app/opening.py).
    opening = StoreOpening(lambda: _open(settings))
    # One printer state for the window's print worker and the sync rounds that report it.
    health = PrinterHealth()
    workers: list[SyncWorker] = []

    def start() -> SyncControl:
        # Called once the home screen is painted: the engine, its HTTP client and
        # its first round are nothing a citizen waits for at start-up.
        started()
        from sync.worker import start_sync

        workers.append(start_sync(opening.result(), settings, printer_state=health.report))
        return workers[-1]

    try:
        return run_kiosk(
            settings, opening, start_sync=start, config_path=args.config, printer_health=health
        )
    finally:
        for worker in workers:
            worker.stop(timeout=2.0)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.demo import DemoError, run_demo

    try:
        return run_demo(settings, Path(args.data_dir) if args.data_dir else None)
    except DemoError as exc:
        print(f"civic-kiosk demo: {exc}", file=sys.stderr)
        return 1


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.demo import seed_demo_reference

    store = _open(settings)
    with store.write() as session:
        seed_demo_reference(session, dt.datetime.now(dt.UTC))
    print(f"demo categories and events written to {settings.database_url_resolved}")
    return 0


# --- enrolment and sync ------------------------------------------------------------


def cmd_enroll(args: argparse.Namespace, settings: Settings) -> int:
    from sync.enrolment import EnrolmentFailed, enroll

    store = _open(settings)
    server = args.server or settings.server_url
    if not server:
        print("civic-kiosk: enroll needs --server (or server_url in the settings)", file=sys.stderr)
        return 2
    try:
        done = enroll(store, server, args.code, name=args.name)
    except EnrolmentFailed as exc:
        print(f"civic-kiosk: enrolment refused: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "device_id": done.device_id,
                "office": done.office,
                "server": done.server_url,
                "signing_key_id": done.signing_key_id,
            },
            ensure_ascii=False,
        )
    )
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    engine = make_engine(store, settings)
    if not args.once:
        return _sync_forever(engine)
    try:
        result = engine.run_once(force=True)
    finally:
        engine.close()
    status = result.status
    summary = (
        f"delivered {result.delivered}, rejected {result.rejected}, "
        f"pulled {result.pulled_pages} page(s); pending {status.pending}, "
        f"needs attention {status.needs_attention}"
    )
    from sync.engine import RoundOutcome

    if result.outcome is RoundOutcome.OK and status.pending == 0:
        print(f"sync ok: {summary}")
        return 0
    why = status.detail or str(result.outcome)
    if result.outcome is RoundOutcome.OK:
        why = "new records were queued during the round"
    print(f"civic-kiosk: sync incomplete ({status.state}: {why}); {summary}", file=sys.stderr)
    return 1


def _sync_forever(engine: SyncEngine) -> int:
    """Headless background sync until SIGINT/SIGTERM (a kiosk without a window)."""
    from sync.worker import SyncWorker

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker = SyncWorker(engine).start()
    try:
        stop.wait()
    finally:
        worker.stop(timeout=2.0)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.sync_state import snapshot
    from sync.status import SKEW_WARNING_S

    store = _open(settings)
    with store.read() as session:
        snap = snapshot(session)
    report: dict[str, Any] = {
        "enrolled": snap.enrolled,
        "device_id": snap.device_id,
        "server": snap.server_url,
        "office": snap.office,
        "revoked": snap.revoked,
        "state": snap.state or ("not_enrolled" if not snap.enrolled else "never_synced"),
        "pending": snap.pending,
        "needs_attention": snap.needs_attention,
        "last_sync": _iso(snap.last_success_at),
        "last_attempt": _iso(snap.last_attempt_at),
        "last_error": snap.last_error,
        "clock_skew_s": round(snap.clock_offset_s, 3),
        "clock_skew_warning": abs(snap.clock_offset_s) > SKEW_WARNING_S,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0


def cmd_attention(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.outbox import needs_attention

    store = _open(settings)
    with store.read() as session:
        items = needs_attention(session)
    rows = [
        {
            "id": item.id,
            "type": item.type,
            "receipt_code": item.receipt_code,
            "code": item.code,
            "message": item.message,
            "created_at": _iso(item.created_at),
        }
        for item in items
    ]
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def cmd_retry(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.outbox import needs_attention, retry_rejected

    store = _open(settings)
    ids = list(args.ids)
    if args.all:
        with store.read() as session:
            ids = [item.id for item in needs_attention(session)]
    moved = retry_rejected(store, ids)
    print(f"{moved} record(s) queued again")
    return 0


# --- citizen records from a script ------------------------------------------------


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.submissions import (
        ComplaintForm,
        ProposalForm,
        check_complaint,
        check_proposal,
        check_suggestion,
        store_complaint,
        store_proposal,
        store_suggestion,
    )

    store = _open(settings)

    def submit(data: dict[str, Any]) -> Receipt:
        consent = _consent(data.pop("consent", None))
        if args.kind == "proposal":
            return store_proposal(store, check_proposal(_form(ProposalForm, data), consent))
        form = _form(ComplaintForm, data)
        if args.kind == "suggestion":
            return store_suggestion(store, check_suggestion(form, consent))
        return store_complaint(store, check_complaint(form, consent))

    return _record(args.json, submit)


def cmd_sign_up(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.signups import SignupForm, check_sign_up, store_sign_up

    store = _open(settings)

    def submit(data: dict[str, Any]) -> Receipt:
        consent = _consent(data.pop("consent", None))
        accept_waitlist = data.pop("accept_waitlist", False)
        if not isinstance(accept_waitlist, bool):
            raise InputError("accept_waitlist must be true or false")
        checked = check_sign_up(_form(SignupForm, data), consent)
        return store_sign_up(store, args.event, checked, accept_waitlist=accept_waitlist)

    return _record(args.json, submit)


def _record(source: str, submit: Callable[[dict[str, Any]], Receipt]) -> int:
    from core.validation import ValidationFailed
    from kiosk.identity import NotEnrolled

    try:
        receipt = submit(_read_json_object(source))
    except InputError as exc:
        print(f"civic-kiosk: {exc}", file=sys.stderr)
        return 1
    except ValidationFailed as exc:
        for error in exc.errors:
            print(f"invalid: {error.field}: {error.key}", file=sys.stderr)
        return 1
    except NotEnrolled:
        print("civic-kiosk: this kiosk is not enrolled (run civic-kiosk enroll)", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "id": receipt.id,
                "receipt_code": receipt.code,
                "kind": receipt.kind,
                "status": receipt.status,
                "created_at": _iso(receipt.created_at),
                "ticket": receipt.ticket,
                "manual_code": receipt.manual_code,
            },
            ensure_ascii=False,
        )
    )
    return 0


# A form is a few kilobytes (a photo is taken by the camera, never from a file).
MAX_FORM_BYTES = 1024 * 1024


def _read_json_object(source: str) -> dict[str, Any]:
    """The form file as one JSON object, or InputError with one line saying what is wrong."""
    from core.jsontext import JsonRefused, load_json

    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_FORM_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                raw = handle.read(MAX_FORM_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}") from exc
    if len(raw) > MAX_FORM_BYTES:
        raise InputError(f"{source} is larger than {MAX_FORM_BYTES} bytes")
    try:
        # Depth, encoding and lone surrogates are checked before anything walks it.
        data = load_json(raw)
    except JsonRefused as exc:
        raise InputError(f"{source} is refused: {exc.message}") from None
    if not isinstance(data, dict):
        raise InputError(f"{source} must hold one JSON object")
    return data


def _form(form_type: type[FormT], data: Mapping[str, Any]) -> FormT:
    names = {f.name for f in fields(form_type)}
    unknown = sorted(set(data) - names)
    if unknown:
        known = ", ".join(sorted(names))
        raise InputError(f"unknown field(s): {', '.join(unknown)}; known: {known}")
    wrong = sorted(k for k, v in data.items() if not isinstance(v, str))
    if wrong:
        raise InputError(f"field(s) must be text: {', '.join(wrong)}")
    return form_type(**data)


def _consent(value: object) -> Consent:
    from kiosk.submissions import Consent

    if value is None:
        return Consent()
    if not isinstance(value, dict):
        raise InputError("consent must be an object: {version, required, share_contact}")
    unknown = sorted(set(value) - {"version", "required", "share_contact"})
    if unknown:
        raise InputError(f"unknown consent field(s): {', '.join(unknown)}")
    version = value.get("version", "")
    required = value.get("required", False)
    share = value.get("share_contact", False)
    if not (isinstance(version, str) and isinstance(required, bool) and isinstance(share, bool)):
        raise InputError("consent: version is text, required and share_contact are true/false")
    return Consent(version=version, required=required, share_contact=share)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- check-in at the door ---------------------------------------------------------


def cmd_check_in(args: argparse.Namespace, settings: Settings) -> int:
    """The check-in screen's pipeline, headless: exit 0 only for an admitted ticket."""
    from kiosk.admissions import record_admission
    from kiosk.attendance import checkin_events
    from kiosk.checkin import Verdict, VerdictKind
    from kiosk.identity import NotEnrolled

    store = _open(settings)
    now = dt.datetime.now(dt.UTC)
    event_id = args.event
    if event_id is None:
        today = [e for e in checkin_events(store, now) if e.today]
        if len(today) != 1:
            listed = ", ".join(f"{e.id} ({e.title_en})" for e in today) or "none"
            print(f"civic-kiosk: check-in needs --event: events today: {listed}", file=sys.stderr)
            return 2
        event_id = today[0].id
    try:
        verdict = record_admission(store, event_id, args.code, now)
    except LookupError:
        print(f"civic-kiosk: event {event_id} is not on this kiosk (sync first?)", file=sys.stderr)
        return 1
    except NotEnrolled:
        print("civic-kiosk: this kiosk is not enrolled (run civic-kiosk enroll)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_verdict_json(verdict), ensure_ascii=False))
    else:
        print(_verdict_line(verdict))
    admitted = isinstance(verdict, Verdict) and verdict.kind is VerdictKind.ADMIT
    return 0 if admitted else 1


def _verdict_json(verdict: Verdict | Ambiguous) -> dict[str, Any]:
    from kiosk.checkin import Ambiguous

    if isinstance(verdict, Ambiguous):
        # Several tickets share the typed code: staff choose by masked name.
        return {"kind": "ambiguous", "candidates": [_verdict_json(c) for c in verdict.candidates]}
    previous = verdict.previous
    ticket = verdict.identity
    return {
        "kind": str(verdict.kind),
        "reason": str(verdict.reason) if verdict.reason else None,
        "message_key": verdict.message_key,
        "masked_name": verdict.masked_name,
        "ticket_type": verdict.ticket_type_key.removeprefix("ticket.type.") or None,
        "ticket": ticket._asdict() if ticket else None,
        "previous": {
            "at": _iso(previous.at),
            "device": previous.device,
            "this_kiosk": previous.this_kiosk,
        }
        if previous
        else None,
        "checkin_id": verdict.checkin_id,
    }


def _verdict_line(verdict: Verdict | Ambiguous) -> str:
    from kiosk.checkin import Ambiguous, VerdictKind

    if isinstance(verdict, Ambiguous):
        names = ", ".join(c.masked_name or "?" for c in verdict.candidates)
        return f"ambiguous: the code matches {len(verdict.candidates)} tickets ({names})"
    if verdict.kind is VerdictKind.INVALID:
        return f"invalid: {verdict.reason}"
    line = f"{verdict.kind}: {verdict.masked_name or '-'}"
    if verdict.previous is not None:
        where = "this kiosk" if verdict.previous.this_kiosk else verdict.previous.device
        line += f" (first admitted {_iso(verdict.previous.at)} at {where or 'this kiosk'})"
    return line


# --- the voice and the keypad -----------------------------------------------------


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from app.voice_check import say

    return say(settings, args.text, args.language, args.wav, sys.stdout)


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from app.voice_check import keys

    return keys(settings)


# --- staff PIN ---------------------------------------------------------------------


def cmd_set_pin(args: argparse.Namespace, settings: Settings) -> int:
    """Set the staff PIN: typed twice at a terminal (not echoed), or one line on stdin."""
    import getpass

    from kiosk.staff import InvalidPin, set_pin

    store = _open(settings)
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("new staff PIN (6-12 digits): ")
        if getpass.getpass("the same PIN again: ") != pin:
            print("civic-kiosk: the two PINs differ; nothing changed", file=sys.stderr)
            return 1
    try:
        set_pin(store, pin)
    except InvalidPin as exc:
        print(f"civic-kiosk: {exc}; nothing changed", file=sys.stderr)
        return 1
    print("staff PIN set")
    return 0


# --- parser --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civic-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="settings file (TOML)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log sync progress")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="offscreen check of store, migrations, home screen and ticket verification",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the kiosk (the default)").set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="kiosk with a demo central server on localhost")
    demo.add_argument("--data-dir", help="keep demo data here instead of a fresh temp dir")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("demo-data", help="seed demo categories and events").set_defaults(
        func=cmd_demo_data
    )

    enrol = sub.add_parser("enroll", help="enrol this kiosk with a central server")
    enrol.add_argument("--server", help="central server URL (default: server_url setting)")
    enrol.add_argument("--code", required=True, help="one-time enrolment code from staff")
    enrol.add_argument("--name", help="this kiosk's name on the server (default: host name)")
    enrol.set_defaults(func=cmd_enroll)

    sync = sub.add_parser("sync", help="deliver queued records and pull reference data")
    sync.add_argument(
        "--once", action="store_true", help="one round; exit 0 when the queue is empty"
    )
    sync.set_defaults(func=cmd_sync)

    status = sub.add_parser("status", help="enrolment and sync state, from the local store")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    sub.add_parser("attention", help="records the server refused (JSON)").set_defaults(
        func=cmd_attention
    )
    retry = sub.add_parser("retry", help="queue refused records again, same ids")
    retry.add_argument("ids", nargs="*", help="record ids (see attention)")
    retry.add_argument("--all", action="store_true", help="every refused record")
    retry.set_defaults(func=cmd_retry)

    submit = sub.add_parser("submit", help="file a complaint, suggestion or proposal")
    submit.add_argument("kind", choices=["complaint", "suggestion", "proposal"])
    submit.add_argument("--json", required=True, metavar="FILE", help="form as JSON ('-': stdin)")
    submit.set_defaults(func=cmd_submit)

    signup = sub.add_parser("sign-up", help="sign a citizen up for an event")
    signup.add_argument("event", type=int, help="event id")
    signup.add_argument("--json", required=True, metavar="FILE", help="form as JSON ('-': stdin)")
    signup.set_defaults(func=cmd_sign_up)

    checkin = sub.add_parser(
        "check-in", help="check a ticket in: exit 0 only when it is admitted (and recorded)"
    )
    checkin.add_argument("code", help="the scanned ticket (CK1...) or its printed manual code")
    checkin.add_argument(
        "--event", type=int, help="event id (default: the one event happening today)"
    )
    checkin.add_argument("--json", action="store_true", help="print the verdict as JSON")
    checkin.set_defaults(func=cmd_check_in)

    voice = sub.add_parser("say", help="speak a sentence with the kiosk's voice (a check)")
    voice.add_argument("text", help="what to say")
    voice.add_argument("--language", choices=["ko", "en"], default="ko")
    voice.add_argument("--wav", type=Path, help="also write the synthesised speech here")
    voice.set_defaults(func=cmd_say)
    sub.add_parser(
        "keys", help="print each key's name and meaning, and the earphone jack (a check)"
    ).set_defaults(func=cmd_keys)

    pin = sub.add_parser("set-pin", help="set the staff PIN (staff mode on the touch screen)")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from stdin, one line")
    pin.set_defaults(func=cmd_set_pin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return quiet_when_the_reader_leaves(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        started()
        # Before reading settings: a broken kiosk.toml must not fail a new release's check.
        from app.selftest import run_self_test

        return run_self_test()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"civic-kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    func: Command = getattr(args, "func", cmd_run)
    if func is not cmd_run:
        started()  # cmd_run: after the home screen's first paint
    return func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
