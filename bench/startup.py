"""Start-up cost of the tray app against a bare PySide6 tray app, in the same run.

Figures: median over N runs of (a) process exec → tray shown and the event
loop idle, (b) peak RSS.  Targets: time ≤ 1.3× bare, RSS ≤ bare + 40 MB.
Runs on a real X server with a tray host when Xvfb and trayer exist (the
tray is then really available, as on a desktop), else offscreen.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))

BARE = r'''
import os, sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon, QPixmap, QColor
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon
app = QApplication(sys.argv[:1])
app.setQuitOnLastWindowClosed(False)
pix = QPixmap(64, 64); pix.fill(QColor("green"))
tray = QSystemTrayIcon(QIcon(pix))
menu = QMenu(); menu.addAction("Open"); menu.addAction("Quit")
tray.setContextMenu(menu)
tray.show()
def probe():
    print(f"ready {1000 * (time.perf_counter() - t0):.1f}", flush=True)
    app.quit()
QTimer.singleShot(0, probe)
app.exec()
'''


def _desktop() -> tuple[dict[str, str], list[subprocess.Popen], str]:
    env = dict(os.environ)
    procs: list[subprocess.Popen] = []
    if shutil.which("Xvfb") and shutil.which("trayer"):
        read_fd, write_fd = os.pipe()
        procs.append(subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                       "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL))
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            env["DISPLAY"] = ":" + pipe.readline().strip()
        env["QT_QPA_PLATFORM"] = "xcb"
        env["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
        procs.append(subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)
        return env, procs, "xcb (Xvfb + trayer)"
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
    return env, procs, "offscreen (no tray: the app opens its window)"


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(ms from exec to 'ready', peak RSS in MB) for one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    elapsed = 1000 * (time.perf_counter() - start)
    proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if not line.startswith("ready"):
        raise SystemExit(f"{argv} did not report ready (exit {proc.returncode})")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    env, procs, where = _desktop()
    workspace = Path(tempfile.mkdtemp(prefix="oncall-bench-"))
    try:
        subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), "demo"],
                       env=env, check=True, capture_output=True)
        ours_env = dict(env, ONCALL_STARTUP_PROBE="1")
        bare, ours = [], []
        for i in range(RUNS + 1):  # first round warms the page cache and is dropped
            b = _measure([sys.executable, "-c", BARE], env)
            o = _measure([str(Path(sys.executable).with_name("oncall-desktop")), "--workspace", str(workspace)],
                         ours_env)
            if i:
                bare.append(b)
                ours.append(o)
        bt, br = statistics.median(x[0] for x in bare), statistics.median(x[1] for x in bare)
        ot, orss = statistics.median(x[0] for x in ours), statistics.median(x[1] for x in ours)
        print(f"startup ({where}, median of {RUNS})")
        print(f"{'figure':<34}{'bare':>10}{'ours':>10}{'ratio':>9}{'target':>14}")
        print(f"{'exec → tray shown, loop idle (ms)':<34}{bt:>10.0f}{ot:>10.0f}{ot / bt:>8.2f}x{'≤ 1.30x':>14}")
        print(f"{'peak RSS (MB)':<34}{br:>10.1f}{orss:>10.1f}{orss - br:>+8.1f}M{'≤ +40 MB':>14}")
        print(f"RESULT\tstartup: exec → tray idle (bare {bt:.0f} ms)\t{ot:.0f} ms\t≤ 1.30× bare\t{ot / bt:.2f}×")
        print(f"RESULT\tstartup: peak RSS (bare {br:.1f} MB)\t{orss:.1f} MB\t≤ bare + 40 MB\t+{orss - br:.1f} MB")
        return 0
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
