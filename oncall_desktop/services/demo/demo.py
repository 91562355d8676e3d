"""A believable demo MSP, so a newcomer sees the app work within a minute.

Why it lives in the product (not the tests): ``make run`` and every
screenshot start from it, and ``oncall-desktop demo`` lets a lead try the
tool before connecting a real PSA.  Seeding is idempotent: people, clients
and settings are upserted; schedules and the first tickets only when absent.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

TECHS = (
    ("Ana Souza", "ana@northwind-it.example", "tech"),
    ("Ben Okafor", "ben@northwind-it.example", "tech"),
    ("Chloé Martin", "chloe@northwind-it.example", "tech"),
    ("Dev Patel", "dev@northwind-it.example", "tech"),
    ("Erin Walsh", "erin@northwind-it.example", "lead"),
)
ME = "Ana Souza"

#: name → (tier, email domain, production systems, after-hours agreement)
CLIENTS: dict[str, dict[str, Any]] = {
    "Acme Dental": {"tier": "gold", "domains": ["acmedental.example"], "production_systems": ["practice server", "imaging"],
                    "agreement": {"multiplier": 2.0, "rounding_increment": 15, "minimum_minutes": 60}},
    "Birch & Co Solicitors": {"tier": "silver", "domains": ["birchlaw.example"], "production_systems": ["case management"],
                              "agreement": {"multiplier": 1.5, "rounding_increment": 15, "minimum_minutes": 30}},
    "Cobalt Logistics": {"tier": "gold", "domains": ["cobalt-logistics.example"],
                         "production_systems": ["warehouse scanners", "erp"],
                         "agreement": {"multiplier": 2.0, "rounding_increment": 30, "minimum_minutes": 60}},
    "Delta Veterinary": {"tier": "bronze", "domains": ["deltavet.example"], "production_systems": [],
                         "agreement": {"multiplier": 2.0, "rounding_increment": 15, "minimum_minutes": 60}},
    "Evergreen Accountants": {"tier": "silver", "domains": ["evergreen-acc.example"], "production_systems": ["file server"],
                              "agreement": {"multiplier": 1.5, "rounding_increment": 6, "minimum_minutes": 0}},
    "Foxglove Hotel": {"tier": "gold", "domains": ["foxglovehotel.example"], "production_systems": ["booking system", "pos"],
                       "agreement": {"multiplier": 2.0, "rounding_increment": 15, "minimum_minutes": 60}},
}

FIRST_TICKETS: tuple[dict[str, Any], ...] = (
    {"title": "Practice server down — reception cannot book patients", "client": "Acme Dental", "priority": 1,
     "contact": "reception@acmedental.example", "body": "Server 'ACME-SRV01' not responding since 22:40."},
    {"title": "Printer in room 2 jams", "client": "Delta Veterinary", "priority": 4,
     "contact": "vet@deltavet.example", "body": "Whenever someone is next on site is fine."},
)


def _schedules(now: datetime, zone_name: str) -> list[Any]:
    from oncall_desktop.core.rotation.model import Layer, Restriction, Schedule, TurnLength

    zone = ZoneInfo(zone_name)
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    anchor = datetime.combine(monday, time(9, 0), zone)
    if anchor > local:
        anchor -= timedelta(days=7)
    techs = [t[0] for t in TECHS if t[2] == "tech"]
    primary = Schedule(
        name="Primary", time_zone=zone_name,
        layers=(Layer("Weekly", tuple(techs), anchor, TurnLength.parse("weekly"), time(9, 0)),),
        backup="Backup", lead="Erin Walsh",
    )
    # the backup rotation runs two people behind, and only after hours
    backup_members = techs[2:] + techs[:2]
    backup = Schedule(
        name="Backup", time_zone=zone_name,
        layers=(Layer("After hours", tuple(backup_members), anchor, TurnLength.parse("weekly"), time(9, 0),
                      (Restriction.daily("17:00", "09:00"),)
                      + Restriction.on_days(["sat", "sun"], "00:00", "00:00")),),
        lead="Erin Walsh",
    )
    return [primary, backup]


def seed_demo(ws: Workspace) -> str:
    from oncall_desktop.core.tickets.tickets import Ticket
    from oncall_desktop.services.paging.ack_clock import local_zone

    now = ws.clock.now()
    directory = ws.directory_service
    zone_name = local_zone()
    with ws.store.transaction():
        for name, email, role in TECHS:
            directory.add_person(name, email, zone_name, role)
        for name, data in CLIENTS.items():
            directory.save_client(name, {**data, "calendar": {"time_zone": zone_name}})
        from oncall_desktop.services.time.billing_service import demo_clients_toml

        ws.billing.load_clients(demo_clients_toml(CLIENTS), source="demo")  # the demo's work is billable
        existing = {s.name for s in directory.schedules()}
        for schedule in _schedules(now, zone_name):
            if schedule.name not in existing:
                directory.save_schedule(schedule)
        ws.store.set_setting("me", ME)
        ws.store.set_setting("demo_feed", True)
        ws.store.set_setting("demo", True)
        ws.store.set_setting("poll_seconds", 30)
        seeded = ws.store.get_setting("demo_seeded")
        if not seeded:
            for data in FIRST_TICKETS:
                ws.book.add(Ticket(**data))
            ws.store.set_setting("demo_seeded", True)
            ws.store.log("demo.seeded", "", {"techs": len(TECHS), "clients": len(CLIENTS)})
    return (f"{len(TECHS)} techs, {len(directory.schedules())} schedules, {len(CLIENTS)} clients, "
            f"you are {ME}")
