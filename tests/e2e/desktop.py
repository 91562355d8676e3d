"""A real desktop for end-to-end tests: Xvfb, a D-Bus session, dunst, a tray host.

Why real parts: the promise is that a page *reaches a person*.  Only a real
notification daemon proves our notification left the process, and only a
real X server proves the tray and the window come up.  Everything here is
started by the tests on this machine and torn down after.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def require(*tools: str) -> None:
    """Skip when a tool is missing — but under CI=true a missing tool fails the run."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"missing system tools: {', '.join(missing)} (make test installs them when run as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Desktop:
    """Processes of one virtual desktop and the environment that reaches them."""

    env: dict[str, str]
    root: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def spawn(self, *argv: str, log: str, **kw) -> subprocess.Popen:
        with open(self.root / log, "wb") as out:  # the child keeps its own copy of the fd
            proc = subprocess.Popen(list(argv), env=self.env, stdout=out, stderr=subprocess.STDOUT, **kw)
        self.procs.append(proc)
        return proc

    def run(self, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), env=self.env, capture_output=True, text=True, timeout=timeout)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        done = self.run("import", "-window", "root", str(path), timeout=30)
        assert done.returncode == 0, done.stderr
        return path

    def notifications(self) -> list[dict[str, str]]:
        """What dunst received, newest first.

        ``dunstctl history`` lists closed notifications only; urgent pages stay
        on screen until dismissed, so close them first (as a user would).
        """
        self.run("dunstctl", "close-all")
        done = self.run("dunstctl", "history")
        if done.returncode != 0 or not done.stdout.strip():
            return []
        data = json.loads(done.stdout)["data"]
        return [{"summary": n["summary"]["data"], "body": n["body"]["data"], "appname": n["appname"]["data"]}
                for n in (data[0] if data else [])]

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()


def start_desktop(root: Path, *, tray: bool = True, notifications: bool = True) -> Desktop:
    require("Xvfb", "dbus-daemon", "import", "xdotool")
    if notifications:
        require("dunst", "dunstctl")
    if tray:
        require("trayer")
    root.mkdir(parents=True, exist_ok=True)
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    home = root / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}
    env.update({"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_DATA_HOME": str(home / ".local/share"), "QT_QPA_PLATFORM": "xcb", "LANG": "C.UTF-8"})
    desktop = Desktop(env, root)
    try:
        # Xvfb picks a free display and tells us which
        read_fd, write_fd = os.pipe()
        with open(root / "xvfb.log", "wb") as xlog:
            desktop.procs.append(subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=xlog))
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start (see xvfb.log)"
        env["DISPLAY"] = f":{number}"
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        desktop.procs.append(bus)
        address = bus.stdout.readline().strip()  # type: ignore[union-attr]
        assert address, "dbus-daemon did not start"
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        if notifications:
            config = home / ".config/dunst"
            config.mkdir(parents=True, exist_ok=True)
            (config / "dunstrc").write_text("[global]\n    font = DejaVu Sans 10\n    width = 400\n    offset = 10x40\n")
            desktop.spawn("dunst", "-config", str(config / "dunstrc"), log="dunst.log")
            wait_for(lambda: desktop.run("dunstctl", "is-paused").returncode == 0, 10, "dunst on the session bus")
        if tray:
            desktop.spawn("trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                          "--height", "24", "--transparent", "false", log="trayer.log")
            wait_for(lambda: desktop.run("xdotool", "search", "--class", "trayer").returncode == 0, 10, "trayer")
    except BaseException:
        desktop.close()
        raise
    return desktop
