"""Start oncall-desktop at login: the XDG autostart file on Linux, the equivalents elsewhere.

Why it matters: an on-call app that is not running after a reboot pages
nobody.  Linux writes ``$XDG_CONFIG_HOME/autostart/oncall-desktop.desktop``;
macOS a LaunchAgent plist; Windows the ``Run`` registry value (behind a
platform check, so the module imports everywhere).
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

APP_ID = "oncall-desktop"
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=oncall-desktop
GenericName=On-call companion
Comment=Who is on call, pages waiting, the ack clock, runbooks and after-hours time
Exec={exec}
Icon=oncall-desktop
Terminal=false
Categories=Network;Utility;
X-GNOME-Autostart-enabled=true
"""


@dataclass(frozen=True)
class Autostart:
    """Where the login item lives for this user, and the command it runs."""

    platform: str
    environ: dict[str, str]
    command: tuple[str, ...]

    @classmethod
    def current(cls, workspace: Path | None = None) -> Autostart:
        command = launch_command(workspace)
        return cls(sys.platform, dict(os.environ), command)

    # ------------------------------------------------------------- locations
    @property
    def path(self) -> Path | None:
        home = Path(self.environ.get("HOME", str(Path.home())))
        if self.platform.startswith("linux") or "bsd" in self.platform:
            config = Path(self.environ.get("XDG_CONFIG_HOME") or home / ".config")
            return config / "autostart" / f"{APP_ID}.desktop"
        if self.platform == "darwin":
            return home / "Library" / "LaunchAgents" / "org.oncall-desktop.plist"
        return None  # Windows: a registry value, not a file

    def enabled(self) -> bool:
        if self.platform.startswith("win"):
            return _windows_run_value() is not None
        path = self.path
        return bool(path and path.exists())

    def enable(self) -> None:
        if self.platform.startswith("win"):
            _windows_set_run(subprocess_line(self.command))
            return
        path = self.path
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.platform == "darwin":
            args = "".join(f"<string>{a}</string>" for a in self.command)
            path.write_text(
                '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
                f"<key>Label</key><string>org.oncall-desktop</string><key>ProgramArguments</key><array>{args}</array>"
                "<key>RunAtLoad</key><true/></dict></plist>\n", encoding="utf-8")
        else:
            path.write_text(DESKTOP_ENTRY.format(exec=subprocess_line(self.command)), encoding="utf-8")

    def disable(self) -> None:
        if self.platform.startswith("win"):
            _windows_set_run(None)
            return
        path = self.path
        if path and path.exists():
            path.unlink()


def launch_command(workspace: Path | None = None) -> tuple[str, ...]:
    """How to start this very installation (frozen build, console script or module)."""
    if getattr(sys, "frozen", False):
        base: tuple[str, ...] = (sys.executable,)
    else:
        script = Path(sys.executable).with_name(APP_ID)
        base = (str(script),) if script.exists() else (sys.executable, "-m", "oncall_desktop")
    return base + (("--workspace", str(workspace)) if workspace else ())


def subprocess_line(command: tuple[str, ...]) -> str:
    return " ".join(shlex.quote(part) for part in command)


def _windows_run_value() -> str | None:  # pragma: no cover - Windows only
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run") as key:
            return str(winreg.QueryValueEx(key, APP_ID)[0])
    except OSError:
        return None


def _windows_set_run(value: str | None) -> None:  # pragma: no cover - Windows only
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run", 0,
                        winreg.KEY_SET_VALUE) as key:
        if value is None:
            try:
                winreg.DeleteValue(key, APP_ID)
            except OSError:
                pass
        else:
            winreg.SetValueEx(key, APP_ID, 0, winreg.REG_SZ, value)
