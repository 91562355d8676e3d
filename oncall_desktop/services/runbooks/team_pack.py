"""The team pack: what the tech leads publish (runbooks, trees, rotation, client agreements).

A pack is a folder, or an https URL serving the same folder as a ``.zip``.  It
holds ``pack.toml`` (``name``, ``version``), runbooks (``*.md``), trees
(``*.yaml``), optionally ``rotation.toml`` and ``clients.toml``.

Why all-or-nothing: a tech at 3 AM is better served by yesterday's complete pack
than by today's half-broken one.  Every file is validated first; one problem and
the new pack is refused whole — the last accepted one, kept in the workspace
store, stays active.  That stored copy is also the offline cache: a laptop on a
hotel Wi-Fi still has every runbook.  URLs are fetched with ``If-None-Match``
so an unchanged pack costs one 304.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from oncall_desktop.core.runbooks.bundle import load_texts
from oncall_desktop.core.runbooks.runbooks import MAX_TEXT_CHARS
from oncall_desktop.core.runbooks.yaml_reader import Problem
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.psa.base import LOCAL_HOSTS, USERINFO_REFUSED, has_userinfo, redact_url
from oncall_desktop.services.runbooks.library import CONTENT_SUFFIXES
from oncall_desktop.services.storage.store_thread import OnStore, run_here

if TYPE_CHECKING:
    from oncall_desktop.services.storage.store import Store

MANIFEST = "pack.toml"
ROTATION_FILE = "rotation.toml"
CLIENTS_FILE = "clients.toml"
PACK_PREFIX = "pack/"
MAX_FILE_BYTES = MAX_TEXT_CHARS * 4
MAX_FILES = 5_000
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
DEADLINE = 60.0  # the whole download, however slowly the server trickles it (seconds)
_TEXT_SUFFIXES = (".md", ".yaml", ".yml", ".toml")


class TeamPackError(ValueError):
    """A pack that cannot be fetched or used; ``problems`` lists each file and line to fix."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message + "".join(f"\n  {p}" for p in self.problems[:20]))


class _UnreachableError(Exception):
    """The source could not be reached (offline): the cached pack stays in use."""


@dataclass(frozen=True)
class PackStatus:
    """What Settings and ``pack status`` show: which pack is active and how fresh it is."""

    source: str
    name: str = ""
    version: str = ""
    synced_at: str = ""   # when the active pack was accepted
    checked_at: str = ""  # when the source last answered (200 or 304)
    documents: int = 0
    last_problem: str = ""

    @property
    def active(self) -> bool:
        return bool(self.version)

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "name": self.name, "version": self.version, "synced_at": self.synced_at,
                "checked_at": self.checked_at, "documents": self.documents, "last_problem": self.last_problem,
                "active": self.active}


@dataclass(frozen=True)
class SyncResult:
    """One sync: ``state`` is updated, unchanged, offline or refused; ``message`` is for the tech."""

    state: str
    message: str
    status: PackStatus
    problems: tuple[Problem, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "message": self.message, "status": self.status.to_dict(),
                "problems": [str(p) for p in self.problems]}


@dataclass(frozen=True)
class _Fetched:
    files: dict[str, str]
    etag: str
    not_modified: bool = False


# ------------------------------------------------------------------ reading sources


def read_pack_folder(folder: Path) -> dict[str, str]:
    """Relative POSIX path → text for every pack file below ``folder`` (hidden entries skipped)."""
    if not folder.is_dir():
        raise TeamPackError(f"team pack folder {folder} does not exist or cannot be opened; check the path")
    files: dict[str, str] = {}
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        if file.suffix.lower() not in _TEXT_SUFFIXES:
            continue
        if len(files) >= MAX_FILES:
            raise TeamPackError(f"team pack {folder} has more than {MAX_FILES} files; is it the right folder?")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise TeamPackError(f"{file} is far too large for a team pack file; split it up")
        files[relative.as_posix()] = _decode(file.read_bytes(), relative.as_posix())
    return files


def unpack_zip(data: bytes) -> dict[str, str]:
    """Pack files from a zip; one shared top folder (as GitHub archives have) is stripped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TeamPackError("the team pack URL did not return a .zip file; publish the pack folder zipped") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise TeamPackError(f"the team pack zip has more than {MAX_FILES} files")
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise TeamPackError("the team pack zip unpacks to far more than a pack should; refused")
        names = {m.filename: PurePosixPath(m.filename) for m in members}
        tops = {p.parts[0] for p in names.values() if p.parts}
        strip = 1 if len(tops) == 1 and all(len(p.parts) > 1 for p in names.values()) else 0
        files: dict[str, str] = {}
        for member in members:
            path = PurePosixPath(*names[member.filename].parts[strip:])
            if path.is_absolute() or ".." in path.parts or any(p.startswith(".") for p in path.parts):
                continue
            if path.suffix.lower() not in _TEXT_SUFFIXES:
                continue
            if member.file_size > MAX_FILE_BYTES:
                raise TeamPackError(f"{path} in the team pack zip is far too large; split it up")
            files[path.as_posix()] = _decode(_read_member(archive, member, path.as_posix()), path.as_posix())
    return files


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    """One member's bytes; a damaged, encrypted or oddly compressed member is one readable refusal."""
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # a bad CRC, a truncated member
        raise TeamPackError(f"the team pack zip is damaged ({name}: {exc}); nothing was changed — "
                            "publish the pack again") from None
    except (RuntimeError, NotImplementedError) as exc:  # a password, or a compression zipfile cannot read
        raise TeamPackError(f"the team pack zip cannot be read ({name}: {exc}); publish it as a plain "
                            "zip without a password") from None


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise TeamPackError(f"{name} in the team pack is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def fetch_url(url: str, etag: str = "") -> _Fetched:
    """GET with ``If-None-Match``; raises _UnreachableError when offline, TeamPackError for a bad answer.

    The download has an overall deadline and a size bound (psa/deadline.py),
    and is not redirected to plain http beyond this computer.
    """
    import requests

    from oncall_desktop.services.psa import deadline

    headers = {"If-None-Match": etag} if etag else {}
    try:
        with deadline.get_within(url, headers=headers, timeout=TIMEOUT, deadline=DEADLINE,
                                 max_bytes=MAX_DOWNLOAD_BYTES) as response:
            if response.status_code == 304:
                return _Fetched({}, etag, not_modified=True)
            if response.status_code in (401, 403):
                raise TeamPackError(f"the team pack server refused access (HTTP {response.status_code}); "
                                    f"ask your lead for a link that works")
            if response.status_code == 404:
                raise TeamPackError("the team pack URL was not found (HTTP 404); check it in Settings")
            if response.status_code >= 500:
                raise _UnreachableError(f"the team pack server had a problem (HTTP {response.status_code})")
            if response.status_code != 200:
                raise TeamPackError(f"the team pack server answered HTTP {response.status_code}; expected the zip")
            return _Fetched(unpack_zip(response.content), response.headers.get("ETag", ""))
    except deadline.BodyTooLarge:
        raise TeamPackError("the team pack download is far larger than a pack should be; refused") from None
    except deadline.RedirectRefused as exc:
        raise TeamPackError(f"the team pack server {exc}") from None
    except deadline.DeadlineExceeded as exc:
        raise _UnreachableError(f"the team pack server {exc}") from None
    except requests.RequestException as exc:
        raise _UnreachableError(f"cannot reach the team pack server ({exc.__class__.__name__})") from None


def check_source(source: str) -> str:
    """A normalised source; URLs must be https (plain http only to this machine, for testing)."""
    source = source.strip()
    if not source:
        raise TeamPackError("no team pack is set up; give a folder path or an https URL")
    parsed = urlparse(source)
    if parsed.scheme in ("http", "https"):
        if has_userinfo(source):
            raise TeamPackError(f"the team pack URL {redact_url(source)} {USERINFO_REFUSED}")
        if parsed.scheme == "http" and parsed.hostname not in LOCAL_HOSTS:
            raise TeamPackError(f"team pack URLs must use https, not http: {source}")
        return source
    return str(Path(source).expanduser())


# ------------------------------------------------------------------ validating


@dataclass(frozen=True)
class PackContent:
    """A fully validated pack, ready to become the active one."""

    name: str
    version: str
    files: dict[str, str]
    schedules: list[Any]
    clients: Any | None


def validate_pack(files: Mapping[str, str], bundled_runbook_ids: set[str], local_zone: str = "UTC") -> PackContent:
    """Every problem in the pack at once; raises TeamPackError unless the whole pack is usable."""
    problems: list[Problem] = []
    name, version = _manifest(files, problems)
    texts = {PACK_PREFIX + path: text for path, text in files.items() if path.lower().endswith(CONTENT_SUFFIXES)}
    problems.extend(load_texts(texts, known_runbook_ids=bundled_runbook_ids).problems)
    schedules: list[Any] = []
    if ROTATION_FILE in files:
        from oncall_desktop.core.rotation.model import RotationError
        from oncall_desktop.core.rotation.toml import load_rotation_toml

        try:
            schedules = load_rotation_toml(files[ROTATION_FILE])
        except RotationError as exc:
            problems.append(_problem(ROTATION_FILE, str(exc)))
    clients = None
    if CLIENTS_FILE in files:
        from oncall_desktop.core.billing.clients import parse_clients

        try:
            clients = parse_clients(files[CLIENTS_FILE], local_zone)
        except ValueError as exc:  # ClientsError, or a BillingError from a calendar
            problems.append(_problem(CLIENTS_FILE, str(exc)))
    if problems:
        raise TeamPackError(f"team pack refused: {len(problems)} problem(s); the previous pack stays active",
                            sorted(set(problems)))
    return PackContent(name, version, dict(files), schedules, clients)


def _manifest(files: Mapping[str, str], problems: list[Problem]) -> tuple[str, str]:
    path = PACK_PREFIX + MANIFEST
    if MANIFEST not in files:
        problems.append(Problem(path, 1, "the pack has no pack.toml; add one with name = \"…\" and version = \"…\""))
        return "", ""
    try:
        data = tomllib.loads(files[MANIFEST])
    except tomllib.TOMLDecodeError as exc:
        problems.append(_problem(MANIFEST, f"not valid TOML: {exc}"))
        return "", ""
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(path, 1, "pack.toml: 'name' is missing; e.g. name = \"Acme MSP runbooks\""))
    if not isinstance(version, (str, int)) or isinstance(version, bool) or not str(version).strip():
        problems.append(Problem(path, 1, "pack.toml: 'version' is missing; e.g. version = \"2026.11.1\" — "
                                         "raise it on every publish"))
    return str(name or "").strip(), str(version or "").strip()


def _problem(name: str, message: str) -> Problem:
    found = re.search(r"line (\d+)", message)
    return Problem(PACK_PREFIX + name, int(found.group(1)) if found else 1, message)


# ------------------------------------------------------------------ the service


class TeamPack:
    """Pulls, validates and keeps the workspace's team pack."""

    def __init__(self, store: Store, directory: Any = None, *,
                 save_schedule: Callable[[Any], Any] | None = None,
                 bundled_runbook_ids: Callable[[], set[str]] | None = None) -> None:
        self.store = store
        self.directory = directory
        # the rotation service's save when the workspace has one (it keeps its own history), else the directory's
        self._save_schedule = save_schedule or (directory.save_schedule if directory is not None else None)
        self._bundled_ids = bundled_runbook_ids or _bundled_ids

    def source(self) -> str:
        return str(self.store.get_setting("team_pack_source", "") or "")

    def set_source(self, source: str) -> str:
        checked = check_source(source)
        self.store.set_setting("team_pack_source", checked)
        self.store.log("pack.source_set", checked, {})
        return checked

    def _row(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.store.db.conn.execute(
            "SELECT source, name, version, etag, files, synced_at, checked_at FROM team_pack WHERE slot = 1").fetchone()
        return row

    def files(self) -> dict[str, str]:
        """The active pack's files (relative path → text): the offline cache."""
        row = self._row()
        return dict(json.loads(row[4])) if row else {}

    def runbook_texts(self) -> dict[str, str]:
        """The active pack's runbooks and trees, under the paths problems are reported with."""
        return {PACK_PREFIX + p: t for p, t in self.files().items() if p.lower().endswith(CONTENT_SUFFIXES)}

    def status(self) -> PackStatus:
        row = self._row()
        problem = str(self.store.get_setting("team_pack_problem", "") or "")
        if row is None:
            return PackStatus(self.source(), last_problem=problem)
        docs = sum(1 for p in json.loads(row[4]) if p.lower().endswith(CONTENT_SUFFIXES))
        return PackStatus(self.source() or row[0], row[1], row[2], row[5], row[6], docs, problem)

    def sync(self, source: str | None = None, on_store: OnStore = run_here) -> SyncResult:
        """Fetch, validate, and activate the pack — or keep the current one and say why.

        The download waits on the caller's thread; the store is read and
        written through ``on_store`` (services/storage/store_thread.py), so the app
        runs a sync on a network thread without holding its store.
        """
        wanted, row = on_store(lambda: self._begin(source))
        same_source = row is not None and row[0] == wanted
        try:
            fetched = self._fetch(wanted, row[3] if same_source and row else "")
        except _UnreachableError as exc:
            why = str(exc)
            message = f"{why}; using the cached pack" if row else f"{why}; no pack cached yet"
            return on_store(lambda: self._keep("offline", message, why, ()))  # type: ignore[no-any-return]
        except TeamPackError as exc:
            first, problems = str(exc).split("\n")[0], tuple(exc.problems)
            return on_store(lambda: self._keep("refused", first, first, problems))  # type: ignore[no-any-return]
        return on_store(lambda: self._finish(wanted, row, fetched))  # type: ignore[no-any-return]

    def _begin(self, source: str | None) -> tuple[str, tuple[Any, ...] | None]:
        if source:
            self.set_source(source)
        wanted = self.source()
        if not wanted:
            raise TeamPackError("no team pack is set up; run 'pack sync SOURCE' with a folder or an https URL")
        return wanted, self._row()

    def _finish(self, wanted: str, row: tuple[Any, ...] | None, fetched: _Fetched) -> SyncResult:
        from oncall_desktop.services.paging.ack_clock import local_zone

        same_source = row is not None and row[0] == wanted
        now = iso(self.store.clock.now())
        if fetched.not_modified or (same_source and row is not None and fetched.etag == row[3]):
            self.store.db.conn.execute("UPDATE team_pack SET checked_at = ? WHERE slot = 1", (now,))
            self.store.set_setting("team_pack_problem", "")
            self.store.log("pack.checked", wanted, {"version": row[2] if row else ""})
            status = self.status()
            return SyncResult("unchanged", f"team pack {status.name} {status.version} is up to date", status)
        try:
            # a broken TZ is billing's to report; agreements still validate in UTC
            content = validate_pack(fetched.files, self._bundled_ids(), local_zone())
        except TeamPackError as exc:
            self.store.log("pack.refused", wanted, {"problems": [str(p) for p in exc.problems[:50]]})
            return self._keep("refused", str(exc).split("\n")[0], str(exc).split("\n")[0], tuple(exc.problems))
        try:
            self._activate(wanted, content, fetched.etag, now)
        except ValueError as exc:  # e.g. the rotation service refused a schedule: nothing was changed
            message = f"team pack refused while storing it: {exc}"
            self.store.log("pack.refused", wanted, {"problems": [message]})
            return self._keep("refused", message, message, ())
        status = self.status()
        return SyncResult("updated", f"team pack {status.name} {status.version} is now active "
                                     f"({status.documents} runbooks and trees)", status)

    def _fetch(self, source: str, etag: str) -> _Fetched:
        if urlparse(source).scheme in ("http", "https"):
            return fetch_url(source, etag)
        files = read_pack_folder(Path(source))
        digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode("utf-8")).hexdigest()[:32]
        return _Fetched(files, f'"folder-{digest}"')

    def _keep(self, state: str, message: str, problem: str, problems: tuple[Problem, ...]) -> SyncResult:
        self.store.set_setting("team_pack_problem", problem)
        if state == "offline":
            self.store.log("pack.offline", self.source(), {"problem": problem})
        status = self.status()
        if status.active and state == "refused":
            message += f" (still using {status.name} {status.version})"
        return SyncResult(state, message, status, problems)

    def _activate(self, source: str, content: PackContent, etag: str, now: str) -> None:
        with self.store.transaction() as db:
            db.conn.execute(
                "INSERT INTO team_pack (slot, source, name, version, etag, files, synced_at, checked_at) "
                "VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(slot) DO UPDATE SET source=excluded.source, "
                "name=excluded.name, version=excluded.version, etag=excluded.etag, files=excluded.files, "
                "synced_at=excluded.synced_at, checked_at=excluded.checked_at",
                (source, content.name, content.version, etag, json.dumps(content.files, sort_keys=True), now, now))
            if self._save_schedule is not None:
                for schedule in content.schedules:
                    self._save_schedule(schedule)
            if self.directory is not None and content.clients is not None:
                self._merge_clients(content.clients)
            self.store.set_setting("team_pack_problem", "")
            self.store.log("pack.synced", source, {"name": content.name, "version": content.version,
                                                  "files": len(content.files), "schedules": len(content.schedules)})

    def _merge_clients(self, book: Any) -> None:
        """Client tiers into the directory (kept beside what is there); the TOML stays in the pack."""
        existing = self.directory.clients()
        for profile in book.clients.values():
            data = dict(existing.get(profile.name, {}))
            if profile.tier:
                data["tier"] = profile.tier
            data["calendar"] = {**data.get("calendar", {}), "time_zone": profile.calendar.time_zone}
            self.directory.save_client(profile.name, data)


def _bundled_ids() -> set[str]:
    from oncall_desktop.services.runbooks.store import bundled_library

    return set(bundled_library().runbooks)
