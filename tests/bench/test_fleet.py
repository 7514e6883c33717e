"""bench/fleet.py end to end on a tiny fleet: every figure printed, no request failed.

The figures themselves are the benchmark's business; what is held here is
that a run finishes, measures each fleet size, and repeats the largest on two
server processes sharing one database (a run stopped at its timeout left no
figures at all once).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.table import JSON_PREFIX

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_small_fleet_on_one_then_two_servers_prints_every_figure(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.fleet", "--kiosks", "3", "6", "--interval", "1",
         "--offices", "2", "--backend", "sqlite", "--scale-out"],
        cwd=ROOT,
        env={**os.environ, "BENCH_JSON": "1", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-3000:]
    tables = [
        json.loads(line.removeprefix(JSON_PREFIX))
        for line in run.stdout.splitlines()
        if line.startswith(JSON_PREFIX)
    ]
    titles = [t["title"] for t in tables]
    assert [t.split(" on one central server")[0] for t in titles] == [
        "Fleet of 3 kiosks",
        "Fleet of 6 kiosks",
        "Fleet of 6 kiosks, two servers",
    ]
    for table, kiosks in zip(tables, (3, 6, 6), strict=True):
        figures = {row["figure"].split(": ", 1)[1]: row["result"] for row in table["rows"]}
        assert set(figures) >= {
            "sync every 1 s, push p50 / p99",
            "sync every 1 s, pull p50 / p99",
            f"push burst, {kiosks} kiosks at once",
            f"pull burst, {kiosks} kiosks at once",
        }
        assert "ms a mutation" in figures[f"push burst, {kiosks} kiosks at once"]
        assert "ms an item" in figures[f"pull burst, {kiosks} kiosks at once"]
        assert figures["requests failed or not answered within the kiosk's timeout"] == "0"
