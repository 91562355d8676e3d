from __future__ import annotations

from pathlib import Path

from oncall_desktop.services.platform.autostart import Autostart, launch_command


def test_linux_xdg_autostart_round_trip(tmp_path: Path) -> None:
    auto = Autostart("linux", {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")},
                     ("/opt/oncall desktop/oncall-desktop", "--workspace", "/w"))
    assert auto.path == tmp_path / "cfg" / "autostart" / "oncall-desktop.desktop"
    assert not auto.enabled()
    auto.enable()
    text = auto.path.read_text()
    assert "[Desktop Entry]" in text and "Exec='/opt/oncall desktop/oncall-desktop' --workspace /w" in text
    assert auto.enabled()
    auto.disable()
    assert not auto.enabled()


def test_macos_launch_agent(tmp_path: Path) -> None:
    auto = Autostart("darwin", {"HOME": str(tmp_path)}, ("/Applications/oncall-desktop",))
    auto.enable()
    assert "<string>/Applications/oncall-desktop</string>" in auto.path.read_text()
    assert "RunAtLoad" in auto.path.read_text()


def test_launch_command_names_the_workspace() -> None:
    command = launch_command(Path("/w"))
    assert command[-2:] == ("--workspace", "/w")
