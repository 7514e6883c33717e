"""``civic-kiosk``'s first lines: no cyclic garbage collection until the program is up.

Starting imports some 600 modules (Qt's bindings before the first paint;
SQLAlchemy and pydantic with the store, just after it) and builds the home
screen: hundreds of thousands of objects, nearly all kept for the program's
life. The collector's full passes over them, again and again as they are
made, cost ~0.4 s of what was a ~2.5 s start on a 2-core kiosk. So ``main`` turns
collection off, and ``started`` turns it back on once the command is up (the
window after its first paint, any other command once its arguments are read),
first freezing what exists: it lives as long as the program, so later passes,
a scan at the door's among them, skip it. Reference counting frees everything
else as usual meanwhile.
"""

from __future__ import annotations

import gc


def main() -> int:
    """The ``civic-kiosk`` console script (pyproject.toml); the bundle's launcher does the same."""
    gc.disable()
    from app.cli import main as cli_main

    return cli_main()


def started() -> None:
    """Collection back on, past what start-up made; nothing if it was never turned off
    (a test calling ``app.cli.main`` in its own process keeps its collector as it was)."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
