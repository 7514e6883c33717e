"""Export files: one record per line or row, spreadsheet-safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from server.export import COLUMNS, write_csv, write_jsonl

RECORD = {
    "id": "1",
    "kind": "complaint",
    "receipt_code": "ABCD2345",
    "name": "김민수",
    "description": "=SUM(A1:A9)",
    "phone": "+82 10 1234 5678",
    "share_contact": True,
    "received_at": dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC),
}


def test_jsonl_keeps_values_and_writes_times_in_utc() -> None:
    out = io.StringIO()

    assert write_jsonl([RECORD], out) == 1

    record = json.loads(out.getvalue())
    assert record["name"] == "김민수" and record["description"] == "=SUM(A1:A9)"
    assert record["received_at"] == "2026-11-27T09:00:00+00:00"


def test_csv_has_fixed_columns_and_defuses_formulas() -> None:
    out = io.StringIO()

    write_csv([RECORD], out)

    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(row) == list(COLUMNS)
    assert row["description"] == "'=SUM(A1:A9)"
    assert row["phone"] == "'+82 10 1234 5678"
    assert row["share_contact"] == "True"
