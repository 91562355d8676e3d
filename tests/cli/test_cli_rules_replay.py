"""``rules replay``: a lead's report in words, one JSON object for scripts, one line and exit 2 for bad input."""
from __future__ import annotations

import json

from oncall_desktop.services.paging.rules_store import RulesStore
from tests.cli_run import run
from tests.services.paging.test_replay_service import night

PERIOD = ("--from", "2026-11-02T00:00:00Z", "--to", "2026-11-03T00:00:00Z")


def _candidate(tmp_path, ws) -> str:
    text = RulesStore(ws.store).text().replace('kind = "triage"', 'kind = "triage"\n'
                                               'client_weights = { "Harbor" = { outage = 1 } }', 1)
    path = tmp_path / "candidate.toml"
    path.write_text(text)
    return str(path)


def test_the_report_names_each_lost_page_with_its_new_reasons(capsys, tmp_path) -> None:
    ws, _ = night(tmp_path)
    candidate = _candidate(tmp_path, ws)
    ws.close()
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "replay", *PERIOD, "--rules", candidate)
    assert code == 0, err
    assert out.startswith("Replayed 4 ticket(s) that arrived 2026-11-02 00:00 UTC to 2026-11-03 00:00 UTC "
                          "with candidate.toml.\nPaged then 3, would page now 1: 0 gained, 2 lost, 0 priority changed.")
    assert "Pages lost (2)\n  local:2 · Harbor · Server offline (arrived 2026-11-02 22:30 UTC)\n" \
           "    then: paged P2; now: would not page (P3), because\n" in out
    assert "      - triage score 3 (pages at 4, P1 at 9): P3\n" in out
    code, out, _ = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "replay", *PERIOD, "--rules", candidate,
                       "--json")
    data = json.loads(out)
    assert set(data) == {"from", "to", "rules", "judged", "limit", "paged_then", "paged_now", "counts", "changes",
                         "not_reconstructed"}
    assert [(c["change"], c["ticket"]["id"], c["now"]["page"]) for c in data["changes"]] == [
        ("lost", "local:2", False), ("lost", "local:4", False)]
    code, out, _ = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "replay", *PERIOD)
    assert code == 0 and "with the current rules." in out and "Nothing would change." in out


def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path) -> None:
    ws, _ = night(tmp_path)
    ws.close()
    where = ("--workspace", str(tmp_path / "ws"), "rules", "replay")
    bad = tmp_path / "bad.toml"
    bad.write_text('page_at = "P2"\n[[rule]]\nkind = "triage"\nweights = { outgae = 1 }\n')
    cases = [
        ((*where, "--from", "yesterday", "--to", "2026-11-03T00:00:00Z"), "--from:"),
        ((*where, "--from", "2026-11-03T00:00:00Z", "--to", "2026-11-02T00:00:00Z"), "must be before --to"),
        ((*where, *PERIOD, "--rules", str(bad)), "bad.toml line 4: rule 1: unknown signal kind 'outgae'"),
        ((*where, *PERIOD, "--rules", str(tmp_path / "missing.toml")), "cannot read"),
        ((*where, "--from", "2026-10-01T00:00:00Z", "--to", "2026-10-02T00:00:00Z"), "no ticket arrived between"),
    ]
    for argv, words in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", (argv, err)
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
