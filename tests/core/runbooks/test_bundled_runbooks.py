"""The content we ship: it validates, it says what it must, and the trees decide like the house rules."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from oncall_desktop.core.runbooks.runbooks import BUNDLED_DIR
from oncall_desktop.core.runbooks.trees import walk
from oncall_desktop.services.runbooks.library import RunbookLibrary, load_library, read_folder, validate_paths

REQUIRED_RUNBOOKS = (
    "server-down", "email-outage", "ransomware-suspected", "compromised-mailbox", "internet-down", "vpn-down",
    "backup-failed", "disk-full", "certificate-expired", "windows-update-unbootable", "power-ups-event",
    "dns-failure",
)
SECTIONS = ("## First checks", "## Containment", "## Escalation contacts", "## What to write in the ticket")


@pytest.fixture(scope="module")
def library() -> RunbookLibrary:
    return load_library()


def test_bundled_folder_is_pure_data_beside_the_module() -> None:
    assert BUNDLED_DIR == Path(__file__).resolve().parents[3] / "oncall_desktop" / "core" / "runbooks" / "bundled"
    assert not (BUNDLED_DIR / "__init__.py").exists()


def test_everything_bundled_validates(library: RunbookLibrary) -> None:
    assert library.refused == []
    assert validate_paths([BUNDLED_DIR]) == []
    texts, problems = read_folder(BUNDLED_DIR)
    assert problems == [] and len(texts) == len(library.runbooks) + len(library.trees)


def test_required_runbooks_and_trees_are_present(library: RunbookLibrary) -> None:
    assert set(REQUIRED_RUNBOOKS) <= set(library.runbooks)
    assert {"after-hours-triage", "security-triage", "billable-after-hours"} <= set(library.trees)


@pytest.mark.parametrize("runbook_id", REQUIRED_RUNBOOKS)
def test_each_runbook_has_the_operational_sections(library: RunbookLibrary, runbook_id: str) -> None:
    runbook = library.runbooks[runbook_id]
    for section in SECTIONS:
        assert section in runbook.body, f"{runbook_id} lacks {section}"
    assert re.search(r"`\[[A-Z][^\]]+\]`", runbook.body), "escalation contacts need placeholders"
    assert len(runbook.body.split()) > 150, "real content, not a stub"
    assert runbook.tags and runbook.owner and runbook.version >= 1


def test_every_tree_outcome_runbook_exists(library: RunbookLibrary) -> None:
    for tree in library.trees.values():
        for outcome in tree.outcomes.values():
            assert outcome.runbook is None or outcome.runbook in library.runbooks


TRIAGE_CASES = [
    # answers → (severity, page now?, runbook)
    (["no", "production", "down"], ("P1", True, "server-down")),
    (["no", "production", "degraded"], ("P2", True, "server-down")),
    (["no", "several-users", "site-wide"], ("P1", True, "internet-down")),
    (["no", "several-users", "group", "yes"], ("P2", True, None)),
    (["no", "several-users", "group", "no"], ("P4", False, None)),
    (["no", "single-user", "yes"], ("P3", False, None)),
    (["no", "single-user", "no"], ("P4", False, None)),
    (["yes"], ("P1", True, None)),
]


@pytest.mark.parametrize(("answers", "expected"), TRIAGE_CASES)
def test_after_hours_triage_follows_the_house_rules(library: RunbookLibrary, answers: list[str],
                                                    expected: tuple[str, bool, str | None]) -> None:
    result = walk(library.trees["after-hours-triage"], answers)
    assert result.outcome is not None
    assert (result.outcome.severity, result.outcome.page, result.outcome.runbook) == expected
    assert "{" not in result.note and result.note


def test_a_single_user_never_pages_and_security_always_does(library: RunbookLibrary) -> None:
    tree = library.trees["after-hours-triage"]
    for blocked in ("1", "2"):
        outcome = walk(tree, ["2", "3", blocked]).outcome
        assert outcome is not None and not outcome.page
    assert walk(tree, ["1"]).outcome.page  # type: ignore[union-attr]


SECURITY_CASES = [
    (["ransomware", "spreading"], ("P1", True, "ransomware-suspected")),
    (["ransomware", "one-device"], ("P1", True, "ransomware-suspected")),
    (["compromised-account", "privileged"], ("P1", True, "compromised-mailbox")),
    (["compromised-account", "standard", "active"], ("P2", True, "compromised-mailbox")),
    (["compromised-account", "standard", "stopped"], ("P3", False, "compromised-mailbox")),
    (["phishing", "password"], ("P2", True, "compromised-mailbox")),
    (["phishing", "attachment"], ("P2", True, "phishing-reported")),
    (["phishing", "nobody"], ("P4", False, "phishing-reported")),
    (["unsure"], ("P2", True, None)),
]


@pytest.mark.parametrize(("answers", "expected"), SECURITY_CASES)
def test_security_triage(library: RunbookLibrary, answers: list[str], expected: tuple[str, bool, str | None]) -> None:
    outcome = walk(library.trees["security-triage"], answers).outcome
    assert outcome is not None and (outcome.severity, outcome.page, outcome.runbook) == expected


BILLING_CASES = [
    (["yes", "yes"], "covered"),
    (["yes", "no", "yes"], "no-charge"),
    (["yes", "no", "no", "yes"], "billable"),
    (["yes", "no", "no", "no"], "review"),
    (["no"], "billable-no-agreement"),
    (["unsure"], "review"),
]


@pytest.mark.parametrize(("answers", "expected"), BILLING_CASES)
def test_billing_tree_never_touches_severity_or_pages(library: RunbookLibrary, answers: list[str],
                                                      expected: str) -> None:
    result = walk(library.trees["billable-after-hours"], answers)
    assert result.outcome is not None and result.outcome.id == expected
    assert result.outcome.severity is None and not result.outcome.page
    assert "{" not in result.note


def test_workspace_folder_overrides_and_extends(tmp_path: Path, library: RunbookLibrary) -> None:
    text = (BUNDLED_DIR / "disk-full.md").read_text(encoding="utf-8").replace("version: 1", "version: 2")
    (tmp_path / "disk-full.md").write_text(text, encoding="utf-8")
    tree = (BUNDLED_DIR / "billable-after-hours.yaml").read_text(encoding="utf-8")
    (tmp_path / "trees").mkdir()
    (tmp_path / "trees" / "mine.yaml").write_text(tree.replace("id: billable-after-hours", "id: mine"),
                                                  encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "junk.md").write_text("not a runbook", encoding="utf-8")
    merged = load_library([tmp_path])
    assert merged.refused == []
    assert merged.runbooks["disk-full"].version == 2 and merged.origin["disk-full"] == str(tmp_path)
    assert "mine" in merged.trees and len(merged.runbooks) == len(library.runbooks)


def test_a_folder_with_one_broken_file_is_refused_whole(tmp_path: Path, library: RunbookLibrary) -> None:
    good = (BUNDLED_DIR / "vpn-down.md").read_text(encoding="utf-8").replace("id: vpn-down", "id: vpn-new")
    (tmp_path / "vpn-new.md").write_text(good, encoding="utf-8")
    bad = (BUNDLED_DIR / "security-triage.yaml").read_text(encoding="utf-8")
    bad = bad.replace("id: security-triage", "id: sec2").replace("runbook: compromised-mailbox",
                                                                  "runbook: compromised-mailbx", 1)
    (tmp_path / "sec2.yaml").write_text(bad, encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    merged = load_library([tmp_path])
    assert "vpn-new" not in merged.runbooks and "sec2" not in merged.trees
    assert merged.runbooks == library.runbooks  # the bundled content is still all there
    [refused] = merged.refused
    messages = [str(p) for p in refused.problems]
    assert any("compromised-mailbx" in m and "did you mean 'compromised-mailbox'" in m for m in messages)
    assert any("latin1.md:1: not UTF-8" in m for m in messages)


def test_validate_paths_prints_path_line_message(tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text("id: t\ntitle: T\nversion: 1\nnodes:\n  - id: a\n    question: Q?\n    answers:\n"
                    "      - {key: x, label: X, next: b}\noutcomes: []\n", encoding="utf-8")
    lines = validate_paths([tree, tmp_path / "missing.md", BUNDLED_DIR / "server-down.md"])
    assert lines == [
        f"{tmp_path / 'missing.md'}:1: no such file or folder",
        f"{tree}:8: node 'a' answer 'x' goes to node 'b', which does not exist",
    ]


def test_validate_paths_lets_trees_open_bundled_runbooks(tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text("id: t\ntitle: T\nversion: 1\nnodes:\n  - id: a\n    question: Q?\n    answers:\n"
                    "      - {key: x, label: X, outcome: {title: Done, page: no, runbook: dns-failure}}\n",
                    encoding="utf-8")
    assert validate_paths([tree]) == []
