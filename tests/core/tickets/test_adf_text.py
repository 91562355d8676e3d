"""Atlassian Document Format as plain text.

Node types and attributes follow Atlassian's "Atlassian Document Format" reference
(https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/ and its node pages:
orderedList ``attrs.order``, taskItem ``attrs.state`` TODO/DONE, expand ``attrs.title``, panel,
rule, blockquote); the vendor-level case is in tests/services/psa/test_vendor_answers.py.
"""
from __future__ import annotations

from oncall_desktop.core.tickets.adf_text import adf_to_text


def para(*texts: str) -> dict:
    return {"type": "paragraph", "content": [{"type": "text", "text": t} for t in texts]}


def doc(*content: dict) -> dict:
    return {"type": "doc", "version": 1, "content": list(content)}


def test_paragraphs_are_lines_and_other_blocks_are_separated():
    assert adf_to_text(doc(para("one"), para("two"), {"type": "rule"}, para("three"))) == "one\ntwo\n\n---\n\nthree"


def test_ordered_list_from_its_start_number_and_tasks():
    ordered = {"type": "orderedList", "attrs": {"order": 3}, "content": [
        {"type": "listItem", "content": [para("restart")]}, {"type": "listItem", "content": [para("check")]}]}
    tasks = {"type": "taskList", "attrs": {"localId": "t"}, "content": [
        {"type": "taskItem", "attrs": {"localId": "1", "state": "DONE"}, "content": [{"type": "text", "text": "ack"}]},
        {"type": "taskItem", "attrs": {"localId": "2", "state": "TODO"}, "content": [{"type": "text", "text": "fix"}]}]}
    assert adf_to_text(doc(ordered, tasks)) == "3. restart\n4. check\n\n[x] ack\n[ ] fix"


def test_panels_quotes_expands_and_unknown_nodes_give_their_text():
    panel = {"type": "panel", "attrs": {"panelType": "warning"}, "content": [para("Maintenance at 22:00")]}
    quote = {"type": "blockquote", "content": [para("customer said: it beeps")]}
    expand = {"type": "expand", "attrs": {"title": "Logs"}, "content": [para("kernel: oops")]}
    future = {"type": "someNewNode", "content": [{"type": "text", "text": "still read"}]}
    assert adf_to_text(doc(panel, quote, expand, future)) == \
        "Maintenance at 22:00\n\ncustomer said: it beeps\n\nLogs\nkernel: oops\n\nstill read"


def test_strings_none_and_hostile_shapes():
    assert adf_to_text("wiki *markup* from API v2") == "wiki *markup* from API v2"
    assert adf_to_text(None) == ""
    assert adf_to_text({"type": "doc", "content": "not a list"}) == ""
    deep: dict = {"type": "text", "text": "bottom"}
    for _ in range(5_000):
        deep = {"type": "paragraph", "content": [deep]}
    assert adf_to_text(doc(deep)) == ""                     # past the depth bound: nothing, and no RecursionError
    assert len(adf_to_text(doc(*[para("x" * 100)] * 1_000), limit=500)) <= 500
