"""Boundaries import-linter cannot see: ui/ opens no database sessions of its own.

import-linter (pyproject) keeps ui/ from importing SQLAlchemy, the server, HTTP
and the composition root (app/). A screen could still call ``store.write()``
on a Store handed to it; this walks the syntax of every ui/ module and refuses
any session opened on something named like a store. Sessions belong to the
kiosk services (kiosk/) and the composition root (app/).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SESSION_METHODS = {"write", "read"}


def session_calls(source: str) -> list[tuple[int, str]]:
    """(line, text) of every ``<…store…>.write()`` / ``.read()`` call in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_METHODS
            and "store" in ast.unparse(node.func.value).lower()
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_the_check_finds_a_session_opened_on_a_store() -> None:
    source = "def f(self):\n    with self.store.write() as s:\n        pass\n"
    assert session_calls(source) == [(2, "self.store.write()")]
    assert session_calls("with store.read() as s: pass") == [(1, "store.read()")]
    # Reading a file or a stream is not a database session.
    assert session_calls("data = handle.read()\nbuffer.write()") == []


@pytest.mark.parametrize(
    "module", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "ui").rglob("*.py"))
)
def test_ui_module_opens_no_database_session(module: str) -> None:
    calls = session_calls((ROOT / module).read_text(encoding="utf-8"))
    assert calls == [], f"{module} opens sessions itself; call a kiosk/ service instead: {calls}"


def test_the_entry_points_live_in_the_composition_root() -> None:
    for name in ("cli.py", "demo.py", "selftest.py", "app.py"):
        assert not (ROOT / "ui" / name).exists(), f"ui/{name} belongs in app/"
    for name in ("cli.py", "demo.py", "selftest.py", "launch.py"):
        assert (ROOT / "app" / name).exists()
