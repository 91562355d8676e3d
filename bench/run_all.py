"""`make bench`: run every benchmark in bench/ and print one summary table.

Each script prints its own detail; lines of the form
``RESULT<TAB>figure<TAB>value<TAB>target<TAB>ratio`` are gathered into the
closing table (figure, value, target, ratio to the baseline or target the
issue names).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    rows: list[tuple[str, str, str, str]] = []
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name in ("run_all.py", "__init__.py"):
            continue
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        for line in done.stdout.splitlines():
            if line.startswith("RESULT\t"):
                _, figure, value, target, ratio = (line.split("\t") + [""] * 5)[:5]
                rows.append((figure, value, target, ratio))
            else:
                print(line)
        if done.returncode != 0:
            failed.append(script.name)
            print(done.stderr[-2000:], file=sys.stderr)
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    if rows:
        head = ("figure", "value", "target", "ratio")
        widths = [max(len(r[i]) for r in rows + [head]) + 2 for i in range(4)]
        for row in [head] + rows:
            print(row[0].ljust(widths[0]) + "".join(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)))
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
