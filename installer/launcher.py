"""The frozen ``civic-kiosk`` program: the same command line as the installed one.

``--self-test`` is answered here, before the command line is parsed and
before any settings file is read: ``update.sh`` runs it on a release that is
not yet active, on a kiosk whose settings may name paths of the running
release, and it must judge the bundle alone. Everything else goes to
``app.cli.main``, exactly as the ``civic-kiosk`` console script does.

``CIVIC_BENCH_PROBE=exit|stay`` (not ``CIVIC_KIOSK_*``: the settings refuse unknown ones)
is for the start-up benchmarks
(``bench/cold_start.py``, ``bench/rss.py``), which must time the real
``civic-kiosk run`` of a source install and of a bundle the same way: the
moment the home screen is first painted, ``HOME_SHOWN`` is printed on stdout,
and with ``exit`` the program then quits. Without the variable nothing
changes.
"""

from __future__ import annotations

import gc
import os
import sys

PROBE_VARIABLE = "CIVIC_BENCH_PROBE"
PROBE_LINE = "HOME_SHOWN"


def install_probe(mode: str) -> None:
    """Report the first paint of the home screen (and quit, for ``exit``)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from app.launch import ensure_app
    from ui.shell import KioskWindow

    qt_app = ensure_app()  # run_kiosk will find and use this application

    class HomeShown(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() != QEvent.Type.Paint or not isinstance(watched, KioskWindow):
                return False
            if watched.current_screen() is watched.home:
                qt_app.removeEventFilter(self)
                sys.stdout.write(PROBE_LINE + "\n")
                sys.stdout.flush()
                if mode == "exit":
                    # exit(), not quit(): quit() asks the windows first, and the
                    # kiosk window refuses to close (ui/lockdown.py).
                    QTimer.singleShot(0, lambda: qt_app.exit(0))
            return False

    probe = HomeShown(qt_app)
    qt_app.installEventFilter(probe)


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        from app.selftest import run_self_test

        return run_self_test()
    # app.cli first, as the civic-kiosk console script does: it imports the domain
    # and sync packages (SQLAlchemy, Alembic, pydantic, requests) before any Qt.
    # Once PySide6 is imported, its __feature__ import hook calls
    # inspect.getsource() on every module imported after it, which leaves that
    # module's whole source in linecache for good: ~30 MB more resident in a
    # source install if the probe imported Qt first (a bundle has no sources),
    # and ~0.2 ms more per module at start.
    # No cyclic garbage collection until the program is up (app/start.py says why).
    gc.disable()
    from app.cli import main as cli_main

    probe = os.environ.get(PROBE_VARIABLE, "")
    if probe in ("exit", "stay"):
        install_probe(probe)

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
