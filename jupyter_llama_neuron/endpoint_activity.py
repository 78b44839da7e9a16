"""What is known about each endpoint's activity, shared by the endpoint views and the cost guard.

The cost guard observes (lists the endpoints, reads their activity in one batch) and records it here;
``EndpointService`` reads it to show idle time and deadlines. Holding it in its own object keeps the two
services from importing each other: both are handed this tracker by ``Services.create``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .backends.base import BackendFacts, Endpoint
from .idle_policy import default_idle_minutes, guard_fields
from .settings import ExtensionSettings
from .timestamps import aware, utc_now

Clock = Callable[[], datetime]


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
        )

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
