"""``insights proposals``, ``insights accept N`` and ``rules undo`` on the demo month."""
from __future__ import annotations

import json

from tests.cli_run import run


def test_propose_accept_and_undo_leave_the_rules_as_they_were(capsys, tmp_path) -> None:
    ws = ("--workspace", str(tmp_path / "ws"))
    assert run(capsys, *ws, "demo", "--history")[0] == 0
    code, out, err = run(capsys, *ws, "insights", "proposals")
    assert code == 0, err
    assert "False alarms by signal kind:\n  broken now (outage): " in out
    assert "False alarms by client:\n  Evergreen Accountants: " in out
    assert "  1. 'offline' (broken now) woke you " in out and "at Evergreen Accountants, all false alarms" in out
    code, out, _ = run(capsys, *ws, "insights", "proposals", "--json")
    data = json.loads(out)
    assert {"from", "to", "verdicts", "min_evidence", "false_share", "by_kind", "by_client", "proposals"} <= set(data)
    first = data["proposals"][0]
    assert (first["number"], first["kind"], first["client"], first["weight_to"]) == (
        1, "outage", "Evergreen Accountants", 1)
    _, before, _ = run(capsys, *ws, "rules", "show")
    code, out, _ = run(capsys, *ws, "insights", "accept", "1")
    assert code == 0 and out == ("Accepted proposal 1: outage weight 2 → 1 for Evergreen Accountants. "
                                 "'rules undo' takes it back.\n")
    _, after, _ = run(capsys, *ws, "rules", "show")
    assert "# Accepted from Insights " in after and after != before
    code, out, _ = run(capsys, *ws, "rules", "undo")
    assert code == 0 and out.startswith("Undone: the change from insights proposal 1 made ")
    assert run(capsys, *ws, "rules", "show")[1] == before
    # the plain insights report is unchanged by the new actions
    code, out, _ = run(capsys, *ws, "insights", "--json")
    assert code == 0 and "totals" in json.loads(out)


def test_bad_numbers_and_nothing_to_undo_are_one_line_and_exit_2(capsys, tmp_path) -> None:
    ws = ("--workspace", str(tmp_path / "ws"))
    for argv, words in (
            (("insights", "accept", "1"), "there is no proposal 1 (the proposals are none now"),
            (("rules", "undo"), "there is no earlier rule set to go back to"),
            (("insights", "proposals", "--from", "2026-12-01T00:00:00Z", "--to", "2026-11-01T00:00:00Z"),
             "must be before --to"),
            (("insights", "proposals", "--from", "last week"), "--from:")):
        code, out, err = run(capsys, *ws, *argv)
        assert code == 2 and out == "" and words in err, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
