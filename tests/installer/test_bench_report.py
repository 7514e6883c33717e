"""bench/report.py reads what each benchmark printed and keeps what has a target."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from bench.chart import latency_chart, milliseconds, timed
from bench.report import BENCHES, Bench, Outcome, headline, parse_tables
from bench.table import Row

TABLE = """
submit with 100,000 existing rows (500 samples)
| figure     | target   | result  |    |
|------------|----------|---------|----|
| submit p50 | -        | 3.9 ms  |    |
| submit p95 | < 100 ms | 4.5 ms  | ok |
"""


def test_json_lines_are_preferred_to_the_printed_table() -> None:
    line = (
        'BENCH_JSON {"title": "t", "rows": [{"figure": "f", "target": "< 1 s", '
        '"result": "0.5 s", "ok": true}]}'
    )
    assert parse_tables(TABLE + line) == [("t", [Row("f", "< 1 s", "0.5 s", True)])]


def test_a_printed_table_is_read_when_there_is_no_json() -> None:
    [(title, rows)] = parse_tables(TABLE)
    assert title.startswith("submit with 100,000")
    assert rows == [
        Row("submit p50", "-", "3.9 ms", None),
        Row("submit p95", "< 100 ms", "4.5 ms", True),
    ]


def test_every_listed_benchmark_is_in_bench_and_has_a_quick_mode() -> None:
    # A name without its module would only ever show as "not available".
    bench_dir = Path(__file__).resolve().parents[2] / "bench"
    for bench in BENCHES:
        assert (bench_dir / f"{bench.name}.py").is_file(), bench.name
        assert bench.quick, f"{bench.name} has no --quick sizes"


def test_the_headline_keeps_targeted_rows_and_names_what_did_not_run(tmp_path: Path) -> None:
    ran = Outcome(BENCHES[0], tables=parse_tables(TABLE))
    missing = Outcome(Bench("drain", "10,000 drained"), status="not available")
    rows = headline([ran, missing], bundle=tmp_path / "no-bundle")
    figures = [(name, row.figure, row.result) for name, row in rows]
    assert ("bundle", "bundle size", "not available (no bundle)") in figures
    assert ("submit_latency", "submit p95", "4.5 ms") in figures
    assert ("drain", "10,000 drained", "not available") in figures
    assert not any(figure == "submit p50" for _, figure, _ in figures)


def test_the_chart_plots_timed_figures_against_timed_targets(tmp_path: Path) -> None:
    assert milliseconds("1.45 s (max 1.68 s)") == 1450
    assert milliseconds("3,016 mutations/s") is None
    rows = [
        ("a", Row("submit p95", "< 100 ms", "4.5 ms", True)),
        ("b", Row("cold start", "< 1.5 s", "1.75 s", False)),
        ("c", Row("ingest", ">= 1,500/s", "3,016 mutations/s", True)),
    ]
    assert [name for name, *_ in timed(rows)] == ["a", "b"]
    path = latency_chart(rows, tmp_path / "latency.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 800
