"""What is known about each endpoint's activity, shared by the endpoint views and the cost guard.

The cost guard observes (lists the endpoints, reads their activity in one batch) and records it here;
``EndpointService`` reads it to show idle time and deadlines. Holding it in its own object keeps the two
services from importing each other: both are handed this tracker by ``Services.create``.

It also keeps when each endpoint became InService (the idle clock's start): the moment the guard first sees
it InService after seeing it Creating, or, for one already InService when first seen, its LastModifiedTime
(AWS documents no InService timestamp; see docs/aws-fidelity.md). Kept in
``<data_dir>/cost_guard_in_service.json`` so a restart does not restart the clocks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .atomic_files import write_json
from .backends.base import BackendFacts, Endpoint
from .idle_policy import default_idle_minutes, guard_fields
from .settings import ExtensionSettings
from .timestamps import aware, utc_now

Clock = Callable[[], datetime]
IN_SERVICE_FILE = "cost_guard_in_service.json"


@dataclass
class Observation:
    """One look at the endpoints and their activity."""

    at: datetime
    backend: str
    endpoints: list[Endpoint]
    activity: dict[str, datetime | None]
    window_start: datetime | None
    activity_known: bool
    training_burn: float = 0.0
    notes: list[str] = field(default_factory=list)


class ActivityTracker:
    def __init__(self, settings: ExtensionSettings, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or utc_now
        self.default_minutes = default_idle_minutes(settings)
        self.observation: Observation | None = None
        self.last_activity: dict[str, datetime] = {}  # newest invocation seen per endpoint (this server)
        self.warned_at: dict[str, datetime] = {}  # when each endpoint was first seen in warning
        self._in_service_path = settings.data_dir / IN_SERVICE_FILE
        self.in_service: dict[str, datetime] | None = None  # when each endpoint became InService
        self._pending: set[str] = set()  # seen not yet InService

    def _last_activity_of(self, endpoint: Endpoint) -> datetime | None:
        known = [
            when
            for when in (
                endpoint.last_invoked_at,
                self.last_activity.get(endpoint.name),
                (self.observation.activity.get(endpoint.name) if self.observation else None),
            )
            if when is not None
        ]
        return max((aware(when) for when in known), default=None)

    def _activity_known(self, endpoint: Endpoint, facts: BackendFacts) -> bool:
        if facts.activity_on_record:
            return True
        observation = self.observation
        return (
            observation is not None and observation.activity_known and endpoint.name in observation.activity
        )

    def fields(self, endpoint: Endpoint, facts: BackendFacts, now: datetime | None = None) -> dict[str, Any]:
        """The cost-guard fields of one endpoint's JSON (idle time, limit, deadline, warning)."""
        observation = self.observation
        return guard_fields(
            endpoint,
            default_minutes=self.default_minutes,
            known=self._activity_known(endpoint, facts),
            last_activity=self._last_activity_of(endpoint),
            window_start=observation.window_start if observation else None,
            warned_at=self.warned_at.get(endpoint.name),
            now=self.clock() if now is None else now,
            in_service_at=(self.in_service or {}).get(endpoint.name),
        )

    def _read_in_service(self) -> dict[str, datetime]:
        try:
            data = json.loads(self._in_service_path.read_text(encoding="utf-8"))
            return {str(k): aware(datetime.fromisoformat(v)) for k, v in dict(data).items()}
        except (OSError, ValueError, TypeError):
            return {}

    def _write_in_service(self, record: dict[str, str]) -> None:
        write_json(self._in_service_path, record)

    async def note_in_service(self, endpoints: list[Endpoint], now: datetime) -> None:
        """Start each endpoint's idle clock when it is first seen InService (file I/O in a thread)."""
        if self.in_service is None:
            self.in_service = await asyncio.to_thread(self._read_in_service)
        record, before = self.in_service, dict(self.in_service)
        for endpoint in endpoints:
            if endpoint.status != "InService":
                self._pending.add(endpoint.name)
            elif endpoint.name not in record:
                modified = endpoint.extra.get("last_modified_at")
                known = [aware(endpoint.created_at)] + ([aware(modified)] if modified else [])
                record[endpoint.name] = now if endpoint.name in self._pending else max(known)
                self._pending.discard(endpoint.name)
        present = {endpoint.name for endpoint in endpoints}
        for name in [name for name in record if name not in present]:
            del record[name]
        self._pending &= present
        if record != before:
            await asyncio.to_thread(self._write_in_service, {k: v.isoformat() for k, v in record.items()})

    def update_warnings(self, facts: BackendFacts, now: datetime) -> None:
        """Remember when each endpoint entered its warning period; forget those that left it."""
        observation = self.observation
        if observation is None:
            return
        for endpoint in observation.endpoints:
            if self.fields(endpoint, facts, now)["warning"]:
                self.warned_at.setdefault(endpoint.name, now)
            else:
                self.warned_at.pop(endpoint.name, None)

    def remember(self, endpoint: Endpoint) -> None:
        """Replace the observed copy of ``endpoint`` (after its settings changed)."""
        observation = self.observation
        if observation is not None:
            observation.endpoints = [
                endpoint if known.name == endpoint.name else known for known in observation.endpoints
            ]

    def forget(self, name: str) -> None:
        self.warned_at.pop(name, None)
        self.last_activity.pop(name, None)
        if self.observation is not None:
            self.observation.endpoints = [e for e in self.observation.endpoints if e.name != name]
