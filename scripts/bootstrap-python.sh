#!/usr/bin/env bash
# Create the project's virtualenv; on a fresh Debian, install python3-venv first (as root).
set -euo pipefail
python="${1:-python3}" venv="${2:-.venv}"
if ! command -v "$python" >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  else
    echo "Python 3.11+ is needed: sudo apt-get install python3 python3-venv" >&2; exit 1
  fi
fi
"$python" - <<'PY' || { echo "Python 3.11 or newer is needed (found $("$python" --version 2>&1))" >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing python3-venv (Debian splits venv out of python3)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "cannot create a virtualenv: sudo apt-get install python3-venv, then run make again" >&2; exit 1
  fi
fi
