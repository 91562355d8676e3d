"""Start at login through a systemd user unit where a systemd user session runs; XDG autostart otherwise."""
from __future__ import annotations

from pathlib import Path

from oncall_desktop.services.platform.autostart import Autostart

COMMAND = ("/opt/oncall desktop/oncall-desktop", "--workspace", "/w")


def _auto(tmp_path: Path, systemd: bool, calls: list[tuple[str, ...]]) -> Autostart:
    runtime = tmp_path / "run"
    (runtime / "systemd" if systemd else runtime).mkdir(parents=True)
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_RUNTIME_DIR": str(runtime)}
    return Autostart("linux", env, COMMAND, systemctl=lambda args: calls.append(tuple(args)))


def test_systemd_session_gets_a_restarting_user_unit(tmp_path: Path) -> None:
    calls: list[tuple[str, ...]] = []
    auto = _auto(tmp_path, True, calls)
    assert auto.uses_systemd() and not auto.enabled()
    auto.enable()
    unit = tmp_path / "cfg" / "systemd" / "user" / "oncall-desktop.service"
    link = unit.parent / "graphical-session.target.wants" / "oncall-desktop.service"
    text = unit.read_text()
    for line in ('ExecStart="/opt/oncall desktop/oncall-desktop" --workspace /w', "Restart=on-failure",
                 "RestartSec=5", "WantedBy=graphical-session.target", "PartOf=graphical-session.target"):
        assert line in text.splitlines()
    assert link.is_symlink() and link.resolve() == unit.resolve()
    # the XDG file only starts the unit (desktops without graphical-session.target): never a second app
    exec_line = next(line for line in auto.path.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line.endswith("exec systemctl --user start oncall-desktop.service'")
    assert "oncall desktop/oncall-desktop" not in exec_line
    assert auto.enabled() and calls == [("daemon-reload",)]
    auto.enable()  # again: still one link, no error
    assert link.is_symlink()
    auto.disable()
    assert not unit.exists() and not link.is_symlink() and not auto.path.exists() and not auto.enabled()
    assert calls[-1] == ("daemon-reload",)


def test_without_systemd_the_xdg_file_and_turning_off_removes_both(tmp_path: Path) -> None:
    calls: list[tuple[str, ...]] = []
    auto = _auto(tmp_path, False, calls)
    assert not auto.uses_systemd()
    auto.enable()
    assert auto.path.exists() and not auto.unit_path.exists() and auto.enabled()
    # a unit left from a session with systemd: turning off removes it as well
    with_systemd = Autostart("linux", {**auto.environ, "XDG_RUNTIME_DIR": str(tmp_path / "sd")}, COMMAND,
                             systemctl=lambda args: calls.append(tuple(args)))
    (tmp_path / "sd" / "systemd").mkdir(parents=True)
    with_systemd.enable()
    assert with_systemd.unit_path.exists() and "systemctl --user start" in auto.path.read_text()
    auto.disable()
    assert not auto.path.exists() and not auto.unit_path.exists() and not auto.wants_link.is_symlink()
    assert not auto.enabled()


def test_macos_has_no_systemd_paths(tmp_path: Path) -> None:
    auto = Autostart("darwin", {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}, ("/a",))
    assert auto.unit_path is None and not auto.uses_systemd()
