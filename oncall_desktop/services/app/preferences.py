"""The workspace's own settings, checked before they are stored (what the Settings tab edits).

Why a service and not widgets writing ``store.set_setting``: every setting
has a rule (a known person, a real country, a folder that exists, minutes a
page can live with), and the tech must hear the rule in words *before* a bad
value is stored — at 3 AM a silently ignored "14 ,1d" means no shift notice.
The same checks serve the CLI and the tests; every change is in the event log.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from oncall_desktop.services.storage.store import EVENTS_KEEP_DAYS_MIN, events_keep_days
from oncall_desktop.services.time.timers import CRASH_MODES

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

_V = TypeVar("_V")  # a setting's value, handed back as it was stored

#: Bounds that catch typos (an ack window of 900 minutes is a missed page, not a policy).
ACK_MINUTES = (1, 240)
STALE_MINUTES = (5, 24 * 60)
RENOTIFY_MINUTES = (1, 120)
GAP_MINUTES = (1, 240)
NOTICE_DAYS_MAX = 90
#: The page chime (setting ``sound``) is on unless Settings turns it off: a sleeping tech must be woken.
CHIME_DEFAULT = True
EVENTS_KEEP_DAYS_MAX = 3650


class SettingsError(ValueError):
    """A value Settings refuses; the message says what is wrong and what to type instead."""


@dataclass(frozen=True)
class AckMinutes:
    """The three numbers a tech tunes in the ack policy (per-client minutes stay in the clients file)."""

    ack: int
    stale: int
    renotify: int


def parse_notice_days(text: str) -> tuple[int, ...]:
    """ "14, 1" → (14, 1): days before a shift at which its notice comes; empty text means none."""
    days: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip().removesuffix("days").removesuffix("day").removesuffix("d").strip()
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"notice days '{text}' must be whole numbers of days separated by commas, "
                                "such as 14, 1")
        n = int(part)
        if not 1 <= n <= NOTICE_DAYS_MAX:
            raise SettingsError(f"notice days must be between 1 and {NOTICE_DAYS_MAX} (got {n})")
        days.add(n)
    return tuple(sorted(days, reverse=True))


def chime_on(store: Any) -> bool:
    """Whether new and unanswered pages chime (setting ``sound``, default :data:`CHIME_DEFAULT`)."""
    return bool(store.get_setting("sound", CHIME_DEFAULT))


def _minutes(value: Any, name: str, bounds: tuple[int, int]) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a whole number of minutes (got {value!r})") from None
    if isinstance(value, bool) or not bounds[0] <= n <= bounds[1]:
        raise SettingsError(f"{name} must be between {bounds[0]} and {bounds[1]} minutes (got {n})")
    return n


class Preferences:
    """Reads and writes one workspace's settings, each through its rule."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.store = ws.store

    # ------------------------------------------------------------------ read
    def values(self) -> dict[str, Any]:
        """Everything the Settings pages show, read in one go on the store thread."""
        from oncall_desktop.services.paging import ack_clock

        ws, get = self.ws, self.store.get_setting
        try:
            policy = ack_clock.ack_policy(ws)
            ack = {"ack": policy.ack_minutes, "stale": policy.stale_minutes, "renotify": policy.renotify_minutes}
        except ValueError:  # a damaged stored policy: show the defaults, saving repairs it
            ack = {"ack": 15, "stale": 30, "renotify": 5}
        schedules = ws.directory_service.schedules()
        countries = get("holiday_country")
        return {
            "me": ws.me,
            "people": [{"name": p["name"], "time_zone": p["time_zone"]} for p in ws.directory_service.people()],
            "local_zone": ack_clock.local_zone(),
            "timer_autostart": bool(get("timer_autostart", True)),
            "timer_after_crash": str(get("timer_after_crash", "resume")),
            "timer_gap_minutes": int(ws.timers.gap_minutes()),
            "notice_days": list(ws.rotation.notice_days()),
            "calendar_refresh_minutes": _refresh_minutes(self.store),
            "schedules": [{"name": s.name, "time_zone": s.time_zone,
                           "holiday_country": _country_for(countries, s.name) or "",
                           "zone_country": _zone_country(s.time_zone) or ""} for s in schedules],
            "page_schedule": str(get("page_schedule") or ""),
            "paging_schedule": ws.paging_schedule() or "",
            "ack": ack,
            "handoff_folder": str(get("handoff_folder", "") or ""),
            "handoff_ticket": str(get("handoff_ticket", "") or ""),
            "team_pack": ws.team_pack.status().to_dict(),
            "clients": sorted(ws.directory_service.clients()),
            "clients_file_loaded": bool(get("clients_toml")),
            "autostart": self.autostart_enabled(),
            "sound": chime_on(self.store),
            "events_keep_days": events_keep_days(self.store),
        }

    # ------------------------------------------------------------ who am I
    def set_me(self, name: str) -> str:
        name = name.strip()
        known = [p["name"] for p in self.ws.directory_service.people()]
        known += [p for s in self.ws.directory_service.schedules() for p in s.people if p not in known]
        if name not in known:
            raise SettingsError(f"'{name}' is not one of the people in this workspace "
                                f"({', '.join(sorted(known)) or 'none yet — load the rotation first'})")
        return self._set("me", name)

    # ---------------------------------------------------------------- timers
    def set_timer_autostart(self, on: bool) -> bool:
        return self._set("timer_autostart", bool(on))

    def set_timer_after_crash(self, mode: str) -> str:
        if mode not in CRASH_MODES:
            raise SettingsError(f"after a crash the timer can 'resume' or 'close', not {mode!r}")
        return self._set("timer_after_crash", mode)

    def set_timer_gap_minutes(self, minutes: Any) -> int:
        return self._set("timer_gap_minutes", _minutes(minutes, "the timer gap", GAP_MINUTES))

    # -------------------------------------------------------------- rotation
    def set_notice_days(self, text: str) -> tuple[int, ...]:
        days = parse_notice_days(text)
        self._set("rotation_notice_days", list(days))
        return days

    def set_calendar_refresh(self, text: str) -> int:
        """How often subscribed calendar links refresh on their own (0: never)."""
        from oncall_desktop.core.rotation.model import RotationError
        from oncall_desktop.services.rotation.feed_refresh import REFRESH_SETTING, check_refresh_minutes

        try:
            minutes = check_refresh_minutes(text or "0")
        except RotationError as exc:
            raise SettingsError(str(exc)) from None
        return self._set(REFRESH_SETTING, minutes)

    def set_holiday_country(self, schedule: str, country: str) -> str:
        """Per schedule; empty text goes back to the country of the schedule's time zone."""
        from oncall_desktop.core.rotation.model import RotationError
        from oncall_desktop.services.rotation.service import holiday_dates

        self.ws.rotation.schedule(schedule)  # an unknown schedule says which exist
        country = country.strip().upper()
        if country:
            now = self.ws.clock.now()
            try:
                holiday_dates(country, now, now)
            except RotationError as exc:
                raise SettingsError(str(exc)) from None
        current = self.store.get_setting("holiday_country")
        table = dict(current) if isinstance(current, dict) else (
            {s.name: str(current) for s in self.ws.directory_service.schedules()} if current else {})
        if country:
            table[schedule] = country
        else:
            table.pop(schedule, None)
        self._set("holiday_country", table)
        return country

    def set_page_schedule(self, name: str) -> str:
        """Which schedule is paged first; empty: the first schedule that is nobody's backup."""
        name = name.strip()
        if name:
            self.ws.rotation.schedule(name)
        self._set("page_schedule", name or None)
        return name

    # ------------------------------------------------------------ ack policy
    def set_ack_minutes(self, ack: Any, stale: Any, renotify: Any) -> AckMinutes:
        from oncall_desktop.core.paging.ack_events import AckError, AckPolicy

        chosen = AckMinutes(_minutes(ack, "the acknowledge window", ACK_MINUTES),
                            _minutes(stale, "the stale re-trigger", STALE_MINUTES),
                            _minutes(renotify, "the re-notify interval", RENOTIFY_MINUTES))
        policy = dict(self.store.get_setting("ack_policy", {}) or {})
        policy.update(ack_minutes=chosen.ack, stale_minutes=chosen.stale, renotify_minutes=chosen.renotify)
        try:
            AckPolicy.from_dict(policy)
        except AckError as exc:
            raise SettingsError(f"the stored ack policy has a problem: {exc}") from None
        self._set("ack_policy", policy)
        return chosen

    # ------------------------------------------------------------ shift life
    def set_handoff_folder(self, folder: str) -> str:
        folder = folder.strip()
        if folder:
            path = Path(folder).expanduser()
            if not path.is_dir():
                raise SettingsError(f"the handoff folder {path} does not exist; create it (or pick the team's "
                                    "synced folder) first")
            if not os.access(path, os.W_OK):
                raise SettingsError(f"the handoff folder {path} cannot be written to; check its permissions")
            folder = str(path)
        return self._set("handoff_folder", folder)

    def set_handoff_ticket(self, ticket: str) -> str:
        ticket = ticket.strip()
        if ticket and (any(c.isspace() for c in ticket) or len(ticket) > 64):
            raise SettingsError(f"'{ticket}' does not look like a ticket id; type the number only, such as 4711")
        return self._set("handoff_ticket", ticket)

    # ------------------------------------------------------------- event log
    def set_events_keep_days(self, days: Any) -> int:
        """How long the event log keeps events (the app prunes older ones daily)."""
        try:
            n = int(days)
        except (TypeError, ValueError):
            raise SettingsError(f"the event log's keep time must be a whole number of days (got {days!r})") from None
        if isinstance(days, bool) or not EVENTS_KEEP_DAYS_MIN <= n <= EVENTS_KEEP_DAYS_MAX:
            raise SettingsError(f"the event log keeps between {EVENTS_KEEP_DAYS_MIN} and {EVENTS_KEEP_DAYS_MAX} "
                                f"days (got {n}); insights read a year back, audits last month")
        return self._set("events_keep_days", n)

    # ------------------------------------------------------------- autostart
    def autostart_enabled(self) -> bool:
        from oncall_desktop.services.platform.autostart import Autostart

        return Autostart.current(self.ws.directory).enabled()

    def set_autostart(self, on: bool) -> bool:
        from oncall_desktop.services.platform.autostart import Autostart

        login = Autostart.current(self.ws.directory)
        try:
            login.enable() if on else login.disable()
        except OSError as exc:
            raise SettingsError(f"could not {'turn on' if on else 'turn off'} start at login: "
                                f"{exc.strerror or exc}") from None
        self.store.log("settings.changed", "autostart", {"value": bool(on)})
        return login.enabled()

    # --------------------------------------------------------------- clients
    def client_profiles(self) -> list[dict[str, Any]]:
        """Tier, mail domains (the IMAP inbox's sender → client map) and production systems per client."""
        return [{"name": name, "tier": str(data.get("tier") or ""), "domains": list(data.get("domains") or []),
                 "production_systems": list(data.get("production_systems") or [])}
                for name, data in self.ws.directory_service.clients().items()]

    def save_client_profiles(self, profiles: list[dict[str, Any]]) -> list[str]:
        """Store edited profiles, all or none; other client data (calendar, agreement…) is kept.

        A domain may belong to one client only: the inbox could not tell which
        client a mail from it is for.
        """
        existing = self.ws.directory_service.clients()
        checked: list[tuple[str, dict[str, Any]]] = []
        owner: dict[str, str] = {}
        for n, profile in enumerate(profiles, 1):
            name = str(profile.get("name", "")).strip()
            if not name:
                raise SettingsError(f"row {n}: the client has no name; type the name as the PSA spells it")
            tier = str(profile.get("tier", "")).strip().lower()
            if tier and not all(c.isalnum() or c in "-_" for c in tier):
                raise SettingsError(f"{name}: tier '{tier}' must be one word such as gold, silver or bronze")
            domains = [d for d in (_domain(raw, name) for raw in profile.get("domains", [])) if d]
            for d in domains:
                if d in owner and owner[d] != name:
                    raise SettingsError(f"{name}: the mail domain {d} already belongs to {owner[d]}; "
                                        "a domain can point to one client only")
                owner[d] = name
            systems = [s.strip() for s in profile.get("production_systems", []) if s.strip()]
            data = dict(existing.get(name, {}))
            data.update(tier=tier or None, domains=list(dict.fromkeys(domains)),
                        production_systems=list(dict.fromkeys(systems)))
            if not tier:
                data.pop("tier")
            checked.append((name, data))
        names = [name for name, _ in checked]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise SettingsError(f"{', '.join(twice)} is listed twice; keep one row per client")
        with self.store.transaction():
            for name, data in checked:
                if data != existing.get(name):
                    self.ws.directory_service.save_client(name, data)
                    self.store.log("client.edited", name, {"tier": data.get("tier"), "domains": data["domains"],
                                                          "production_systems": data["production_systems"]})
        self.ws.forget_ticket_system()  # the inbox's domain → client map is built with the system
        return names

    # ----------------------------------------------------------------- files
    def load_clients_file(self, path: str) -> list[str]:
        """Check and store a clients TOML (billing); finished work is billed by it from now on."""
        book = self.ws.billing.load_clients(_read(path, "clients file"), source=str(path))
        return sorted(profile.name for profile in book.clients.values())

    def load_rotation_file(self, path: str) -> list[str]:
        """Store every schedule of a rotation TOML, all or none (errors name the line)."""
        loaded = self.ws.rotation.load_toml(_read(path, "rotation file"), by=self.ws.me)
        return [s.name for s in loaded]

    # -------------------------------------------------------------- internal
    def _set(self, key: str, value: _V) -> _V:
        with self.store.transaction():
            self.store.set_setting(key, value)
            self.store.log("settings.changed", key, {"value": value})
        return value


def _refresh_minutes(store: Any) -> int:
    from oncall_desktop.services.rotation.feed_refresh import refresh_minutes

    return refresh_minutes(store)


def _read(path: str, what: str) -> str:
    file = Path(path).expanduser()
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"the {what} {file} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f"cannot read the {what} {file}: {exc.strerror or exc}") from None


def _domain(raw: Any, client: str) -> str:
    """ "@AcmeDental.example " → "acmedental.example"; refuses what cannot be a mail domain."""
    text = str(raw).strip().lower().lstrip("@")
    if not text:
        return ""
    labels = text.split(".")
    if "@" in text or len(labels) < 2 or not all(
            label and all(c.isalnum() or c == "-" for c in label) for label in labels):
        raise SettingsError(f"{client}: '{str(raw).strip()}' is not a mail domain; write the part after the @, "
                            "such as acmedental.com")
    return text


def _country_for(setting: Any, schedule: str) -> str | None:
    if isinstance(setting, dict):
        value = setting.get(schedule)
        return str(value) if value else None
    return str(setting) if setting else None


def _zone_country(zone: str) -> str | None:
    from oncall_desktop.services.rotation.service import country_for_zone

    return country_for_zone(zone)
