"""Workspace runbooks: versions, diff, revert, folders refused whole, the layered library, walks."""
from __future__ import annotations

from pathlib import Path

import pytest

from oncall_desktop.services.runbooks.store import RunbookStoreError, doc_id_of

RUNBOOK = """---
id: printer-jam
title: Practice printer jammed
tags: [printer, labels]
severity: P4
version: {version}
owner: Service desk lead
reviewed-on: 2026-02-01
---
# Printer jammed

## First checks
1. {step}
"""

TREE = """id: printer-triage
title: Printer triage
version: 1
nodes:
  - id: urgent
    question: Are prescriptions blocked?
    answers:
      - key: "yes"
        label: Yes, nothing prints
        outcome: now
      - key: "no"
        label: No, another printer works
        outcome: later
outcomes:
  - id: now
    title: Fix tonight
    severity: P2
    page: yes
    runbook: {runbook}
    note: "Printer triage: {{urgent}}."
  - id: later
    title: Next business day
    severity: P4
    page: no
    note: "Printer triage: {{urgent}}. Not paged."
"""


def runbook(version: int = 1, step: str = "Open the tray and clear the jam.") -> str:
    return RUNBOOK.format(version=version, step=step)


def test_save_creates_versions_and_the_library_serves_the_newest(workspace) -> None:
    store = workspace.runbooks
    first = store.save("runbook", runbook(1), by="lead")
    again = store.save("runbook", runbook(1), by="lead")
    second = store.save("runbook", runbook(2, "Power-cycle the printer."), by="lead", note="simpler")
    assert (first.version, again.version, second.version) == (1, 1, 2)
    assert [v.version for v in store.history("runbook", "printer-jam")] == [2, 1]
    assert "Power-cycle" in store.runbook("printer-jam").body
    assert store.library().origin["printer-jam"] == "workspace"
    assert store.text_of("runbook", "printer-jam") == runbook(2, "Power-cycle the printer.")
    kinds = [e["kind"] for e in workspace.store.events()]
    assert kinds.count("runbook.saved") == 2  # the identical save added nothing


def test_diff_and_revert_keep_history_append_only(workspace) -> None:
    store = workspace.runbooks
    store.save("runbook", runbook(1, "Clear the jam."))
    store.save("runbook", runbook(2, "Call the vendor."))
    diff = store.diff("runbook", "printer-jam", 1)
    assert "-1. Clear the jam." in diff and "+1. Call the vendor." in diff
    assert diff.startswith("--- printer-jam v1\n+++ printer-jam v2\n")
    reverted = store.revert("runbook", "printer-jam", 1, by="lead")
    assert reverted.version == 3 and reverted.note == "revert to version 1"
    assert "Clear the jam." in store.runbook("printer-jam").body
    assert [v.version for v in store.history("runbook", "printer-jam")] == [3, 2, 1]
    assert any(e["kind"] == "runbook.reverted" for e in workspace.store.events())
    with pytest.raises(Exception, match="append-only"):
        workspace.store.db.conn.execute("UPDATE runbook_versions SET text = 'x'")
    with pytest.raises(RunbookStoreError, match="no version 9"):
        store.revert("runbook", "printer-jam", 9)


def test_invalid_save_is_refused_with_lines_and_changes_nothing(workspace) -> None:
    store = workspace.runbooks
    broken = runbook(1).replace("severity: P4", "severity: P9")
    problems = store.validate("runbook", broken)
    assert [(p.line, "P1, P2, P3, P4" in p.message) for p in problems] == [(5, True)]
    with pytest.raises(RunbookStoreError) as exc:
        store.save("runbook", broken)
    assert "was not saved" in str(exc.value) and exc.value.problems == problems
    assert store.history("runbook", "printer-jam") == []
    tree = TREE.format(runbook="no-such-runbook")
    messages = [p.message for p in store.validate("tree", tree)]
    assert any("'no-such-runbook', which is not in the library" in m for m in messages)


def test_tree_may_open_a_workspace_runbook_and_can_be_walked(workspace) -> None:
    store = workspace.runbooks
    store.save("runbook", runbook())
    store.save("tree", TREE.format(runbook="printer-jam"))
    assert "printer-triage" in store.library().trees
    result = store.walk("printer-triage", ["yes"], page_id=None)
    assert result.outcome is not None and result.outcome.runbook == "printer-jam"
    assert result.note == "Printer triage: Yes, nothing prints."
    walked = [e for e in workspace.store.events() if e["kind"] == "tree.walked"]
    assert walked[-1]["subject"] == "printer-triage"
    assert walked[-1]["data"]["answers"] == ["yes"] and walked[-1]["data"]["severity"] == "P2"


def test_workspace_copy_overrides_bundled_id(workspace) -> None:
    store = workspace.runbooks
    bundled = store.text_of("runbook", "vpn-down")
    assert store.history("runbook", "vpn-down") == []
    edited = bundled.replace("version: 1", "version: 2").replace("# VPN down", "# VPN down (ACME edition)", 1)
    store.save("runbook", edited)
    assert "ACME edition" in store.runbook("vpn-down").body
    assert store.library().origin["vpn-down"] == "workspace"


def test_import_refuses_a_broken_folder_whole_and_keeps_what_was_there(workspace, tmp_path: Path) -> None:
    store = workspace.runbooks
    store.save("runbook", runbook(1, "Original."))
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "printer-jam.md").write_text(runbook(2, "From the folder."), encoding="utf-8")
    (folder / "printer-triage.yaml").write_text(TREE.format(runbook="missing-runbook"), encoding="utf-8")
    with pytest.raises(RunbookStoreError) as exc:
        store.import_folder(folder)
    assert "nothing was imported" in str(exc.value)
    assert any("printer-triage.yaml" in p.path and "missing-runbook" in p.message for p in exc.value.problems)
    assert "Original." in store.runbook("printer-jam").body
    assert len(store.history("runbook", "printer-jam")) == 1
    (folder / "printer-triage.yaml").write_text(TREE.format(runbook="printer-jam"), encoding="utf-8")
    saved = store.import_folder(folder, by="lead")
    assert sorted((v.kind, v.doc_id, v.version) for v in saved) == [("runbook", "printer-jam", 2),
                                                                     ("tree", "printer-triage", 1)]
    assert "From the folder." in store.runbook("printer-jam").body


def test_export_then_import_round_trips(workspace, tmp_path: Path) -> None:
    store = workspace.runbooks
    store.save("runbook", runbook())
    store.save("tree", TREE.format(runbook="printer-jam"))
    written = store.export_folder(tmp_path / "out")
    assert sorted(p.name for p in written) == ["printer-jam.md", "printer-triage.yaml"]
    assert (tmp_path / "out" / "printer-jam.md").read_text(encoding="utf-8") == runbook()
    assert store.import_folder(tmp_path / "out")  # unchanged texts: same versions returned
    assert len(store.history("runbook", "printer-jam")) == 1


def test_search_sees_saved_runbooks_and_typos(workspace) -> None:
    store = workspace.runbooks
    assert store.search("ransomwear")[0].id == "ransomware-suspected"
    assert not any(h.id == "printer-jam" for h in store.search("printer"))
    store.save("runbook", runbook())
    assert store.search("priner jamed")[0].id == "printer-jam"


def test_summaries_list_runbooks_and_trees_for_the_tab(workspace) -> None:
    summary = workspace.runbooks.summaries()
    assert len(summary["runbooks"]) >= 12 and summary["refused"] == []
    assert {t["id"] for t in summary["trees"]} >= {"after-hours-triage", "security-triage", "billable-after-hours"}
    assert all(r["origin"] == "bundled" for r in summary["runbooks"])


def test_unknown_ids_are_readable_errors(workspace) -> None:
    with pytest.raises(RunbookStoreError, match="did you mean 'server-down'"):
        workspace.runbooks.runbook("server-dwon")
    with pytest.raises(RunbookStoreError, match="no decision tree 'nope'"):
        workspace.runbooks.tree("nope")


def test_doc_id_of_reads_only_the_top_level_id() -> None:
    assert doc_id_of(TREE) == "printer-triage"
    assert doc_id_of(runbook()) == "printer-jam"
    assert doc_id_of("nodes:\n  - id: x\n") is None


def test_apply_outcome_queues_the_note_once_and_rerates_the_page(workspace) -> None:
    from oncall_desktop.services.demo.demo import seed_demo
    from oncall_desktop.services.runbooks.store import apply_outcome

    seed_demo(workspace)
    workspace.poll()
    page = workspace.pages.active()[0]
    assert page.severity != "P4"
    answers = ["no", "single-user", "no"]  # one user, can keep working: next business day
    result = workspace.runbooks.walk("after-hours-triage", answers)
    assert result.outcome is not None and result.outcome.severity == "P4"
    first = apply_outcome(workspace, int(page.id), "after-hours-triage", answers, by="Ana Souza")
    again = apply_outcome(workspace, int(page.id), "after-hours-triage", answers, by="Ana Souza")
    assert first["note_queued"] and first["severity"] == "P4" and again["severity"] is None
    row = workspace.outbox.get(first["key"])
    assert row is not None and row.ticket_id == page.ticket_id and row.payload["text"] == result.note
    assert len([r for r in workspace.outbox.rows(page.ticket_id) if r.kind == "note" and r.key == first["key"]]) == 1
    assert workspace.pages.get(int(page.id)).severity == "P4"
    changed = workspace.store.events(kind="page.severity_set")
    assert [(e["data"]["to"], e["data"]["by"]) for e in changed] == [("P4", "Ana Souza")]
