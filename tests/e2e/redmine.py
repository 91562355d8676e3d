"""A real Redmine (Debian's package, SQLite, served by ``thin``) for e2e tests.

Why a real one: HTTP fakes only prove we follow the docs as we read them;
Redmine itself decides what ``updated_on=>=…`` matches, when a key is wrong,
and what a note or time entry looks like when read back.

Use it through the session fixture ``redmine`` (registered in
``tests/e2e/conftest.py``)::

    def test_something(redmine):
        issue_id = redmine.create_issue("Server down at Acme", priority="Urgent")
        adapter = RedmineAdapter(redmine.url, secret=redmine.api_key, project=redmine.project,
                                 activity_id=redmine.activity_id, billable_field_id=redmine.billable_cf_id)
        ...
        redmine.journals(issue_id)      # [{"id", "notes", "private_notes", "created_on", ...}, ...]
        redmine.time_entries(issue_id)  # [{"id", "hours", "comments", "activity", "custom_fields", ...}]
        with redmine.down():                    # network down ... back: same port, same data
            ...

Attributes: ``url`` (http://127.0.0.1:<free port>), ``api_key`` (admin's),
``project`` (identifier of the project made for this session; each session
runs on its own copy of the packaged database, so it starts with no issues
and leaves nothing behind), ``urgent_priority_id``,
``escalated_status_id``, ``activity_id`` ("After-hours support"),
``billable_cf_id`` (boolean "Billable" time-entry field), ``priority_ids``
(name → id).  ``api(method, path, json=None, params=None)`` calls the REST
API as admin and returns the parsed JSON (None for 204).  ``stop()`` and
``start()`` are there too; prefer ``down()``, which always restarts, so one
failing test cannot leave the server off for the rest of the session.

Cost: installing the packages ~20 s once per machine (as root, when
``make test`` has not already done it); booting and configuring Redmine
4–6 s once per session; ``start()`` after ``stop()`` ~3 s.  Without the packages and without root the tests are skipped —
under ``CI=true`` they fail instead (see ``desktop.require``).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.desktop import require, wait_for

HOST = "127.0.0.1"
INSTANCE = "default"
REDMINE_DIR = Path("/usr/share/redmine")
PACKAGED_DATABASE = Path(f"/var/lib/dbconfig-common/sqlite3/redmine/instances/{INSTANCE}/redmine_{INSTANCE}")
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "e2e"
PACKAGES = ("redmine", "redmine-sqlite", "thin")
BOOT_TIMEOUT = 120.0
APT_LOG = Path(tempfile.gettempdir()) / "oncall-e2e-apt.log"
# memory-backed when the machine has it: SQLite's fsync per commit costs ~60 ms per issue on disk
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; we release it for the server)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def log_tail(folder: Path, *names: str, lines: int = 20) -> str:
    """The last lines of a server's logs, for a failure message that explains itself."""
    out: list[str] = []
    for name in names:
        path = folder / name
        if path.exists():
            out += path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(out)


def terminate(proc: subprocess.Popen) -> None:
    """Stop a server we started, by its PID: SIGTERM, then SIGKILL to its own process group."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # started with start_new_session: only its own children
        proc.wait(timeout=15)


def installed(package: str) -> bool:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return done.returncode == 0 and "ok installed" in done.stdout


def apt_install(packages: list[str], log: Path, *, preseed: Path | None = None) -> None:
    """Install Debian packages as root, without questions; fail the test with apt's own words."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if preseed is not None:
        subprocess.run(["debconf-set-selections", str(preseed)], check=True, env=env)
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300",
            "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", *packages]
    with open(log, "ab") as out:
        if subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
            # a fresh machine may have no package lists yet
            subprocess.run(["apt-get", "update", "-q"], env=env, stdout=out, stderr=subprocess.STDOUT)
            if subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                pytest.fail(f"apt-get install {' '.join(packages)} failed:\n{tail}")


def ensure_packages(packages: tuple[str, ...], tools: tuple[str, ...], *, preseed: Path | None = None) -> None:
    """Install what ``make test`` did not (root only), then require the tools (skip, or fail under CI)."""
    missing = [p for p in packages if not installed(p)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        apt_install(missing, APT_LOG, preseed=preseed)
    require(*tools)


def need_root(why: str) -> None:
    """Like ``desktop.require``: skip without root, but under CI=true fail."""
    if os.geteuid() != 0:
        message = f"{why}, which needs root"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)


def ensure_redmine() -> None:
    ensure_packages(PACKAGES, ("thin", "bundle", "setpriv"), preseed=SCRIPTS / "redmine.debconf")
    need_root("the Redmine e2e tests run Redmine as www-data")
    if not PACKAGED_DATABASE.is_file():
        pytest.fail(f"Redmine is installed but its SQLite database {PACKAGED_DATABASE} is missing; reinstall it with "
                    f"`debconf-set-selections {SCRIPTS / 'redmine.debconf'}` then "
                    "`apt-get install --reinstall redmine redmine-sqlite`.")


@dataclass
class RedmineServer:
    """One Redmine on 127.0.0.1 for the whole test session; see the module docstring."""

    state: Path
    port: int = field(default_factory=free_port)
    api_key: str = ""
    project: str = ""
    urgent_priority_id: int = 0
    escalated_status_id: int = 0
    activity_id: int = 0
    billable_cf_id: int = 0
    priority_ids: dict[str, int] = field(default_factory=dict)
    tracker_ids: list[int] = field(default_factory=list)
    boot_seconds: float = 0.0
    _proc: subprocess.Popen | None = None
    _http: requests.Session = field(default_factory=requests.Session)  # keep-alive: 105 issues in ~3 s

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # ------------------------------------------------------------ processes --
    def _as_www_data(self, *argv: str) -> list[str]:
        """argv run as www-data (Debian's Redmine files belong to it) with a clean environment.

        ``setpriv`` execs rather than forks, so the PID we hold is the server's own.
        """
        return ["setpriv", "--reuid=www-data", "--regid=www-data", "--init-groups",
                "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", f"HOME={self.state / 'home'}", "LANG=C.UTF-8",
                f"REDMINE_INSTANCE={INSTANCE}", "RAILS_ENV=production",
                f"DATABASE_URL=sqlite3:{self.database}?timeout=10000", *argv]

    @property
    def database(self) -> Path:
        """This session's own copy of the freshly installed database.

        Rails merges ``DATABASE_URL`` over Debian's database.yml, so the
        package's database stays untouched, sessions (several engineers, or
        CI jobs, on one machine) never see each other's issues or lock each
        other's writes, and deleting the folder removes every trace.  The
        timeout makes SQLite wait for a lock instead of answering HTTP 500.
        """
        return self.state / "redmine.sqlite3"

    def _spawn_server(self) -> subprocess.Popen:
        # `rails server` cannot create /usr/share/redmine/tmp as www-data; thin can serve it.
        with open(self.state / "thin.out", "ab") as out:
            return subprocess.Popen(
                self._as_www_data("bundle", "exec", "thin", "start", "--address", HOST, "--port", str(self.port),
                                  "--environment", "production", "--pid", str(self.state / "thin.pid"),
                                  "--log", str(self.state / "thin.log")),
                cwd=REDMINE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_up(self) -> None:
        proc = self._proc
        assert proc is not None

        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"Redmine exited with {proc.returncode} while starting:\n{self._log_tail()}")
            try:
                requests.get(self.url + "/", timeout=2, allow_redirects=False)
            except requests.ConnectionError:
                return False
            return True

        wait_for(up, BOOT_TIMEOUT, f"Redmine on {self.url} (log: {self.state / 'thin.out'})", interval=0.2)

    def _log_tail(self) -> str:
        return log_tail(self.state, "thin.out", "thin.log")

    def boot(self) -> None:
        """Start the server and configure Redmine at once: both boot Rails, so in parallel they cost one boot.

        The running server sees the new settings because Redmine re-reads its
        settings when their ``updated_on`` changes.
        """
        began = time.monotonic()
        home = self.state / "home"
        home.mkdir(exist_ok=True)
        shutil.chown(self.state, "www-data", "www-data")
        shutil.chown(home, "www-data", "www-data")
        shutil.copyfile(PACKAGED_DATABASE, self.database)
        shutil.chown(self.database, "www-data", "www-data")
        script = self.state / "configure.rb"
        shutil.copyfile(SCRIPTS / "redmine_configure.rb", script)
        script.chmod(0o644)
        self._proc = self._spawn_server()
        configure = subprocess.run(self._as_www_data("bundle", "exec", "rails", "runner", str(script)),
                                   cwd=REDMINE_DIR, capture_output=True, text=True, timeout=BOOT_TIMEOUT)
        if configure.returncode != 0:
            self.stop()
            pytest.fail(f"configuring Redmine failed ({configure.returncode}):\n{configure.stderr[-3000:]}")
        ids = json.loads(configure.stdout.strip().splitlines()[-1])
        self.api_key = ids["api_key"]
        self.urgent_priority_id = ids["urgent_priority_id"]
        self.escalated_status_id = ids["escalated_status_id"]
        self.activity_id = ids["activity_id"]
        self.billable_cf_id = ids["billable_cf_id"]
        self.priority_ids = ids["priority_ids"]
        self.tracker_ids = ids["tracker_ids"]
        self._wait_up()
        self.project = f"oncall-e2e-{uuid.uuid4().hex[:8]}"
        self.api("POST", "/projects.json", json={"project": {
            "name": f"On-call e2e {self.project[-8:]}", "identifier": self.project, "is_public": False,
            "enabled_module_names": ["issue_tracking", "time_tracking"], "tracker_ids": self.tracker_ids}})
        self.boot_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Stop the server (by PID), as if the network went away; the data stays."""
        proc, self._proc = self._proc, None
        if proc is not None:
            terminate(proc)

    def start(self) -> None:
        """Start the server again on the same port, with the same database."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._proc = self._spawn_server()
        self._wait_up()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server is off inside the block and back (same port, same data) after it, even on failure."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -------------------------------------------------------------- REST ----
    def api(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """Call the REST API as admin; raise with Redmine's answer on any HTTP error."""
        reply = self._http.request(method, self.url + path, json=json, params=params, timeout=30,
                                   headers={"X-Redmine-API-Key": self.api_key, "Accept": "application/json"})
        if reply.status_code >= 400:
            raise AssertionError(f"{method} {path} -> HTTP {reply.status_code}: {reply.text[:500]}")
        return reply.json() if reply.content.strip() else None

    def create_issue(self, subject: str, priority: str = "Urgent", description: str = "") -> int:
        """A new issue in the session's project; returns its id."""
        body = {"issue": {"project_id": self.project, "tracker_id": self.tracker_ids[0], "subject": subject,
                          "priority_id": self.priority_ids[priority], "description": description}}
        return int(self.api("POST", "/issues.json", json=body)["issue"]["id"])

    def journals(self, issue_id: int | str) -> list[dict[str, Any]]:
        """The issue's journal entries (notes and changes), oldest first."""
        return list(self.api("GET", f"/issues/{issue_id}.json", params={"include": "journals"})["issue"]["journals"])

    def time_entries(self, issue_id: int | str) -> list[dict[str, Any]]:
        """Every time entry on the issue."""
        entries: list[dict[str, Any]] = []
        while True:
            page = self.api("GET", "/time_entries.json",
                            params={"issue_id": issue_id, "limit": 100, "offset": len(entries)})
            entries += page["time_entries"]
            if not page["time_entries"] or len(entries) >= page["total_count"]:
                return entries

    def close(self) -> None:
        """End of session: stop the server and delete the session's folder (database included)."""
        self.stop()
        self._http.close()
        shutil.rmtree(self.state, ignore_errors=True)


def start_redmine() -> RedmineServer:
    """Install if needed (root), boot, configure; the caller must ``close()`` it."""
    ensure_redmine()
    state = Path(tempfile.mkdtemp(prefix="oncall-redmine-", dir=SCRATCH))  # not under pytest's 0700 root: www-data enters it
    state.chmod(0o755)
    server = RedmineServer(state)
    try:
        server.boot()
    except BaseException:
        server.close()
        raise
    return server
