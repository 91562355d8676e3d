"""Start oncall-desktop at login: a systemd user unit or the XDG autostart file on Linux, the equivalents elsewhere.

Why it matters: an on-call app that is not running after a reboot pages
nobody, and one that died in the night pages nobody either.  Where a systemd
user session runs (``$XDG_RUNTIME_DIR/systemd`` exists), Linux gets
``~/.config/systemd/user/oncall-desktop.service`` with ``Restart=on-failure``,
enabled for ``graphical-session.target`` by its symlink in the target's
``.wants`` folder (written as files, so no systemd is needed to test it);
elsewhere ``$XDG_CONFIG_HOME/autostart/oncall-desktop.desktop`` runs the app.
With the unit, the XDG file only starts the unit (for desktops that never
reach graphical-session.target), so the app never starts twice.  macOS writes a
LaunchAgent plist; Windows the ``Run`` registry value (behind a platform
check, so the module imports everywhere).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
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
UNIT_NAME = f"{APP_ID}.service"
TARGET = "graphical-session.target"
SYSTEMD_UNIT = """[Unit]
Description=oncall-desktop, the on-call companion in the tray
PartOf={target}
After={target}
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=simple
ExecStart={exec}
Restart=on-failure
RestartSec=5

[Install]
WantedBy={target}
"""

#: The XDG autostart line beside the unit: hand the display to systemd, then start the unit.
UNIT_STARTER = ("sh -c 'systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY; "
                f"exec systemctl --user start {UNIT_NAME}'")

#: Runs ``systemctl --user ARGS``; failures are ignored (the files are what counts).
Systemctl = Callable[[Sequence[str]], None]


@dataclass(frozen=True)
class Autostart:
    """Where the login item lives for this user, and the command it runs."""

    platform: str
    environ: dict[str, str]
    command: tuple[str, ...]
    systemctl: Systemctl | None = None  # None: the real ``systemctl --user`` when it is installed

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

    @property
    def _linux(self) -> bool:
        return self.platform.startswith("linux") or "bsd" in self.platform

    @property
    def unit_path(self) -> Path | None:
        """``$XDG_CONFIG_HOME/systemd/user/oncall-desktop.service`` (Linux), else None."""
        if not self._linux:
            return None
        home = Path(self.environ.get("HOME", str(Path.home())))
        config = Path(self.environ.get("XDG_CONFIG_HOME") or home / ".config")
        return config / "systemd" / "user" / UNIT_NAME

    @property
    def wants_link(self) -> Path | None:
        """The symlink that enables the unit for the graphical session."""
        unit = self.unit_path
        return unit.parent / f"{TARGET}.wants" / UNIT_NAME if unit else None

    def uses_systemd(self) -> bool:
        """A systemd user manager runs for this session (it keeps ``$XDG_RUNTIME_DIR/systemd``)."""
        runtime = self.environ.get("XDG_RUNTIME_DIR")
        return self._linux and runtime is not None and runtime != "" and (Path(runtime) / "systemd").is_dir()

    def enabled(self) -> bool:
        if self.platform.startswith("win"):
            return _windows_run_value() is not None
        path, link = self.path, self.wants_link
        return bool(path and path.exists()) or bool(link and (link.is_symlink() or link.exists()))

    def enable(self) -> None:
        if self.platform.startswith("win"):
            _windows_set_run(subprocess_line(self.command))
            return
        path = self.path
        assert path is not None
        if self._linux and self.uses_systemd():
            self._enable_unit()
            # Desktops that never reach graphical-session.target (Xfce, MATE, window
            # managers) still run XDG autostart: it starts the same unit, a no-op
            # where the target already did, so the app never runs twice.
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DESKTOP_ENTRY.format(exec=UNIT_STARTER), encoding="utf-8")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._linux:
            self._remove_unit()
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
        if path:
            _remove(path)
        if self._linux:
            self._remove_unit()

    # --------------------------------------------------------------- systemd
    def _enable_unit(self) -> None:
        unit, link = self.unit_path, self.wants_link
        assert unit is not None and link is not None
        link.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text(SYSTEMD_UNIT.format(target=TARGET, exec=systemd_line(self.command)), encoding="utf-8")
        _remove(link)
        link.symlink_to(Path("..") / UNIT_NAME)
        self._systemctl("daemon-reload")

    def _remove_unit(self) -> None:
        unit, link = self.unit_path, self.wants_link
        had = any(p and (p.is_symlink() or p.exists()) for p in (unit, link))
        for p in (link, unit):
            if p:
                _remove(p)
        if had:
            self._systemctl("daemon-reload")

    def _systemctl(self, *args: str) -> None:
        (self.systemctl or _run_systemctl)(args)


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


def systemd_line(command: tuple[str, ...]) -> str:
    """``ExecStart=`` words: double-quoted where needed, ``%`` and ``$`` escaped as systemd reads them."""
    def word(part: str) -> str:
        if part and all(c.isalnum() or c in "/._-=:+,@" for c in part):
            text = part
        else:
            text = '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return text.replace("%", "%%").replace("$", "$$")

    return " ".join(word(part) for part in command)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.exists():
        path.unlink()


def _run_systemctl(args: Sequence[str]) -> None:
    """``systemctl --user ARGS`` when systemctl exists; a failure changes nothing the files did."""
    exe = shutil.which("systemctl")
    if not exe:
        return
    try:
        subprocess.run([exe, "--user", *args], capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        pass


def _windows_run_value() -> str | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":  # the registry exists there only (and tells mypy so on Linux)
        raise OSError("the Windows registry exists only on Windows")
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run") as key:
            return str(winreg.QueryValueEx(key, APP_ID)[0])
    except OSError:
        return None


def _windows_set_run(value: str | None) -> None:  # pragma: no cover - Windows only
    if sys.platform != "win32":  # the registry exists there only (and tells mypy so on Linux)
        raise OSError("the Windows registry exists only on Windows")
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run", 0,
                        winreg.KEY_SET_VALUE) as key:
        if value is None:
            try:
                winreg.DeleteValue(key, APP_ID)
            except OSError:
                pass
        else:
            winreg.SetValueEx(key, APP_ID, 0, winreg.REG_SZ, value)
