"""CSV exports escape text a spreadsheet would run as a formula (OWASP CSV injection), keep numbers numeric."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.csv_safe import csv_writer, safe_cell
from tests.cli_run import run

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "=1+2+cmd.example"


@pytest.mark.parametrize("text", ["=1+2+cmd.example", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_text_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -2.5, 0, 42, "Acme Dental", "", None, "a=b", "1-2"])
def test_numbers_and_plain_text_are_left_alone(value) -> None:
    assert safe_cell(value) == value


def test_writer_escapes_every_cell_and_keeps_negative_numbers_numeric() -> None:
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerow([HOSTILE, -15, -0.5, "ok"])
    assert out.getvalue() == "'=1+2+cmd.example,-15,-0.5,ok\n"


def test_every_csv_export_writes_through_the_helper() -> None:
    direct = []
    for path in (ROOT / "oncall_desktop").rglob("*.py"):
        if path.name == "csv_safe.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text):
            direct.append(str(path.relative_to(ROOT)))
    assert direct == []


def test_billing_export(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", HOSTILE, "--client", "@SUM(A1)",
                       "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T04:38:00Z")
    assert code == 0, err
    target = tmp_path / "march.csv"
    code, _, err = run(capsys, "--workspace", ws, "time", "export", "--from", "2026-03-01T00:00:00Z",
                       "--to", "2026-04-01T00:00:00Z", "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 1
    assert rows[0]["client"] == "'@SUM(A1)" and HOSTILE not in [v for v in rows[0].values()]
    assert rows[0]["worked_minutes"] == "38"
    assert not any(v.startswith(("=", "+", "-", "@")) for v in rows[0].values())


def test_fairness_export() -> None:
    from oncall_desktop.core.rotation.fairness import fairness, fairness_csv
    from oncall_desktop.core.rotation.model import Layer, Schedule

    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    schedule = Schedule("+Primary", "UTC", (Layer("W", [HOSTILE, "Ben"], start, "weekly", "09:00"),))
    text = fairness_csv(fairness(schedule, start, datetime(2026, 1, 12, 9, tzinfo=timezone.utc)))
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[:2] == ["'+Primary", "'" + HOSTILE] and row[5:7] == ["1", "168.00"]


def test_insights_export() -> None:
    from oncall_desktop.core.shift.analytics import Insights, to_csv

    report = Insights(
        datetime(2026, 11, 2, tzinfo=timezone.utc), datetime(2026, 11, 16, tzinfo=timezone.utc), "UTC",
        totals={"pages": 1, "net_minutes": -30}, ack_by_week=[], heatmap=[[0] * 24 for _ in range(7)],
        clients=[{"client": HOSTILE, "pages": 1, "after_hours_pages": 1, "worked_minutes": 10,
                  "after_hours_minutes": 10, "billable_minutes": 60, "amount_cents": -500}],
        people=[{"person": "@ana", "shifts": 1, "pages": 1, "after_hours_pages": 1, "pages_per_shift": 1.0}],
        top_issues=[{"issue": "-2+3 backup failed", "count": 2, "clients": [HOSTILE]}])
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert ["clients", "'" + HOSTILE, "amount_cents", "-500"] in rows       # a negative number stays a number
    assert ["totals", "", "net_minutes", "-30"] in rows
    assert ["people", "'@ana", "shifts", "1"] in rows
    assert ["top_issues", "1", "issue", "'-2+3 backup failed"] in rows
    assert ["top_issues", "1", "clients", "'" + HOSTILE] in rows
