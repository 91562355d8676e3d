"""The page chime ships with the package: pip installs it (package-data), PyInstaller bundles it (datas).

The app finds it next to its own modules (services/paging/page_sound.py: ``parents[2]``),
which is the same place in a checkout, an installed wheel and the frozen
build (PyInstaller keeps ``oncall_desktop/`` beside the frozen modules' ``__file__``).
"""
from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from oncall_desktop.services.paging.page_sound import SOUND, PageSound

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "oncall_desktop"


def test_the_chime_lives_inside_the_package() -> None:
    assert SOUND == PACKAGE / "resources" / "sounds" / "page.wav"
    assert SOUND.read_bytes()[:4] == b"RIFF" and SOUND.read_bytes()[8:12] == b"WAVE"
    assert PageSound().path == SOUND


def test_pyproject_package_data_covers_the_chime() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["oncall_desktop"]
    relative = SOUND.relative_to(PACKAGE).as_posix()
    assert any(fnmatch(relative, pattern) for pattern in patterns), patterns


def test_pyinstaller_spec_bundles_the_package_resources_where_the_app_looks() -> None:
    spec = (ROOT / "pyinstaller.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "oncall_desktop" / "resources"), "oncall_desktop/resources")' in spec
