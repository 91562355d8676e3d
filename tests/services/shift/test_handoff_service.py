"""Handoffs: written, shared through a folder to another laptop, read there, all in the event log."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from oncall_desktop.core.shift.handoff import Handoff, HandoffError
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.paging.notifier import Notifier


@pytest.fixture
def team_folder(tmp_path):
    return tmp_path / "team" / "handoffs"


@pytest.fixture
def colleague(tmp_path, fake_clock, recorder, team_folder):
    """Ben's laptop: another workspace sharing the same handoff folder."""
    ws = Workspace(tmp_path / "ben", fake_clock, notifier=Notifier(backends=[recorder]))
    seed_demo(ws)
    ws.store.set_setting("me", "Ben Okafor")
    ws.store.set_setting("handoff_folder", str(team_folder))
    yield ws
    ws.close()


def test_write_share_receive_and_read(workspace, colleague, fake_clock, team_folder) -> None:
    seed_demo(workspace)
    workspace.store.set_setting("handoff_folder", str(team_folder))
    workspace.poll()  # pages the demo's practice server outage
    handoff = replace(workspace.handoffs.draft(), notes="Acme's server is flaky; call Jo if it drops again")
    assert handoff.author == "Ana Souza"
    assert any("Practice server down" in line for line in handoff.open_pages)
    stored = workspace.handoffs.write(handoff)
    assert stored.shared_at is not None and stored.share_problem == ""
    file = team_folder / f"handoff-{handoff.id}.json"
    assert json.loads(file.read_text())["notes"].startswith("Acme's server")
    assert [e["kind"] for e in workspace.store.events() if e["kind"].startswith("handoff.")] == \
        ["handoff.written", "handoff.shared"]
    assert workspace.handoffs.pending() is None  # my own handoff is not waiting for me

    fake_clock.advance(minutes=5)
    colleague.poll()  # the poll imports the folder
    waiting = colleague.handoffs.pending()
    assert waiting is not None and waiting.handoff == handoff and waiting.source == "folder"
    pending = colleague.snapshot().handoff_pending
    assert pending is not None and (pending.id, pending.author) == (handoff.id, "Ana Souza")
    assert "Acme's server" in pending.text  # the text as the read dialog shows it, notes included
    read = colleague.handoffs.mark_read(handoff.id)
    assert read.read_by == "Ben Okafor" and colleague.handoffs.pending() is None
    assert colleague.snapshot().handoff_pending is None
    kinds = [(e["kind"], e["subject"]) for e in colleague.store.events() if e["kind"].startswith("handoff.")]
    assert kinds == [("handoff.received", handoff.id), ("handoff.read", handoff.id)]


def test_a_handoff_for_someone_else_is_not_pending_for_me(workspace) -> None:
    workspace.store.set_setting("me", "Ana Souza")
    workspace.handoffs.write(Handoff(author="Dev", written_at=workspace.clock.now(), notes="x", for_person="Chloé"))
    assert workspace.handoffs.pending() is None
    assert workspace.handoffs.pending("Chloé") is not None


def test_old_handoffs_are_history_not_pending(workspace, fake_clock) -> None:
    workspace.handoffs.write(Handoff(author="Dev", written_at=fake_clock.now(), notes="x"))
    fake_clock.advance(days=4)
    assert workspace.handoffs.pending("Ana") is None
    assert len(workspace.handoffs.recent()) == 1


def test_sharing_offline_is_kept_and_retried(workspace, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    workspace.store.set_setting("handoff_folder", str(blocker / "handoffs"))
    stored = workspace.handoffs.write(Handoff(author="Ana", written_at=workspace.clock.now(), notes="quiet"))
    assert stored.shared_at is None and "could not write to the handoff folder" in stored.share_problem
    workspace.store.set_setting("handoff_folder", str(tmp_path / "later"))
    assert workspace.handoffs.share_pending() == 1
    assert (tmp_path / "later" / f"handoff-{stored.handoff.id}.json").exists()


def test_bad_files_in_the_folder_are_reported_not_fatal(workspace, team_folder) -> None:
    team_folder.mkdir(parents=True)
    (team_folder / "handoff-broken.json").write_text("{not json")
    (team_folder / "handoff-wrong.json").write_text(json.dumps({"author": "X", "written_at": "whenever"}))
    workspace.store.set_setting("handoff_folder", str(team_folder))
    problems = workspace.handoffs.import_folder()
    assert len(problems) == 2 and any("handoff-wrong.json: 'written_at'" in p for p in problems)
    assert workspace.handoffs.recent() == []


def test_team_pack_folder_is_the_default_share(workspace, tmp_path) -> None:
    workspace.store.set_setting("team_pack_source", str(tmp_path / "pack"))
    assert workspace.handoffs.folder() == tmp_path / "pack" / "handoffs"
    workspace.store.set_setting("team_pack_source", "https://example.org/pack.zip")
    assert workspace.handoffs.folder() is None


def test_designated_ticket_gets_the_handoff_as_an_internal_note(workspace) -> None:
    outbox = getattr(workspace, "outbox", None)
    if outbox is None or not hasattr(outbox, "rows"):
        pytest.skip("this build has no outbox")
    workspace.store.set_setting("handoff_ticket", "local:1")
    h = workspace.handoffs.write(Handoff(author="Ana", written_at=workspace.clock.now(), notes="all quiet"))
    notes = [r for r in outbox.rows() if r.kind == "note"]
    assert len(notes) == 1 and notes[0].key == f"handoff:{h.handoff.id}" and "all quiet" in notes[0].payload["text"]


def test_empty_handoff_is_refused(workspace) -> None:
    with pytest.raises(HandoffError, match="empty"):
        workspace.handoffs.write(Handoff(author="Ana", written_at=workspace.clock.now()))
    assert workspace.store.events(kind="handoff.written") == []


def test_draft_covers_the_authors_shift_and_names_the_next_person(workspace, fake_clock) -> None:
    seed_demo(workspace)
    h = workspace.handoffs.draft()
    me_on_call = next(e for e in workspace.snapshot().on_call if e.schedule == workspace.paging_schedule())
    assert me_on_call.person == "Ana Souza"
    assert h.shift_start is not None and h.shift_start <= fake_clock.now() <= h.shift_end
    assert h.for_person == me_on_call.next
    # after writing one, the next draft starts from it
    workspace.handoffs.write(replace(h, notes="first"))
    fake_clock.advance(hours=1)
    assert workspace.handoffs.draft().shift_start == h.written_at
