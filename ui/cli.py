"""``civic-kiosk``: the kiosk program and its operator commands.

This is the composition root: it reads settings, opens the store and then
hands over to the touch UI (``run``, ``demo``) or to a headless command for
operators and scripts. Qt is imported only by the commands that show a window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.config import ConfigError, Settings, load_settings
from kiosk.demo import seed_demo_reference
from kiosk.store import Store, open_store

Command = Callable[[argparse.Namespace, Settings], int]


def _open(settings: Settings) -> Store:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_store(settings.database_url_resolved)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import run_kiosk

    return run_kiosk(settings, _open(settings))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from ui.demo import run_demo

    return run_demo(settings, Path(args.data_dir) if args.data_dir else None)


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    with store.write() as session:
        seed_demo_reference(session, dt.datetime.now(dt.UTC))
    print(f"demo categories and events written to {settings.database_url_resolved}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civic-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="settings file (TOML)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the kiosk (the default)").set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="kiosk with an embedded demo server on localhost")
    demo.add_argument("--data-dir", help="keep demo data here instead of a fresh temp dir")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("demo-data", help="seed demo categories and events").set_defaults(
        func=cmd_demo_data
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"civic-kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    func: Command = getattr(args, "func", cmd_run)
    return func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
