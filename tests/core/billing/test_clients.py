"""The clients TOML: the documented example parses to what the docs say, and mistakes are named."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.billing.billing import WorkSession
from oncall_desktop.core.billing.clients import ClientsError, parse_clients

DOC = Path(__file__).resolve().parents[3] / "docs" / "billing.md"


def doc_example() -> str:
    """The TOML block of docs/billing.md: the docs must stay a working file."""
    return re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)  # type: ignore[union-attr]


def test_documented_example_parses_with_inheritance() -> None:
    book = parse_clients(doc_example(), local_zone="Europe/London")
    assert book.default.calendar.time_zone == "Europe/London"
    assert book.default_agreement.name == "workspace default"
    assert book.default_agreement.normal_rate_cents == 15000

    acme = book.clients["acme"]
    assert (acme.name, acme.tier, acme.email_domains) == ("Acme Dental", "gold", ("acme-dental.example",))
    assert acme.sla == {"p1_response_minutes": 30, "p2_response_minutes": 120, "business_hours": True}
    assert acme.calendar.time_zone == "America/Chicago"
    assert acme.calendar.open_windows(date(2026, 3, 10)) == ((480, 720), (780, 1080))  # Tue
    assert acme.calendar.open_windows(date(2026, 3, 13)) == ((480, 840),)               # Fri
    assert acme.calendar.open_windows(date(2026, 3, 14)) == ()                          # Sat
    assert acme.calendar.open_windows(date(2026, 8, 5)) == ()                           # summer shutdown
    assert acme.calendar.open_windows(date(2026, 11, 25)) == ((480, 720), (780, 900))   # closes 15:00
    assert acme.calendar.holidays_subdivision == "TX"
    old, new = acme.agreements
    assert (old.name, old.effective_to, old.multiplier, old.normal_rate_cents) == (
        "After-hours 2025", date(2026, 3, 14), 2.0, 15000)  # rate inherited from [default.agreement]
    assert (new.multiplier, new.minimum_minutes, new.normal_rate_cents) == (1.5, 30, 17500)

    weber = book.clients["kanzlei-weber"]
    assert weber.calendar.time_zone == "Europe/Berlin"
    assert weber.calendar.open_windows(date(2026, 3, 10)) == ((540, 1020),)             # hours from [default]
    assert weber.calendar.open_windows(date(2026, 12, 24)) == ((540, 720),)             # default closure
    assert weber.calendar.holiday(date(2026, 1, 6)) is not None                         # Epiphany in Bavaria
    terms, = weber.agreements
    assert (terms.rounding, terms.bill_in_hours_at_normal_rate, terms.multiplier) == ("nearest", False, 2.0)


def test_profile_lookup_by_id_name_or_default() -> None:
    book = parse_clients(doc_example(), local_zone="UTC")
    assert book.profile("acme").id == "acme"
    assert book.profile("ACME DENTAL").id == "acme"
    assert book.profile("Kanzlei-Weber").id == "kanzlei-weber"
    assert book.profile("someone new").id == "default"


def test_book_bills_each_client_under_its_own_calendar_and_agreements() -> None:
    book = parse_clients(doc_example(), local_zone="UTC")
    chicago, berlin = ZoneInfo("America/Chicago"), ZoneInfo("Europe/Berlin")
    sessions = [
        # Tue 17 Mar 2026, 18:00–18:20 Chicago: after hours, new agreement (1.5×, min 30)
        WorkSession("A-1", "Acme Dental", datetime(2026, 3, 17, 18, 0, tzinfo=chicago),
                    datetime(2026, 3, 17, 18, 20, tzinfo=chicago)),
        # Tue 17 Mar 2026, 16:50–17:10 Berlin: straddles 17:00, billed whole at 2× (rounding nearest)
        WorkSession("W-1", "kanzlei-weber", datetime(2026, 3, 17, 16, 50, tzinfo=berlin),
                    datetime(2026, 3, 17, 17, 10, tzinfo=berlin)),
        # a client not in the file: workspace default, UTC office hours → 10:00Z is in hours
        WorkSession("X-1", "Walk-in", datetime(2026, 3, 17, 10, 0, tzinfo=ZoneInfo("UTC")),
                    datetime(2026, 3, 17, 10, 38, tzinfo=ZoneInfo("UTC"))),
    ]
    got = [(e.ticket, e.agreement, e.billable_minutes, e.multiplier, e.amount_cents) for e in book.bill(sessions)]
    assert got == [
        ("X-1", "workspace default", 45, 1.0, 11250),           # 45/60 × 150.00
        ("W-1", "Rufbereitschaft", 60, 2.0, 30000),             # 20 → 15 (nearest), minimum 60; 60/60 × 150 × 2
        ("A-1", "After-hours 2026", 30, 1.5, 13125),            # 20 → 30; 30/60 × 175.00 × 1.5
    ]


def test_minimal_file_uses_built_in_defaults() -> None:
    book = parse_clients("", local_zone="Asia/Tokyo")
    assert book.default.calendar.time_zone == "Asia/Tokyo"
    assert book.default.calendar.open_windows(date(2026, 3, 10)) == ((540, 1020),)
    assert (book.default_agreement.multiplier, book.default_agreement.minimum_minutes) == (2.0, 60)
    assert book.clients == {}


BAD_FILES = [
    # (text, expected message fragment)
    ("[clients.acme]\ntime_zone = \"America/Chicgo\"\n",
     "line 2, clients.acme.time_zone: 'America/Chicgo' is not a time zone name; use an IANA name such as "
     "Europe/Berlin; did you mean 'America/Chicago'?"),
    ("[clients.acme]\nhours = { \"mon-fri\" = \"9-17\" }\n",
     "line 2, clients.acme.hours.mon-fri: '9-17' is not a time range; write it like 09:00-17:00"),
    ("[clients.acme]\nhours = { \"fri-mon\" = \"09:00-17:00\" }\n", "runs backwards"),
    ("[clients.acme]\nhours = { weekdays = \"09:00-17:00\" }\n", "name days as mon, tue"),
    ("[clients.acme]\nhours = { \"mon-fri\" = \"09:00-17:00\", fri = \"09:00-12:00\" }\n", "fri is given twice"),
    ("[clients.acme]\nholidays = { country = \"US\", subdivision = \"ZZ\" }\n",
     "clients.acme.holidays: holidays subdivision 'ZZ' is not known for US; choose one of:"),
    ("[clients.acme]\ncolsures = []\n", "line 2, clients.acme.colsures: unknown key; did you mean 'closures'?"),
    ("[clients.acme]\nclosures = [ { date = \"2026-12-24\" } ]\n",
     "clients.acme.closures[1].date: write a date without quotes, such as 2026-12-24"),
    ("[clients.acme]\nclosures = [ { name = \"x\" } ]\n", "give either date = 2026-12-24"),
    ("[default]\nhours = { mon = \"17:00-09:00\" }\n", "split an overnight window into two days"),
    ("[clients.acme]\n\n[[clients.acme.agreements]]\nname = \"A\"\neffective_from = 2026-01-01\n"
     "rounding = \"upward\"\n",
     "line 6, clients.acme.agreements[1].rounding: agreement 'A': rounding must be one of up, down, nearest"),
    ("[[clients.acme.agreements]]\nname = \"A\"\n", "clients.acme.agreements[1]: an agreement needs effective_from"),
    ("[[clients.acme.agreements]]\nname = \"A\"\neffective_from = 2026-01-01\n\n"
     "[[clients.acme.agreements]]\nname = \"B\"\neffective_from = 2026-06-01\n",
     "agreements 'A' and 'B' are both in force on 2026-06-01; set effective_to of 'A' to 2026-05-31"),
    ("[default.agreement]\neffective_from = 2026-01-01\n",
     "line 2, default.agreement.effective_from: the workspace default applies whenever no client agreement does"),
    ("[clients.acme]\nemail_domains = \"acme.example\"\n", 'write a list of domains such as ["acme.example"]'),
    ("[client.acme]\nname = \"Acme\"\n", "line 1, client: unknown key; did you mean 'clients'?"),
    ("[clients.acme\nname = 1\n", "the clients file is not valid TOML"),
]


@pytest.mark.parametrize("text,message", BAD_FILES)
def test_mistakes_are_named_with_line_key_and_fix(text: str, message: str) -> None:
    with pytest.raises(ClientsError) as caught:
        parse_clients(text, local_zone="UTC")
    assert message in str(caught.value)


def test_error_line_points_into_the_right_agreement_table() -> None:
    text = doc_example().replace("minimum_minutes = 30", "minimum_minutes = -30")
    with pytest.raises(ClientsError) as caught:
        parse_clients(text, local_zone="UTC")
    line = int(str(caught.value).split(",")[0].removeprefix("line "))
    assert text.splitlines()[line - 1].strip() == "minimum_minutes = -30"
    assert "clients.acme.agreements[2].minimum_minutes" in str(caught.value)
