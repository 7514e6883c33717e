"""``civic-kiosk-server``: run the central server and manage it from a shell.

Every command takes ``--db URL`` (else ``CIVIC_SERVER_DATABASE_URL``, else an
SQLite file in the data directory). Errors go to stderr with exit status 1;
bad usage exits with 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import os
import signal
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sqlalchemy.exc import DBAPIError

from core.clock import SEOUL, in_seoul
from core.pipes import quiet_when_the_reader_leaves
from server import accounts, catalogue, destinations, devices, export, forwarder, notifier
from server.config import ConfigError, ServerSettings, load_settings
from server.db import Database, DatabaseUrlError, open_database
from server.enrolment import DEFAULT_CODE_TTL, create_enrollment_code
from server.models import StaffRole
from server.texts import translate

_T = TypeVar("_T")


class CliError(Exception):
    """Shown to the operator as ``error: <message>``; exit status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    return quiet_when_the_reader_leaves(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings().with_overrides(database_url=getattr(args, "db", None))
        command: Callable[[argparse.Namespace, ServerSettings], int] = args.run
        return command(args, settings)
    except catalogue.CatalogueError as exc:
        # Translated here, at the edge; the operator's terminal gets the English text.
        print(f"error: {translate('en', exc.problem, **exc.values)}", file=sys.stderr)
        return 1
    except (
        CliError,
        ConfigError,
        DatabaseUrlError,
        accounts.AccountError,
        destinations.DestinationError,
        ValueError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(f"error: the database failed: {type(exc.orig).__name__}: {exc.orig}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="URL", help="database URL (postgresql://… or sqlite:///…)")
    parser = argparse.ArgumentParser(
        prog="civic-kiosk-server", description="Civic Kiosk central server."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[db], help="run the HTTP server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080; 0 = any)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--demo", action="store_true", help="load demo categories and events into an empty database"
    )
    serve.add_argument(
        "--forward",
        action="store_true",
        help="also run the Open311 forwarder in this process (see `forward run`)",
    )
    serve.add_argument(
        "--notify",
        action="store_true",
        help="also send messages to citizens in this process (see `notify run`)",
    )
    serve.set_defaults(run=_serve)

    code = commands.add_parser(
        "enrollment-code", parents=[db], help="make a one-time enrolment code for a kiosk"
    )
    code.add_argument("--office", required=True, help="the field office the kiosk will serve")
    code.add_argument(
        "--ttl-hours",
        type=float,
        default=DEFAULT_CODE_TTL.total_seconds() / 3600,
        help="hours the code stays valid (default 24)",
    )
    code.set_defaults(run=_enrollment_code)

    listing = commands.add_parser("devices", parents=[db], help="list enrolled kiosks")
    listing.set_defaults(run=_devices)

    revoke = commands.add_parser("revoke", parents=[db], help="revoke a kiosk and its signing key")
    revoke.add_argument("device_id", metavar="DEVICE_ID")
    revoke.set_defaults(run=_revoke)

    _event_parsers(commands, db)
    _category_parsers(commands, db)
    _user_parsers(commands, db)
    _forward_parsers(commands, db)
    notify = commands.add_parser("notify", help="send messages to citizens")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    notify_run = notify_sub.add_parser("run", parents=[db], help="run the notifier")
    notify_run.add_argument("--once", action="store_true", help="one round, then exit")
    notify_run.set_defaults(run=_notify_run)

    out = commands.add_parser(
        "export", parents=[db], help="write stored submissions, sign-ups and check-ins"
    )
    out.add_argument(
        "--kind", action="append", choices=export.KINDS, help="repeatable; default: all"
    )
    out.add_argument("--since", type=_when, help="received at or after (ISO 8601; default KST)")
    out.add_argument("--format", choices=export.FORMATS, default="jsonl")
    out.add_argument("--output", "-o", type=Path, help="file to write (default stdout)")
    out.set_defaults(run=_export)

    compact = commands.add_parser(
        "compact-log", parents=[db], help="drop old change-log entries (old cursors then reset)"
    )
    compact.add_argument("--older-than-days", type=int, required=True)
    compact.set_defaults(run=_compact)

    purge = commands.add_parser(
        "purge-photos", parents=[db], help="delete the photos of cases closed long enough ago"
    )
    purge.add_argument(
        "--closed-days",
        type=int,
        required=True,
        help="keep photos of cases closed within this many days",
    )
    purge.set_defaults(run=_purge_photos)

    migrate = commands.add_parser("migrate", parents=[db], help="bring the schema up to date")
    migrate.set_defaults(run=_migrate)
    return parser


def _event_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser
) -> None:
    event = commands.add_parser("event", help="manage events")
    sub = event.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", parents=[db], help="add an event")
    add.add_argument("--title-ko", required=True)
    add.add_argument("--title-en", required=True)
    add.add_argument("--starts", required=True, type=_when, help="ISO 8601; without zone: KST")
    add.add_argument("--ends", type=_when)
    add.add_argument("--capacity", required=True, type=int)
    add.add_argument(
        "--offline-block", type=int, default=0, help="places each kiosk may confirm offline"
    )
    add.add_argument("--place-ko", default="")
    add.add_argument("--place-en", default="")
    add.add_argument("--office", default="", help="office whose kiosks check it in (default all)")
    add.set_defaults(run=_event_add)
    sub.add_parser("list", parents=[db], help="list events").set_defaults(run=_event_list)
    cancel = sub.add_parser("cancel", parents=[db], help="cancel an event")
    cancel.add_argument("event_id", type=int)
    cancel.set_defaults(run=_event_cancel)
    remove = sub.add_parser("remove", parents=[db], help="delete an event nobody signed up for")
    remove.add_argument("event_id", type=int)
    remove.set_defaults(run=_event_remove)
    block = sub.add_parser("block", parents=[db], help="set one kiosk's offline block")
    block.add_argument("event_id", type=int)
    block.add_argument("device_id")
    block.add_argument("places", type=int)
    block.set_defaults(run=_event_block)


def _category_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser
) -> None:
    category = commands.add_parser("category", help="manage complaint categories")
    sub = category.add_subparsers(dest="category_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", parents=[db], help="add a category")
    add.add_argument("--code", required=True)
    add.add_argument("--name-ko", required=True)
    add.add_argument("--name-en", required=True)
    add.add_argument("--icon", default="")
    add.add_argument("--sort-order", type=int, default=0)
    add.set_defaults(run=_category_add)
    sub.add_parser("list", parents=[db], help="list categories").set_defaults(run=_category_list)
    remove = sub.add_parser("remove", parents=[db], help="delete a category")
    remove.add_argument("code")
    remove.set_defaults(run=_category_remove)
    public = sub.add_parser(
        "public-fields",
        parents=[db],
        help="what Open311 shows of this category's complaints (address, dong, district)",
    )
    public.add_argument("code")
    public.add_argument("fields", nargs="*", help="none: only category, status and times")
    public.set_defaults(run=_category_public_fields)


def _user_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser
) -> None:
    user = commands.add_parser("user", help="manage staff accounts for the web pages")
    sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", parents=[db], help="add a staff account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[str(r) for r in StaffRole])
    add.add_argument("--display-name", default="")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (else it is asked for)",
    )
    add.set_defaults(run=_user_add)
    passwd = sub.add_parser("passwd", parents=[db], help="set a new password (logs out)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(run=_user_passwd)
    sub.add_parser("list", parents=[db], help="list staff accounts").set_defaults(run=_user_list)
    for action, text in (
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable a disabled account"),
        ("unlock", "lift a lockout after failed log-ins"),
    ):
        cmd = sub.add_parser(action, parents=[db], help=text)
        cmd.add_argument("username")
        cmd.set_defaults(run=_user_change, action=action)


def _forward_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser
) -> None:
    forward = commands.add_parser("forward", help="forward complaints to Open311 endpoints")
    sub = forward.add_subparsers(dest="forward_command", required=True, metavar="ACTION")
    dest = sub.add_parser("destination", parents=[db], help="add or change a destination")
    dest.add_argument("name")
    dest.add_argument(
        "--endpoint", required=True, help="GeoReport v2 base URL (…/requests.json is appended)"
    )
    dest.add_argument("--api-key", default="", help="or CIVIC_FORWARD_API_KEY")
    dest.add_argument("--jurisdiction-id", default="")
    dest.add_argument("--inactive", action="store_true", help="stop sending to it")
    dest.set_defaults(run=_forward_destination)
    route = sub.add_parser("route", parents=[db], help="send a category to a destination")
    route.add_argument("--category", required=True)
    route.add_argument("--destination", required=True)
    route.add_argument("--service-code", required=True)
    route.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="CODE=SOURCE",
        help="attribute[CODE] from one of receipt_code, category, district, dong, office, "
        "created_at, kind, or =TEXT for a fixed value (repeatable)",
    )
    route.set_defaults(run=_forward_route)
    unroute = sub.add_parser("unroute", parents=[db], help="stop sending a category")
    unroute.add_argument("--category", required=True)
    unroute.add_argument("--destination", required=True)
    unroute.set_defaults(run=_forward_unroute)
    sub.add_parser(
        "list", parents=[db], help="destinations, routes and delivery counts"
    ).set_defaults(run=_forward_list)
    run = sub.add_parser("run", parents=[db], help="run the forwarder")
    run.add_argument("--once", action="store_true", help="one round, then exit")
    run.add_argument("--interval", type=int, help="seconds between rounds (default 30)")
    run.set_defaults(run=_forward_run)


def _when(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date/time: {text!r} (e.g. 2026-12-03T14:00)"
        ) from None
    # Staff in Seoul type Seoul time.
    return value if value.tzinfo is not None else value.replace(tzinfo=SEOUL)


@contextmanager
def _open(settings: ServerSettings) -> Iterator[Database]:
    db = open_database(settings.database_url_resolved)
    try:
        yield db
    finally:
        db.close()


def _using(settings: ServerSettings, action: Callable[[Database], _T]) -> _T:
    with _open(settings) as db:
        return action(db)


def _kst(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    local = in_seoul(value)
    return local.strftime("%Y-%m-%d %H:%M KST") if local else value.isoformat(timespec="minutes")


def _table(rows: Sequence[Sequence[object]], headers: Sequence[str], out: TextIO) -> None:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        padded = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip(), file=out)


def _width(text: str) -> int:
    """Columns on a terminal: Hangul syllables take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- commands --------------------------------------------------------------------------


def uvicorn_options(settings: ServerSettings) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (tests start the same configuration).

    Proxy headers (X-Forwarded-For, -Proto) are believed only from the
    addresses in ``trusted_proxies``. uvicorn's own default believes them from
    127.0.0.1, so anything on the server's machine could pose as any address
    and walk past every per-address limit; with no proxy configured, none is
    believed and the client is the TCP peer.
    """
    trusted = settings.trusted_proxies.strip()
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or "",
        # httptools and uvloop (dependencies of the server) when they import,
        # else the pure-Python h11 parser and asyncio's loop: the pure-Python
        # parser cost about a tenth of each push on a 2-core machine.
        "http": "auto",
        "loop": "auto",
        # Kiosks keep their connection between pushes and pulls; uvicorn's 5 s
        # would close it between every round of a 60 s sync interval.
        "timeout_keep_alive": 75,
    }


def _serve(args: argparse.Namespace, settings: ServerSettings) -> int:
    import uvicorn

    from server.app import create_app, settle_heap
    from server.logs import configure_logging

    settings = settings.with_overrides(
        host=args.host, port=args.port, workers=args.workers, log_level=args.log_level
    )
    configure_logging(settings.log_level)
    common = uvicorn_options(settings)
    stop = threading.Event()
    with _open(settings) as db:
        if args.demo and catalogue.seed_demo(db):
            logging.getLogger("server.cli").info("loaded demo categories and events")
        if settings.workers == 1:
            if args.forward:
                _forward_in_background(db, settings, stop)
            if args.notify:
                _notify_in_background(db, settings, stop)
            try:
                app = create_app(db, settings=settings)
                settle_heap()
                uvicorn.Server(uvicorn.Config(app, **common)).run()
            finally:
                stop.set()
            return 0
    # Worker processes build their app from the environment (server.app.create_app_from_env).
    os.environ["CIVIC_SERVER_DATABASE_URL"] = settings.database_url_resolved
    os.environ["CIVIC_SERVER_LOG_LEVEL"] = settings.log_level
    os.environ["CIVIC_SERVER_COOKIE_SECURE"] = settings.cookie_secure
    # The forwarder runs once, in the supervising process, not in every worker.
    forward_db = open_database(settings.database_url_resolved) if args.forward else None
    if forward_db is not None:
        _forward_in_background(forward_db, settings, stop)
    notify_db = open_database(settings.database_url_resolved) if args.notify else None
    if notify_db is not None:
        _notify_in_background(notify_db, settings, stop)
    try:
        uvicorn.run(
            "server.app:create_app_from_env", factory=True, workers=settings.workers, **common
        )
    finally:
        stop.set()
    return 0


def _forward_in_background(db: Database, settings: ServerSettings, stop: threading.Event) -> None:
    threading.Thread(
        target=forwarder.run_forever,
        name="forwarder",
        daemon=True,
        args=(db, settings.forward_interval, stop),
    ).start()


def _notify_in_background(db: Database, settings: ServerSettings, stop: threading.Event) -> None:
    from server.promises import warn_unkept

    warn_unkept(settings)
    threading.Thread(
        target=notifier.run_forever, name="notifier", daemon=True, args=(db, settings, stop)
    ).start()


def _notify_run(args: argparse.Namespace, settings: ServerSettings) -> int:
    from server.logs import configure_logging

    configure_logging(settings.log_level)
    from server.promises import warn_unkept

    warn_unkept(settings)
    with _open(settings) as db:
        if args.once:
            print(f"notifier: {notifier.Notifier.configured(db, settings).run_once()}")
            return 0
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            notifier.run_forever(db, settings, stop)
        except KeyboardInterrupt:
            stop.set()
    return 0


def _enrollment_code(args: argparse.Namespace, settings: ServerSettings) -> int:
    if args.ttl_hours <= 0:
        raise CliError("--ttl-hours must be more than 0")
    ttl = dt.timedelta(hours=args.ttl_hours)
    code = _using(settings, lambda db: create_enrollment_code(db, args.office, ttl))
    expires = dt.datetime.now(dt.UTC) + ttl
    print(f"One-time enrolment code for {args.office.strip()}, valid until {_kst(expires)}:")
    print(code)
    return 0


def _devices(_args: argparse.Namespace, settings: ServerSettings) -> int:
    rows = [
        (
            d.id,
            d.name,
            d.office,
            d.signing_key_id,
            _kst(d.enrolled_at),
            _kst(d.last_push_at),
            "revoked " + _kst(d.revoked_at) if d.revoked_at else "active",
        )
        for d in _using(settings, devices.list_devices)
    ]
    if not rows:
        print("no devices enrolled")
        return 0
    headers = ("DEVICE", "NAME", "OFFICE", "KEY", "ENROLLED", "LAST PUSH", "STATE")
    _table(rows, headers, sys.stdout)
    return 0


def _revoke(args: argparse.Namespace, settings: ServerSettings) -> int:
    try:
        changed = _using(settings, lambda db: devices.revoke_device(db, args.device_id))
    except devices.UnknownDevice:
        raise CliError(f"no device {args.device_id!r} (see `civic-kiosk-server devices`)") from None
    print(f"revoked {args.device_id}" if changed else f"{args.device_id} was already revoked")
    return 0


def _event_add(args: argparse.Namespace, settings: ServerSettings) -> int:
    new = catalogue.NewEvent(
        title_ko=args.title_ko,
        title_en=args.title_en,
        starts_at=args.starts,
        ends_at=args.ends,
        capacity=args.capacity,
        offline_block=args.offline_block,
        place_ko=args.place_ko,
        place_en=args.place_en,
        office=args.office,
    )
    event_id = _using(settings, lambda db: catalogue.add_event(db, new))
    print(f"added event {event_id}")
    return 0


def _event_list(_args: argparse.Namespace, settings: ServerSettings) -> int:
    rows = [
        (
            e.id,
            _kst(e.starts_at),
            e.title_ko,
            e.title_en,
            e.capacity,
            e.offline_block,
            e.confirmed,
            e.waitlisted,
            e.office or "(all)",
            "cancelled" if e.cancelled else "",
        )
        for e in _using(settings, catalogue.list_events)
    ]
    if not rows:
        print("no events")
        return 0
    headers = (
        "ID",
        "STARTS",
        "TITLE (KO)",
        "TITLE (EN)",
        "CAPACITY",
        "BLOCK",
        "CONFIRMED",
        "WAITING",
        "OFFICE",
        "",
    )
    _table(rows, headers, sys.stdout)
    return 0


def _event_cancel(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(settings, lambda db: catalogue.cancel_event(db, args.event_id))
    print(f"cancelled event {args.event_id}")
    return 0


def _event_remove(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(settings, lambda db: catalogue.remove_event(db, args.event_id))
    print(f"removed event {args.event_id}")
    return 0


def _event_block(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(
        settings,
        lambda db: catalogue.set_device_block(db, args.event_id, args.device_id, args.places),
    )
    print(f"{args.device_id} may confirm {args.places} places offline for event {args.event_id}")
    return 0


def _category_add(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(
        settings,
        lambda db: catalogue.add_category(
            db, args.code, args.name_ko, args.name_en, args.icon, args.sort_order
        ),
    )
    print(f"added category {args.code}")
    return 0


def _category_list(_args: argparse.Namespace, settings: ServerSettings) -> int:
    rows = [
        (c.code, c.name_ko, c.name_en, c.icon, c.sort_order)
        for c in _using(settings, catalogue.list_categories)
    ]
    if not rows:
        print("no categories")
        return 0
    _table(rows, ("CODE", "NAME (KO)", "NAME (EN)", "ICON", "ORDER"), sys.stdout)
    return 0


def _category_public_fields(args: argparse.Namespace, settings: ServerSettings) -> int:
    fields = [f.strip() for value in args.fields for f in value.split(",") if f.strip()]
    _using(settings, lambda db: catalogue.set_public_fields(db, args.code, fields))
    print(f"Open311 shows of {args.code}: {', '.join(fields) or 'category, status and times only'}")
    return 0


def _category_remove(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(settings, lambda db: catalogue.remove_category(db, args.code))
    print(f"removed category {args.code}")
    return 0


def _export(args: argparse.Namespace, settings: ServerSettings) -> int:
    write = export.write_csv if args.format == "csv" else export.write_jsonl
    with _open(settings) as db:
        records = export.export_records(db, args.kind or export.KINDS, args.since)
        if args.output is None:
            count = write(records, sys.stdout)
        else:
            # The file holds personal data: readable by its owner only.
            fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8", newline="") as out:
                count = write(records, out)
    print(f"exported {count} records", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for the password: use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise CliError("the passwords differ")
    return first


def _user_add(args: argparse.Namespace, settings: ServerSettings) -> int:
    password = _password(args)
    _using(
        settings,
        lambda db: accounts.create_user(db, args.username, password, args.role, args.display_name),
    )
    print(f"added {args.role} {accounts.normalize_username(args.username)}")
    return 0


def _user_passwd(args: argparse.Namespace, settings: ServerSettings) -> int:
    password = _password(args)
    _using(settings, lambda db: accounts.set_password(db, args.username, password))
    print(f"new password set for {args.username}; its sessions were ended")
    return 0


def _user_list(_args: argparse.Namespace, settings: ServerSettings) -> int:
    now = dt.datetime.now(dt.UTC)
    rows = [
        (
            u.username,
            u.display_name,
            u.role,
            _kst(u.created_at),
            "disabled"
            if u.disabled_at
            else (
                "locked until " + _kst(u.locked_until)
                if u.locked_until and u.locked_until > now
                else "active"
            ),
        )
        for u in _using(settings, accounts.list_users)
    ]
    if not rows:
        print("no staff accounts (add one with `civic-kiosk-server user add`)")
        return 0
    _table(rows, ("USER", "NAME", "ROLE", "CREATED", "STATE"), sys.stdout)
    return 0


def _user_change(args: argparse.Namespace, settings: ServerSettings) -> int:
    if args.action == "unlock":
        _using(settings, lambda db: accounts.unlock(db, args.username))
    else:
        _using(
            settings, lambda db: accounts.set_disabled(db, args.username, args.action == "disable")
        )
    print(f"{args.action}d {args.username}")
    return 0


def _forward_destination(args: argparse.Namespace, settings: ServerSettings) -> int:
    api_key = args.api_key or os.environ.get("CIVIC_FORWARD_API_KEY", "")
    _using(
        settings,
        lambda db: destinations.save_destination(
            db, args.name, args.endpoint, api_key, args.jurisdiction_id, not args.inactive
        ),
    )
    print(f"saved destination {args.name}")
    return 0


def _forward_route(args: argparse.Namespace, settings: ServerSettings) -> int:
    attributes = {}
    for item in args.attribute:
        code, sep, source = item.partition("=")
        if not sep:
            raise CliError(f"--attribute {item!r}: write CODE=SOURCE")
        attributes[code.strip()] = source.strip() if source.strip() else "="
    _using(
        settings,
        lambda db: destinations.save_route(
            db, args.category, args.destination, args.service_code, attributes
        ),
    )
    print(f"{args.category} complaints go to {args.destination} as {args.service_code}")
    return 0


def _forward_unroute(args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(settings, lambda db: destinations.remove_route(db, args.category, args.destination))
    print(f"{args.category} complaints no longer go to {args.destination}")
    return 0


def _forward_list(_args: argparse.Namespace, settings: ServerSettings) -> int:
    with _open(settings) as db:
        dests = destinations.list_destinations(db)
        routes = destinations.list_routes(db)
        counts = destinations.delivery_counts(db)
    states = ("pending", "accepted", "sent", "failed")
    _table(
        [
            (
                d.name,
                d.endpoint,
                "yes" if d.active else "no",
                *(counts.get(d.name, {}).get(s, 0) for s in states),
            )
            for d in dests
        ],
        ("DESTINATION", "ENDPOINT", "ACTIVE", *(s.upper() for s in states)),
        sys.stdout,
    )
    print()
    _table(
        [
            (
                r.category,
                r.destination,
                r.service_code,
                " ".join(f"{k}={v}" for k, v in sorted(r.attributes.items())),
            )
            for r in routes
        ],
        ("CATEGORY", "DESTINATION", "SERVICE CODE", "ATTRIBUTES"),
        sys.stdout,
    )
    return 0


def _forward_run(args: argparse.Namespace, settings: ServerSettings) -> int:
    from server.logs import configure_logging

    configure_logging(settings.log_level)
    interval = args.interval if args.interval is not None else settings.forward_interval
    if interval < 1:
        raise CliError("--interval must be at least 1")
    with _open(settings) as db:
        if args.once:
            runner = forwarder.Forwarder(db)
            try:
                print(f"forwarder: {runner.run_once()}")
            finally:
                runner.close()
            return 0
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            forwarder.run_forever(db, interval, stop)
        except KeyboardInterrupt:
            stop.set()
    return 0


def _days_ago(days: int, option: str) -> dt.datetime:
    """The cut-off of a clean-up command; at least a day, so "0" never empties a table."""
    if days < 1:
        raise CliError(f"{option} must be at least 1")
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def _compact(args: argparse.Namespace, settings: ServerSettings) -> int:
    from server.changes import compact

    cutoff = _days_ago(args.older_than_days, "--older-than-days")
    removed = _using(settings, lambda db: compact(db, cutoff))
    print(f"removed {removed} change-log entries")
    return 0


def _purge_photos(args: argparse.Namespace, settings: ServerSettings) -> int:
    from server.submissions import purge_photos

    cutoff = _days_ago(args.closed_days, "--closed-days")
    removed = _using(settings, lambda db: purge_photos(db, cutoff))
    print(f"deleted the photos of {removed} closed case(s)")
    return 0


def _migrate(_args: argparse.Namespace, settings: ServerSettings) -> int:
    _using(settings, lambda _db: None)
    print("schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
