#!/usr/bin/env bash
# System packages the app (run) or the test suite (test) needs on Debian.
# As root, missing ones are installed with apt; otherwise they are listed.
# Under CI=true a package that cannot be installed fails the run.
set -euo pipefail
what="${1:-run}"
# Qt's xcb platform plugin and fonts (PySide6 wheels bring Qt itself)
run_pkgs=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
          libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
          fonts-dejavu-core libnotify-bin dbus)
# e2e: a virtual screen, a tray host, a real notification daemon, screenshots, input
test_pkgs=(xvfb x11-utils xauth imagemagick xdotool dunst dbus-x11 trayer)
# e2e: a real Redmine (SQLite, served by thin) and a real IMAP server (tests/e2e/redmine.py, imap_server.py)
test_pkgs+=(redmine redmine-sqlite thin dovecot-imapd)
pkgs=("${run_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

command -v dpkg-query >/dev/null || exit 0   # not Debian: nothing to do here
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # redmine asks which database to use; answer SQLite up front (scripts/e2e/redmine.debconf)
  [ "$what" = test ] && debconf-set-selections "$(dirname "$0")/e2e/redmine.debconf"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/oncall-apt.log 2>&1; then
    apt-get update -qq >>/tmp/oncall-apt.log 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/oncall-apt.log 2>&1 || {
      tail -20 /tmp/oncall-apt.log >&2
      echo "could not install: ${missing[*]}" >&2
      [ "${CI:-}" = true ] && exit 1
      exit 0
    }
  fi
else
  echo "note: missing system packages (run as root to install them): ${missing[*]}" >&2
  [ "${CI:-}" = true ] && { echo "CI=true: missing dependencies fail the run" >&2; exit 1; }
fi
exit 0
