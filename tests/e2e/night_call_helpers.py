"""Driving the real tray app from outside, as a technician would: keys, screenshots, the CLI.

Why a helper: the night-call test reads like the night itself (page, ack,
triage, resolve); the mechanics — the app's environment (time zone, demo
clock, keyring file), xdotool keys to the focused window, numbered
screenshots, reading the workspace through ``oncall-desktop … --json`` from
another process, and failure messages that carry app.log and the last
screenshot — live here.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.e2e import file_keyring
from tests.e2e.desktop import Desktop

WINDOW_TITLE = "^oncall-desktop$"


@dataclass
class NightApp:
    """One workspace, its CLI, and (once started) the tray app process on the test desktop."""

    desktop: Desktop
    workspace: Path
    artifacts: Path
    time_zone: str = "Europe/London"
    proc: subprocess.Popen | None = None
    offset: timedelta = timedelta(0)
    shots: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        for old in self.artifacts.glob("[0-9][0-9]-*.png"):  # a previous run's steps would mislead
            old.unlink()

    @property
    def env(self) -> dict[str, str]:
        """What every process of ours gets: the desktop, the zone that makes "local" local, the keyring file."""
        return {**self.desktop.env, "TZ": self.time_zone, **file_keyring.environment(self.workspace.parent)}

    # ----------------------------------------------------------------- CLI --
    def cli(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        done = subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(self.workspace), *args],
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"oncall-desktop {' '.join(args)} failed ({done.returncode}):\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return list(self.cli_json("events", *(("--kind", kind) if kind else ())))

    def setting(self, key: str) -> Any:
        """One workspace setting, read from this process (the store is WAL: safe beside the app)."""
        from oncall_desktop.services.app.workspace import Workspace

        ws = Workspace(self.workspace)
        try:
            return ws.store.get_setting(key)
        finally:
            ws.close()

    def wait_polls(self, count: int, timeout: float = 30) -> None:
        """Wait until the app has finished ``count`` more polls of the ticket system."""
        seen: list[Any] = [self.setting("last_poll")]

        def polled() -> bool:
            value = self.setting("last_poll")
            if value and value != seen[-1]:
                seen.append(value)
            return len(seen) > count

        self.wait(polled, timeout, f"{count} poll(s) of the ticket system")

    def pages(self) -> list[dict[str, Any]]:
        """The open pages, as ``oncall-desktop now --json`` sees them from another process."""
        return list(self.cli_json("now")["pages"])

    # ----------------------------------------------------------------- app --
    def start(self, at: datetime) -> None:
        """Start the tray app with its window, living at ``at`` (then at real speed)."""
        self.offset = at - datetime.now(timezone.utc)
        env = {**self.env, "ONCALL_CLOCK_OFFSET": f"{self.offset.total_seconds():.3f}"}
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "oncall_desktop", "--workspace", str(self.workspace),
                                          "--show"], env=env, stdout=out, stderr=subprocess.STDOUT)
        self.desktop.procs.append(self.proc)  # torn down with the desktop, whatever happens

    def app_now(self) -> datetime:
        """The app's clock, seen from here (the same offset from the same real clock)."""
        return datetime.now(timezone.utc) + self.offset

    @property
    def log_path(self) -> Path:
        return self.artifacts / "app.log"

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        return self.proc.wait(timeout=15)

    def window(self) -> str:
        done = self.desktop.run("xdotool", "search", "--onlyvisible", "--name", WINDOW_TITLE)
        return done.stdout.split()[0] if done.returncode == 0 and done.stdout.strip() else ""

    def keys(self, *keys: str) -> None:
        """Type keys into the main window (focused first; no window manager is needed for that)."""
        wid = self.window()
        assert wid, self.explain("the main window is not on screen")
        done = self.desktop.run("xdotool", "windowfocus", "--sync", wid)
        assert done.returncode == 0, done.stderr
        done = self.desktop.run("xdotool", "key", "--clearmodifiers", "--delay", "80", *keys)
        assert done.returncode == 0, done.stderr

    def window_digest(self) -> str:
        """A fingerprint of what the window shows now (to see that a key press changed the screen)."""
        wid = self.window()
        done = subprocess.run(["import", "-window", wid, "rgb:-"], env=self.env, capture_output=True, timeout=30)
        return hashlib.sha256(done.stdout).hexdigest() if done.returncode == 0 else ""

    def shot(self, name: str) -> Path:
        """NN-name.png of the whole screen (the window and any pop-up), numbered in the order taken."""
        path = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        self.desktop.screenshot(path)
        self.shots.append(path)
        return path

    # -------------------------------------------------------------- waiting --
    def explain(self, what: str) -> str:
        """A failure message that explains itself: what, the app's log, the last screenshot."""
        log = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else "(no log)"
        last = self.shots[-1] if self.shots else "(none yet)"
        alive = "running" if self.proc is not None and self.proc.poll() is None else "NOT running"
        return f"{what}\n  app: {alive}; last screenshot: {last}\n  app.log (tail):\n{log}"

    def wait(self, predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(self.explain(f"the app exited ({self.proc.returncode}) while waiting for {what}"))
            if time.monotonic() > deadline:
                try:
                    self.shot("timeout")
                except AssertionError:
                    pass
                raise AssertionError(self.explain(f"timed out after {timeout:.0f} s waiting for {what}"))
            time.sleep(interval)
