"""Every benchmark, one table: the figure, its target, the result.

    python -m bench.report [--quick] [--only NAME ...] [--out bench/results]

Runs each benchmark of bench/ as its own process (so one that crashes or
hangs costs only its own rows), reads what it printed (``BENCH_JSON`` lines
from ``bench.table``), and prints one table of every figure that has a target, plus the
bundle's size. Writes ``<out>/latest.md`` (that table, the machine it ran on,
every row of every benchmark) and ``<out>/latency.png`` (the latencies
against their targets, log scale). A benchmark that is not there yet is
listed as "not available"; one that fails is listed with its exit status,
and its output is kept in ``build/bench-logs/``.

``--quick`` runs each with small sizes (minutes, for trying the report
itself); its figures are not the ones the targets are about.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.startup import DEFAULT_BUNDLE
from bench.table import JSON_PREFIX, Row, print_table

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "build" / "bench-logs"
BUNDLE_TARGET_MB = 150
MB = 1_000_000


@dataclass(frozen=True)
class Bench:
    name: str
    what: str
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    timeout_s: float = 900
    # Opens its own X server (bench.startup.real_display: Xvfb, xcb, no window
    # manager), the production set-up, unless the caller chose a platform.
    own_display: bool = False
    parse: Callable[[str], list[tuple[str, list[Row]]]] | None = None


@dataclass
class Outcome:
    bench: Bench
    tables: list[tuple[str, list[Row]]] = field(default_factory=list)
    status: str = "ok"  # ok | not available | failed (...) | timed out
    seconds: float = 0.0


def parse_tables(output: str) -> list[tuple[str, list[Row]]]:
    """``BENCH_JSON`` lines, else the markdown tables ``print_table`` prints."""
    tables = []
    for line in output.splitlines():
        if line.startswith(JSON_PREFIX):
            data = json.loads(line[len(JSON_PREFIX) :])
            tables.append((data["title"], [Row(**row) for row in data["rows"]]))
    return tables or _markdown_tables(output)


def _markdown_tables(output: str) -> list[tuple[str, list[Row]]]:
    tables: list[tuple[str, list[Row]]] = []
    title = ""
    rows: list[Row] | None = None
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| figure"):
            rows = []
            tables.append((title, rows))
        elif rows is not None and line.startswith("|-"):
            continue
        elif rows is not None and line.startswith("|") and len(cells) == 4:
            ok = {"ok": True, "MISSED": False}.get(cells[3])
            rows.append(Row(cells[0], cells[1], cells[2], ok))
        else:
            rows = None
            if line.strip():
                title = line.strip()
    return tables


BENCHES: tuple[Bench, ...] = (
    Bench(
        "submit_latency",
        "submit with 100,000 rows in the store",
        quick=("--rows", "10000", "--samples", "100"),
    ),
    Bench(
        "scan_verdict",
        "check-in desk: scan to verdict on screen, 1,000,000 tickets and check-ins",
        quick=(
            "--registrations",
            "20000",
            "--checkins",
            "20000",
            "--pending",
            "2000",
            "--scans",
            "200",
        ),
    ),
    Bench(
        "drain",
        "10,000 queued offline, then drained; the kiosk's share of draining 1,000,000",
        quick=("--records", "1000", "--queued", "20000"),
        timeout_s=2400,  # ~2 min for the 10,000, then ~10-15 min for the million
    ),
    Bench(
        "server_ingest",
        "server ingest against a bare endpoint, SQLite and PostgreSQL",
        args=("--backend", "both"),
        quick=("--kiosks", "2", "--batches", "5", "--rounds", "1"),
    ),
    Bench(
        "fleet",
        "a fleet of kiosks on one central server (PostgreSQL)",
        args=("--scale-out",),
        quick=("--quick",),
        timeout_s=3600,
    ),
    Bench(
        "ui_latency",
        "touch UI: cold start (window only) and tap Submit to receipt",
        quick=("--starts", "2", "--rows", "10000", "--samples", "20"),
        own_display=True,
        timeout_s=600,  # ~3 min when healthy
    ),
    Bench(
        "cold_start",
        "cold start of civic-kiosk run against a bare window, source and bundle",
        quick=("--starts", "2"),
        own_display=True,
    ),
    Bench(
        "rss",
        "idle memory against a bare window, source and bundle",
        quick=("--settle", "3"),
        own_display=True,
    ),
)


def run_bench(bench: Bench, quick: bool) -> Outcome:
    outcome = Outcome(bench)
    if not (ROOT / "bench" / f"{bench.name}.py").exists():
        outcome.status = "not available"
        return outcome
    args = bench.quick if quick else bench.args
    platform = os.environ.get("QT_QPA_PLATFORM") or ("" if bench.own_display else "offscreen")
    env = {
        **{k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"},
        **({"QT_QPA_PLATFORM": platform} if platform else {}),
        "BENCH_JSON": "1",
        "PYTHONPATH": str(ROOT),
        # Stores the benchmarks make keep their sealing keys here, not in the
        # user's config directory (kiosk/device_secrets.py).
        "CIVIC_STORE_KEY_DIR": str(LOGS / "store-keys"),
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Its own session, so that a benchmark that hangs is stopped with every
    # process it started (a kiosk it launched, a server), not just itself.
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{bench.name}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        output, errors = process.communicate(timeout=bench.timeout_s)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, errors = process.communicate()
        code = -1
        outcome.status = f"timed out after {bench.timeout_s:.0f} s"
    (LOGS / f"{bench.name}.log").write_text(output + errors, encoding="utf-8")
    outcome.seconds = time.perf_counter() - started
    outcome.tables = (bench.parse or parse_tables)(output)
    if outcome.status == "ok" and (code != 0 or not outcome.tables):
        outcome.status = f"failed (exit {code}; build/bench-logs/{bench.name}.log)"
    return outcome


def bundle_row(bundle: Path) -> Row:
    if not (bundle / "civic-kiosk").exists() and not (bundle / "civic-kiosk.exe").exists():
        return Row("bundle size", f"< {BUNDLE_TARGET_MB} MB", "not available (no bundle)")
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    return Row(
        "bundle size (unpacked)",
        f"< {BUNDLE_TARGET_MB} MB",
        f"{size / MB:.1f} MB",
        size / MB < BUNDLE_TARGET_MB,
    )


def headline(outcomes: Sequence[Outcome], bundle: Path) -> list[tuple[str, Row]]:
    """Every row with a target, and a line for each benchmark that gave none."""
    rows: list[tuple[str, Row]] = [("bundle", bundle_row(bundle))]
    for outcome in outcomes:
        targeted = [
            row for _, table in outcome.tables for row in table if row.target not in ("", "-")
        ]
        rows += [(outcome.bench.name, row) for row in targeted]
        if outcome.status != "ok" or not targeted:
            rows.append((outcome.bench.name, Row(outcome.bench.what, "-", outcome.status)))
    return rows


# --- the machine ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text(encoding="utf-8"))
        cpu = names[0] if names else cpu
    memory = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.findall(r"MemTotal:\s+(\d+)", meminfo.read_text(encoding="utf-8"))[0])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    system = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        pretty = re.findall(r'PRETTY_NAME="(.+)"', release.read_text(encoding="utf-8"))
        system = pretty[0] if pretty else system
    return {
        "os": system,
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "python": platform.python_version(),
        "pyside6": _version("PySide6"),
        "sqlalchemy": _version("SQLAlchemy"),
        "sqlite": sqlite3.sqlite_version,
        "load": _load(),
    }


def _version(name: str) -> str:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "-"


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "-"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


# --- output ---------------------------------------------------------------------------------


def markdown_table(rows: Sequence[tuple[str, Row]], named: bool = True) -> list[str]:
    head = ["benchmark"] if named else []
    lines = [
        "| " + " | ".join([*head, "figure", "target", "result", ""]) + " |",
        "|" + " --- |" * (len(head) + 4),
    ]
    for name, r in rows:
        verdict = "" if r.ok is None else ("ok" if r.ok else "**missed**")
        cells = [*([name] if named else []), r.figure, r.target, r.result, verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_markdown(
    out: Path,
    rows: Sequence[tuple[str, Row]],
    outcomes: Sequence[Outcome],
    info: dict[str, str],
    meta: dict[str, str],
) -> Path:
    lines = [
        "# Benchmarks: latest run",
        "",
        f"`python -m bench.report{meta['flags']}` on {meta['when']}, {meta['took']}.",
        "",
        f"Machine: {info['os']}; {info['cpu']}; {info['memory']} RAM; Python {info['python']}, "
        f"PySide6 {info['pyside6']}, SQLAlchemy {info['sqlalchemy']}, SQLite {info['sqlite']}. "
        f"Load average (1/5/15 min) at the start {meta['load_before']}, at the end "
        f"{info['load']}: the machine was shared with other work, so figures near "
        "a target deserve a second run.",
        "",
        *markdown_table(rows),
        "",
        "![latencies against their targets](latency.png)",
        "",
        "## Every figure, by benchmark",
    ]
    for outcome in outcomes:
        lines += ["", f"### {outcome.bench.name}: {outcome.bench.what}", ""]
        if not outcome.tables:
            lines.append(f"{outcome.status}.")
            continue
        lines.append(f"{outcome.status}, {outcome.seconds:.0f} s.")
        for title, table in outcome.tables:
            lines += ["", f"*{title}*", ""]
            lines += markdown_table([("", r) for r in table], named=False)
    path = out / "latest.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the report")
    parser.add_argument("--only", action="extend", nargs="+", help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args(argv)
    from bench.chart import latency_chart  # Pillow; imported late so --help stays instant

    load_before = _load()
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    outcomes = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        print(f"[report] {bench.name}: {bench.what} ...", flush=True)
        outcome = run_bench(bench, args.quick)
        print(f"[report] {bench.name}: {outcome.status} ({outcome.seconds:.0f} s)", flush=True)
        outcomes.append(outcome)
    rows = headline(outcomes, args.bundle)
    print_table(
        "All benchmarks" + (" (--quick: small sizes)" if args.quick else ""),
        [Row(f"{name}: {r.figure}", r.target, r.result, r.ok) for name, r in rows],
    )
    args.out.mkdir(parents=True, exist_ok=True)
    took = time.perf_counter() - clock
    meta = {
        "flags": " --quick" if args.quick else "",
        "when": started.strftime("%Y-%m-%d %H:%M UTC"),
        "took": f"{took / 60:.0f} min",
        "load_before": load_before,
    }
    every_row = [(o.bench.name, r) for o in outcomes for _, t in o.tables for r in t]
    chart = latency_chart(every_row, args.out / "latency.png")
    path = write_markdown(args.out, rows, outcomes, machine(), meta)
    print(f"\nwrote {path} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
