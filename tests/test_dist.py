"""The PyInstaller one-folder build starts and answers (slow: builds the app)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_desktop import __version__

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_frozen_app_answers_version(tmp_path: Path) -> None:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    if not pyinstaller.exists():
        pytest.fail("PyInstaller is missing: `make test` installs it with the [dist] extra")
    build = subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(tmp_path / "dist"),
         "--workpath", str(tmp_path / "build"), str(ROOT / "pyinstaller.spec")],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert build.returncode == 0, build.stderr[-3000:]
    app = tmp_path / "dist" / "oncall-desktop" / "oncall-desktop"
    done = subprocess.run([str(app), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"oncall-desktop {__version__}"
    done = subprocess.run([str(app), "--selftest"], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
                               "LD_LIBRARY_PATH": str(tmp_path / "user-libs")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("selftest ok")
    assert "vendor answers decode (msgspec)" in done.stdout  # the fast decoder made it into the bundle
    assert "programs it starts get the system's libraries" in done.stdout  # not the bundle's (frozen_env.py)
    # the frozen CLI reaches the store and the bundled data too
    ws = tmp_path / "ws"
    done = subprocess.run([str(app), "--workspace", str(ws), "demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    size = sum(f.stat().st_size for f in (tmp_path / "dist").rglob("*") if f.is_file() and not f.is_symlink())
    print(f"frozen app: {size / 1e6:.0f} MB")
    shutil.rmtree(tmp_path / "build", ignore_errors=True)
