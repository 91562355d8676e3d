"""The real app process on a real (virtual) desktop: tray, window, and a page that reaches dunst."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.desktop import Desktop, wait_for


def _cli(desktop: Desktop, workspace: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), *args],
                          env=desktop.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_page_reaches_the_notification_daemon(desktop: Desktop, tmp_path: Path, artifacts: Path) -> None:
    workspace = tmp_path / "ws"
    _cli(desktop, workspace, "demo")
    app = desktop.spawn(sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), "--show",
                        log="app.log")
    # the demo's P1 ticket pages on the first poll; dunst must really receive it
    received = wait_for(lambda: [n for n in desktop.notifications() if "Practice server down" in n["summary"]],
                        45, "the page notification in dunst's history")
    note = received[0]
    assert note["appname"] == "oncall-desktop"
    assert "Acme Dental" in note["summary"] and "P1" in note["summary"]
    assert "Paged because P1 at client Acme Dental" in note["body"] and "Acknowledge by" in note["body"]
    # the tray icon is embedded in the tray host, and the window is up
    wait_for(lambda: desktop.run("xdotool", "search", "--name", "^oncall-desktop$").stdout.strip(), 20,
             "the main window")
    desktop.screenshot(artifacts / "desktop.png")
    assert app.poll() is None, (desktop.root / "app.log").read_text()
    events = json.loads(_cli(desktop, workspace, "events", "--json"))
    sent = [e for e in events if e["kind"] == "notification.sent"]
    assert sent and sent[0]["data"]["backend"] == "freedesktop"  # dunst lists "actions": the Acknowledge-button backend
    app.terminate()
    assert app.wait(timeout=15) == 0 or app.returncode == -15


def test_without_tray_host_the_window_opens_and_says_why(tmp_path: Path, artifacts: Path) -> None:
    from tests.e2e.desktop import start_desktop

    desktop = start_desktop(tmp_path / "notray", tray=False, notifications=False)
    try:
        workspace = tmp_path / "ws"
        _cli(desktop, workspace, "demo")
        app = desktop.spawn(sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), log="app.log")
        wait_for(lambda: desktop.run("xdotool", "search", "--onlyvisible", "--name", "^oncall-desktop$").stdout.strip(),
                 30, "the main window (no tray host)")
        desktop.screenshot(artifacts / "no-tray.png")
        assert app.poll() is None
        assert "No system tray was found" in (desktop.root / "app.log").read_text()
    finally:
        desktop.close()
