"""The cost guard: idle time, hourly burn, and auto-delete of idle endpoints (after a warning).

An idle ml.inf2.48xlarge costs $15.58 an hour, so forgotten endpoints are the expensive mistake. The guard
runs inside the server extension as one asyncio task (``start`` at extension start, ``stop`` at shutdown);
every check is a few awaits on the backend (whose AWS calls run on its own thread pool), so the event loop
never blocks.

One check (``run_once``):

1. list our endpoints (the backend lists only what carries our managed tag / is in the local store: the
   guard can never see, let alone delete, anything this extension did not create);
2. read their activity in one batch: on SageMaker ONE CloudWatch ``GetMetricData`` (``AWS/SageMaker``
   ``Invocations``, EndpointName + VariantName=AllTraffic, Sum per minute) for all of them; in local mode
   the recorded last request time;
3. for each InService endpoint with an auto-delete limit (its own, else the server default
   ``auto_delete_idle_minutes``; 0 = never): idle since = the later of when it became InService (not its
   creation: creating takes 15-25 minutes; see ``endpoint_activity``), its last invocation;
   deletes at = the latest of idle since + limit, its keep-until, and the end of a warning period;
4. delete what is due (after re-reading its settings), through ``EndpointService.delete``, and record it in
   ``<data_dir>/cost_guard_deletions.json``.

The warning period: an endpoint is in warning once no more than ``warn_before(limit)`` remains (5 minutes
or 20 % of the limit, whichever is longer, but at most half the limit). The guard never deletes an endpoint
it has not reported in warning for that long first, so a server restart or a newly lowered limit cannot
delete anything without notice. "Keep" stores a keep-until deadline (no auto-delete before it).

The per-endpoint limit and keep-until live with the endpoint (``backends.base.AUTO_DELETE_TAG`` and
``KEEP_UNTIL_TAG`` tags on SageMaker, the record in local mode), so they survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic_files import write_json
from .backends.base import Backend, BackendFacts, Endpoint
from .billing import RUNNING_TRAINING_STATUSES, UNBILLED_STATUSES, hourly_burn
from .endpoint_activity import ActivityTracker, Clock, Observation
from .errors import ApiError, BadRequest, NotFound
from .idle_policy import (
    GUARDED_STATUSES,
    LOOKBACK_MARGIN,
    LOOKBACK_MAX,
    LOOKBACK_MIN,
    MAX_IDLE_MINUTES,
    MIN_IDLE_MINUTES,
    default_idle_minutes,
    effective_idle_minutes,
    only_fields,
    parse_idle_minutes,
    parse_keep_minutes,
)
from .resource_rules import check_resource_name
from .settings import ExtensionSettings
from .timestamps import iso

if TYPE_CHECKING:
    from .backend_selection import BackendProvider
    from .catalog import Catalog
    from .endpoint_service import EndpointService

LOG_FILE = "cost_guard_deletions.json"
LOG_KEEP = 200
LOG_SHOWN = 50


# ------------------------------------------------------------------------------------------------------------
# The deletion log


class DeletionLog:
    """``<data_dir>/cost_guard_deletions.json``: the last ``LOG_KEEP`` deletions, oldest first.

    Reads and writes run in a thread; the in-memory copy answers ``GET /cost-guard``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: list[dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []

    def _write(self, entries: list[dict[str, Any]]) -> None:
        write_json(self.path, entries)

    async def entries(self) -> list[dict[str, Any]]:
        async with self._lock:
            if self._entries is None:
                self._entries = await asyncio.to_thread(self._read)
            return list(self._entries)

    async def append(self, entry: dict[str, Any]) -> None:
        async with self._lock:
            if self._entries is None:
                self._entries = await asyncio.to_thread(self._read)
            self._entries = [*self._entries, entry][-LOG_KEEP:]
            await asyncio.to_thread(self._write, list(self._entries))


# ------------------------------------------------------------------------------------------------------------
# The guard


class CostGuard:
    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: Catalog,
        backends: BackendProvider,
        endpoints: EndpointService,
        activity: ActivityTracker,
        log: logging.Logger | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.backends = backends
        self.endpoints = endpoints
        self.activity = activity
        self.log = log or logging.getLogger("jupyter_llama_neuron")
        self.default_minutes = default_idle_minutes(settings)
        self.interval_s = max(0.01, float(settings.cost_guard_interval_s))
        self.deletions = DeletionLog(settings.data_dir / LOG_FILE)
        self._refresh_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def clock(self) -> Clock:
        return self.activity.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.activity.clock = clock

    # -- observing -------------------------------------------------------------------------------------------

    def _lookback(self, endpoints: list[Endpoint]) -> timedelta:
        limits = [
            effective_idle_minutes(endpoint.auto_delete_idle_minutes, self.default_minutes) or 0
            for endpoint in endpoints
        ]
        wanted = timedelta(minutes=max(limits, default=0)) + LOOKBACK_MARGIN
        return min(LOOKBACK_MAX, max(LOOKBACK_MIN, wanted))

    async def _training_burn(self, backend: Backend, notes: list[str]) -> float:
        if not backend.facts.bills:
            return 0.0
        try:
            jobs = await backend.list_training_jobs()
        except ApiError as err:
            notes.append(f"Training jobs could not be listed: {err.message}")
            return 0.0
        return hourly_burn(
            self.catalog.price_per_hour(job.instance_type)
            for job in jobs
            if job.status in RUNNING_TRAINING_STATUSES and job.instance_type
        )

    async def refresh(self) -> Observation:
        """List our endpoints and read their activity (one batched call); no deletion."""
        async with self._refresh_lock:
            backend = await self.backends.get()
            now = self.clock()
            endpoints = await backend.list_endpoints()
            await self.activity.note_in_service(endpoints, now)
            guarded = [endpoint for endpoint in endpoints if endpoint.status in GUARDED_STATUSES]
            start = now - self._lookback(guarded)
            notes: list[str] = []
            activity: dict[str, datetime | None] = {}
            known = True
            if guarded:
                try:
                    activity = await backend.endpoint_activity(guarded, start, now)
                except ApiError as err:
                    # Without activity nothing is deleted: an unreadable metric must not look like idleness.
                    known = False
                    notes.append(f"Endpoint activity could not be read: {err.message}")
                    self.log.warning("jupyter_llama_neuron: cost guard: %s", err.message)
            memory_of_activity = self.activity.last_activity
            for name, when in activity.items():
                if when is not None:
                    previous = memory_of_activity.get(name)
                    memory_of_activity[name] = when if previous is None else max(previous, when)
            present = {endpoint.name for endpoint in endpoints}
            for memory in (self.activity.last_activity, self.activity.warned_at):
                for name in [name for name in memory if name not in present]:
                    del memory[name]
            training_burn = await self._training_burn(backend, notes)
            self.activity.observation = Observation(
                at=now,
                backend=backend.name,
                endpoints=endpoints,
                activity=activity,
                window_start=start,
                activity_known=known,
                training_burn=training_burn,
                notes=notes,
            )
            self.activity.update_warnings(backend.facts, now)
            return self.activity.observation

    # -- acting ----------------------------------------------------------------------------------------------

    def _due(self, endpoint: Endpoint, facts: BackendFacts, now: datetime) -> dict[str, Any] | None:
        """The endpoint's fields when it is due for deletion now, else None."""
        if endpoint.name not in self.activity.warned_at:
            return None  # never delete what was not in warning (for a full warning period) first
        fields = self.activity.fields(endpoint, facts, now)
        deadline = fields["deletes_at"]
        if fields["auto_delete_idle_minutes"] is None or deadline is None:
            return None
        return fields if datetime.fromisoformat(deadline) <= now else None

    async def run_once(self) -> list[dict[str, Any]]:
        """One check: observe, then delete the endpoints that are due. Returns the deletions made."""
        observation = await self.refresh()
        facts = (await self.backends.get()).facts
        now = observation.at
        made: list[dict[str, Any]] = []
        for endpoint in list(observation.endpoints):
            if self._due(endpoint, facts, now) is None:
                continue
            entry = await self._delete_if_still_due(endpoint.name, now)
            if entry is not None:
                made.append(entry)
        return made

    async def _delete_if_still_due(self, name: str, now: datetime) -> dict[str, Any] | None:
        backend = await self.backends.get()
        try:
            # Fresh settings (another server or user may have pressed Keep meanwhile); NotFound when it is
            # gone or not ours.
            fresh = await backend.describe_endpoint(name)
        except NotFound:
            return None
        except ApiError as err:
            self.log.warning("jupyter_llama_neuron: cost guard could not re-read %s: %s", name, err.message)
            return None
        fields = self._due(fresh, backend.facts, now)
        if fields is None:
            return None
        view = self.endpoints.view(fresh, backend.facts, now)
        try:
            await self.endpoints.delete(name)
        except NotFound:
            return None
        except ApiError as err:
            self.log.warning("jupyter_llama_neuron: cost guard could not delete %s: %s", name, err.message)
            return None
        entry = {
            "endpoint": name,
            "backend": fresh.backend,
            "model_id": fresh.model_id,
            "model_display_name": view["model_display_name"],
            "instance_type": view["instance_type"],
            "price_per_hour": view["price_per_hour"],
            "created_at": view["created_at"],
            "last_activity_at": fields["last_activity_at"],
            "idle_minutes": fields["idle_minutes"],
            "auto_delete_idle_minutes": fields["auto_delete_idle_minutes"],
            "deleted_at": iso(now),
            "cost_so_far": view["cost_so_far"],
            "reason": f"No invocations for {fields['idle_minutes']:g} min "
            f"(auto-delete after {fields['auto_delete_idle_minutes']} min).",
        }
        await self.deletions.append(entry)
        self.activity.forget(name)
        self.log.warning(
            "jupyter_llama_neuron: cost guard deleted idle endpoint %s (%s)", name, entry["reason"]
        )
        return entry

    # -- REST ------------------------------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """``GET /cost-guard``; observes again when the last look is older than the check interval."""
        now = self.clock()
        observation = self.activity.observation
        if observation is None or (now - observation.at).total_seconds() >= self.interval_s:
            observation = await self.refresh()
        facts = (await self.backends.get()).facts
        views = [self.endpoints.view(endpoint, facts, now) for endpoint in observation.endpoints]
        endpoint_burn = hourly_burn(
            view["price_per_hour"] for view in views if view["status"] not in UNBILLED_STATUSES
        )
        warnings = [
            {
                "endpoint": view["name"],
                "deletes_at": view["deletes_at"],
                "idle_minutes": view["idle_minutes"],
                "auto_delete_idle_minutes": view["auto_delete_idle_minutes"],
                "price_per_hour": view["price_per_hour"],
            }
            for view in views
            if view["warning"]
        ]
        deletions = list(reversed(await self.deletions.entries()))[:LOG_SHOWN]
        return {
            "enabled": self.default_minutes > 0,
            "default_idle_minutes": self.default_minutes,
            "min_idle_minutes": MIN_IDLE_MINUTES,
            "max_idle_minutes": MAX_IDLE_MINUTES,
            "backend": observation.backend,
            "checked_at": iso(observation.at),
            "interval_s": self.interval_s,
            "activity_known": observation.activity_known,
            "notes": list(observation.notes),
            "total_hourly_burn": round(endpoint_burn + observation.training_burn, 4),
            "endpoints_hourly_burn": endpoint_burn,
            "training_hourly_burn": observation.training_burn,
            "endpoints": [
                {
                    key: view[key]
                    for key in (
                        "name",
                        "status",
                        "price_per_hour",
                        "idle_minutes",
                        "idle_capped",
                        "last_activity_at",
                        "auto_delete_idle_minutes",
                        "auto_delete_source",
                        "keep_until",
                        "deletes_at",
                        "warning",
                    )
                }
                for view in views
            ],
            "warnings": warnings,
            "deletions": deletions,
        }

    async def set_auto_delete(self, name: str, body: Any) -> dict[str, Any]:
        """``PUT /endpoints/{name}/auto-delete`` ``{"idle_minutes": int | null}`` -> the endpoint."""
        check_resource_name(name, "Endpoint name")
        values = only_fields(body, {"idle_minutes"})
        if "idle_minutes" not in values:
            raise BadRequest(
                'Send {"idle_minutes": <minutes>}, 0 for never, or null for the server default.',
                code="InvalidBody",
            )
        minutes = parse_idle_minutes(values["idle_minutes"])
        backend = await self.backends.get()
        endpoint = await backend.set_auto_delete(name, minutes)
        self.activity.remember(endpoint)
        self.activity.update_warnings(backend.facts, self.clock())
        return self.endpoints.view(endpoint, backend.facts)

    async def keep(self, name: str, body: Any) -> dict[str, Any]:
        """``POST /endpoints/{name}/keep`` ``{"minutes": int}``: no auto-delete for that long (the idle clock
        starts again). Without minutes: the endpoint's limit (or an hour)."""
        check_resource_name(name, "Endpoint name")
        values = only_fields(body, {"minutes"})
        backend = await self.backends.get()
        minutes_raw = values.get("minutes")
        if minutes_raw is None:
            current = await backend.describe_endpoint(name)
            limit = effective_idle_minutes(current.auto_delete_idle_minutes, self.default_minutes)
            minutes = limit or 60
        else:
            minutes = parse_keep_minutes(minutes_raw)
        until = self.clock() + timedelta(minutes=minutes)
        endpoint = await backend.set_keep_until(name, until)
        self.activity.warned_at.pop(name, None)
        self.activity.remember(endpoint)
        self.activity.update_warnings(backend.facts, self.clock())
        return self.endpoints.view(endpoint, backend.facts)

    @property
    def warned(self) -> dict[str, datetime]:
        """The endpoints in their warning period, and since when (a copy)."""
        return dict(self.activity.warned_at)

    # -- the periodic task -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the periodic check (the first after one interval). Needs a running event loop."""
        if self.running:
            return
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._loop(), name="jupyter-llama-neuron-cost-guard")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.run_once()
            except ApiError as err:
                self.log.warning("jupyter_llama_neuron: cost guard check failed: %s", err.message)
            except Exception:  # the guard must keep running whatever one check ran into
                self.log.exception("jupyter_llama_neuron: cost guard check failed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
