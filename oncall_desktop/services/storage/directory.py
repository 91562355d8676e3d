"""People, schedules and clients of one workspace, stored as validated JSON.

Why JSON columns: the core models own their shape (``to_dict``/``from_dict``
validate), so the store never has to be migrated when a layer gains a field.
"""
from __future__ import annotations

import json
from typing import Any

from oncall_desktop.services.storage.store import Store


class Directory:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ----------------------------------------------------------------- people
    def add_person(self, name: str, email: str = "", time_zone: str = "UTC", role: str = "tech") -> None:
        self.store.db.conn.execute(
            "INSERT INTO people (name, email, time_zone, role) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET email=excluded.email, time_zone=excluded.time_zone, role=excluded.role",
            (name, email, time_zone, role))

    def people(self) -> list[dict[str, str]]:
        return [{"name": r[0], "email": r[1], "time_zone": r[2], "role": r[3]}
                for r in self.store.db.conn.execute("SELECT name, email, time_zone, role FROM people ORDER BY name")]

    # -------------------------------------------------------------- schedules
    def save_schedule(self, schedule: Any) -> None:
        """Store a ``rotation.Schedule`` (validated by its own ``to_dict``)."""
        data = schedule.to_dict()
        self.store.db.conn.execute(
            "INSERT INTO schedules (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data=excluded.data",
            (schedule.name, json.dumps(data, sort_keys=True)))

    def schedules(self) -> list[Any]:
        from oncall_desktop.core.rotation.model import Schedule

        return [Schedule.from_dict(json.loads(r[0]))
                for r in self.store.db.conn.execute("SELECT data FROM schedules ORDER BY name")]

    # ---------------------------------------------------------------- clients
    def save_client(self, name: str, data: dict[str, Any]) -> None:
        self.store.db.conn.execute(
            "INSERT INTO clients (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data=excluded.data",
            (name, json.dumps(data, sort_keys=True)))

    def clients(self) -> dict[str, dict[str, Any]]:
        return {r[0]: json.loads(r[1]) for r in self.store.db.conn.execute("SELECT name, data FROM clients ORDER BY name")}
