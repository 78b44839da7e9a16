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
   ``auto_delete_idle_minutes``; 0 = never): idle since = the later of when it became InService, its last
   invocation (creation takes 15-25 minutes on SageMaker: counting from CreationTime would delete an endpoint
   nobody could use yet). The guard notes the moment it first sees an endpoint InService after seeing it
   Creating (kept in ``<data_dir>/cost_guard_in_service.json``); one already InService when first seen counts
   from its LastModifiedTime (AWS documents no InService timestamp);
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
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backends.base import Backend, Endpoint
from .errors import ApiError, BadRequest, NotFound
from .settings import ExtensionSettings
from .timestamps import aware, iso, utc_now

if TYPE_CHECKING:
    from .backend_selection import BackendProvider
    from .catalog import Catalog
    from .endpoint_service import EndpointService

MIN_IDLE_MINUTES = 5  # CloudWatch reports invocations a minute or two late: shorter limits are unsafe
MAX_IDLE_MINUTES = 7 * 24 * 60
MAX_KEEP_MINUTES = 7 * 24 * 60
WARN_BEFORE = timedelta(minutes=5)
WARN_FRACTION = 0.2
# How far back activity is read: the longest limit plus a margin, within these bounds.
LOOKBACK_MIN = timedelta(hours=3)
LOOKBACK_MAX = timedelta(hours=24)
LOOKBACK_MARGIN = timedelta(minutes=10)
GUARDED_STATUSES = frozenset({"InService"})
UNBILLED_STATUSES = frozenset({"Failed"})
RUNNING_TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})
LOG_FILE = "cost_guard_deletions.json"
IN_SERVICE_FILE = "cost_guard_in_service.json"
LOG_KEEP = 200
LOG_SHOWN = 50

Clock = Callable[[], datetime]
CostFields = Callable[[Endpoint, datetime], dict[str, Any]]


# ------------------------------------------------------------------------------------------------------------
# The arithmetic (pure functions)


def default_idle_minutes(settings: ExtensionSettings) -> int:
    """The server-wide limit: 0 (off) or at least ``MIN_IDLE_MINUTES``."""
    value = int(settings.auto_delete_idle_minutes or 0)
    if value <= 0:
        return 0
    return min(MAX_IDLE_MINUTES, max(MIN_IDLE_MINUTES, value))


def effective_idle_minutes(endpoint_minutes: int | None, default_minutes: int) -> int | None:
    """The endpoint's own setting wins (0 = never); without one, the server default. None = never."""
    value = default_minutes if endpoint_minutes is None else endpoint_minutes
    return value if value > 0 else None


def warn_before(limit_minutes: int) -> timedelta:
    """How long before deletion the warning starts: 5 min or 20 % of the limit (the longer), at most half."""
    limit = timedelta(minutes=limit_minutes)
    return min(limit / 2, max(WARN_BEFORE, limit * WARN_FRACTION))


def idle_since(
    created_at: datetime, last_activity: datetime | None, window_start: datetime | None
) -> tuple[datetime, bool]:
    """When the endpoint last did something, and whether that is only a lower bound.

    Without an invocation inside the activity window, all we know is "idle since at least the window
    start" (or since creation, when that is later)."""
    created = aware(created_at)
    if last_activity is not None:
        return max(created, aware(last_activity)), False
    if window_start is not None and aware(window_start) > created:
        return aware(window_start), True
    return created, False


def deletion_deadline(
    since: datetime,
    limit_minutes: int,
    keep_until: datetime | None,
    warned_at: datetime | None,
    now: datetime,
) -> datetime:
    """idle since + limit, not before keep-until, and never before a full warning period has passed."""
    deadline = since + timedelta(minutes=limit_minutes)
    if keep_until is not None:
        deadline = max(deadline, aware(keep_until))
    return max(deadline, (warned_at or now) + warn_before(limit_minutes))


def in_warning(deadline: datetime, limit_minutes: int, now: datetime) -> bool:
    return deadline - now <= warn_before(limit_minutes)


def cost_so_far(price_per_hour: float | None, seconds: float) -> float:
    return round(price_per_hour * max(0.0, seconds) / 3600.0, 4) if price_per_hour else 0.0


def hourly_burn(prices: Iterable[float | None]) -> float:
    """What everything running costs per hour (unknown prices count as 0)."""
    return round(sum(price for price in prices if price), 4)


def guard_fields(
    endpoint: Endpoint,
    *,
    default_minutes: int,
    known: bool,
    last_activity: datetime | None,
    window_start: datetime | None,
    warned_at: datetime | None,
    now: datetime,
    in_service_at: datetime | None = None,
) -> dict[str, Any]:
    """The cost-guard part of the endpoint JSON.

    ``known``: whether the endpoint's activity has been read (on SageMaker only after a guard check; local
    records always know). Unknown activity shows no idle time and no deadline - and is never acted on."""
    limit = effective_idle_minutes(endpoint.auto_delete_idle_minutes, default_minutes)
    fields: dict[str, Any] = {
        "idle_minutes": None,
        "idle_capped": False,
        "last_activity_at": iso(last_activity),
        "auto_delete_idle_minutes": limit,
        "auto_delete_source": "server" if endpoint.auto_delete_idle_minutes is None else "endpoint",
        "keep_until": iso(endpoint.keep_until),
        "deletes_at": None,
        "warning": False,
    }
    if endpoint.status not in GUARDED_STATUSES or not known:
        return fields
    since, capped = idle_since(in_service_at or endpoint.created_at, last_activity, window_start)
    fields["idle_minutes"] = round(max(0.0, (now - since).total_seconds()) / 60.0, 1)
    fields["idle_capped"] = capped
    if limit is not None:
        deadline = deletion_deadline(since, limit, endpoint.keep_until, warned_at, now)
        fields["deletes_at"] = iso(deadline)
        fields["warning"] = in_warning(deadline, limit, now)
    return fields


def unobserved_fields(settings: ExtensionSettings) -> CostFields:
    """``EndpointService``'s cost fields before a guard exists: local records know their last request."""
    default = default_idle_minutes(settings)

    def fields(endpoint: Endpoint, now: datetime) -> dict[str, Any]:
        return guard_fields(
            endpoint,
            default_minutes=default,
            known=endpoint.backend == "local",
            last_activity=endpoint.last_invoked_at,
            window_start=None,
            warned_at=None,
            now=now,
        )

    return fields


# ------------------------------------------------------------------------------------------------------------
# REST input


def parse_idle_minutes(value: Any, field_name: str = "idle_minutes") -> int | None:
    """None (the server default), 0 (never) or MIN_IDLE_MINUTES..MAX_IDLE_MINUTES; else 400."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (value != 0 and not MIN_IDLE_MINUTES <= value <= MAX_IDLE_MINUTES)
    ):
        raise BadRequest(
            f"{field_name} must be null (the server default), 0 (never) or a whole number of minutes from "
            f"{MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES}.",
            hint="For example 60: delete the endpoint after an hour without invocations.",
            code="InvalidAutoDelete",
        )
    return value


def parse_keep_minutes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_KEEP_MINUTES:
        raise BadRequest(
            f"minutes must be a whole number from 1 to {MAX_KEEP_MINUTES}.",
            hint="For example 60: keep the endpoint for at least another hour.",
            code="InvalidKeep",
        )
    return value


def _only_fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.", code="InvalidBody")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
            code="InvalidBody",
        )
    return body


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

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


class CostGuard:
    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: Catalog,
        backends: BackendProvider,
        endpoints: EndpointService,
        log: logging.Logger | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.backends = backends
        self.endpoints = endpoints
        self.log = log or logging.getLogger("jupyter_llama_neuron")
        self.clock: Clock = clock or utc_now
        self.default_minutes = default_idle_minutes(settings)
        self.interval_s = max(0.01, float(settings.cost_guard_interval_s))
        self.deletions = DeletionLog(settings.data_dir / LOG_FILE)
        self._observation: Observation | None = None
        self._last_activity: dict[str, datetime] = {}  # newest invocation seen per endpoint (this server)
        self._warned_at: dict[str, datetime] = {}  # when each endpoint was first seen in warning
        # When each endpoint became InService (the idle clock's start), and those seen not yet InService.
        self._in_service_path = settings.data_dir / IN_SERVICE_FILE
        self._in_service: dict[str, datetime] | None = None
        self._pending: set[str] = set()
        self._refresh_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        endpoints.cost_fields = self.fields

    # -- what the endpoint JSON shows ------------------------------------------------------------------------

    def _last_activity_of(self, endpoint: Endpoint) -> datetime | None:
        known = [
            when
            for when in (
                endpoint.last_invoked_at,
                self._last_activity.get(endpoint.name),
                (self._observation.activity.get(endpoint.name) if self._observation else None),
            )
            if when is not None
        ]
        return max((aware(when) for when in known), default=None)

    def _activity_known(self, endpoint: Endpoint) -> bool:
        if endpoint.backend == "local":
            return True
        observation = self._observation
        return (
            observation is not None and observation.activity_known and endpoint.name in observation.activity
        )

    def fields(self, endpoint: Endpoint, now: datetime | None = None) -> dict[str, Any]:
        """The cost-guard fields of one endpoint (``EndpointService.view`` calls this)."""
        observation = self._observation
        return guard_fields(
            endpoint,
            default_minutes=self.default_minutes,
            known=self._activity_known(endpoint),
            last_activity=self._last_activity_of(endpoint),
            window_start=observation.window_start if observation else None,
            warned_at=self._warned_at.get(endpoint.name),
            now=self.clock() if now is None else now,
            in_service_at=(self._in_service or {}).get(endpoint.name),
        )

    def _read_in_service(self) -> dict[str, datetime]:
        try:
            data = json.loads(self._in_service_path.read_text(encoding="utf-8"))
            return {str(k): aware(datetime.fromisoformat(v)) for k, v in dict(data).items()}
        except (OSError, ValueError, TypeError):
            return {}

    def _write_in_service(self, record: dict[str, str]) -> None:
        self._in_service_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._in_service_path.with_name(f".{IN_SERVICE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self._in_service_path)

    async def _note_in_service(self, endpoints: list[Endpoint], now: datetime) -> None:
        """Start each endpoint's idle clock when it is first seen InService."""
        if self._in_service is None:
            self._in_service = await asyncio.to_thread(self._read_in_service)
        record, before = self._in_service, dict(self._in_service)
        for endpoint in endpoints:
            if endpoint.status not in GUARDED_STATUSES:
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

    # -- observing -------------------------------------------------------------------------------------------

    def _lookback(self, endpoints: list[Endpoint]) -> timedelta:
        limits = [
            effective_idle_minutes(endpoint.auto_delete_idle_minutes, self.default_minutes) or 0
            for endpoint in endpoints
        ]
        wanted = timedelta(minutes=max(limits, default=0)) + LOOKBACK_MARGIN
        return min(LOOKBACK_MAX, max(LOOKBACK_MIN, wanted))

    async def _training_burn(self, backend: Backend, notes: list[str]) -> float:
        if backend.name == "local":
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
            await self._note_in_service(endpoints, now)
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
            for name, when in activity.items():
                if when is not None:
                    previous = self._last_activity.get(name)
                    self._last_activity[name] = when if previous is None else max(previous, when)
            present = {endpoint.name for endpoint in endpoints}
            for memory in (self._last_activity, self._warned_at):
                for name in [name for name in memory if name not in present]:
                    del memory[name]
            training_burn = await self._training_burn(backend, notes)
            self._observation = Observation(
                at=now,
                backend=backend.name,
                endpoints=endpoints,
                activity=activity,
                window_start=start,
                activity_known=known,
                training_burn=training_burn,
                notes=notes,
            )
            self._update_warnings(now)
            return self._observation

    def _update_warnings(self, now: datetime) -> None:
        """Remember when each endpoint entered its warning period; forget those that left it."""
        observation = self._observation
        if observation is None:
            return
        for endpoint in observation.endpoints:
            fields = self.fields(endpoint, now)
            if fields["warning"]:
                self._warned_at.setdefault(endpoint.name, now)
            else:
                self._warned_at.pop(endpoint.name, None)

    # -- acting ----------------------------------------------------------------------------------------------

    def _due(self, endpoint: Endpoint, now: datetime) -> dict[str, Any] | None:
        """The endpoint's fields when it is due for deletion now, else None."""
        if endpoint.name not in self._warned_at:
            return None  # never delete what was not in warning (for a full warning period) first
        fields = self.fields(endpoint, now)
        deadline = fields["deletes_at"]
        if fields["auto_delete_idle_minutes"] is None or deadline is None:
            return None
        return fields if datetime.fromisoformat(deadline) <= now else None

    async def run_once(self) -> list[dict[str, Any]]:
        """One check: observe, then delete the endpoints that are due. Returns the deletions made."""
        observation = await self.refresh()
        now = observation.at
        made: list[dict[str, Any]] = []
        for endpoint in list(observation.endpoints):
            if self._due(endpoint, now) is None:
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
        fields = self._due(fresh, now)
        if fields is None:
            return None
        view = self.endpoints.view(fresh, now)
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
        self._warned_at.pop(name, None)
        self._last_activity.pop(name, None)
        if self._observation is not None:
            self._observation.endpoints = [e for e in self._observation.endpoints if e.name != name]
        self.log.warning(
            "jupyter_llama_neuron: cost guard deleted idle endpoint %s (%s)", name, entry["reason"]
        )
        return entry

    # -- REST ------------------------------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """``GET /cost-guard``; observes again when the last look is older than the check interval."""
        now = self.clock()
        observation = self._observation
        if observation is None or (now - observation.at).total_seconds() >= self.interval_s:
            observation = await self.refresh()
        views = [self.endpoints.view(endpoint, now) for endpoint in observation.endpoints]
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

    def _remember(self, endpoint: Endpoint) -> None:
        observation = self._observation
        if observation is not None:
            observation.endpoints = [
                endpoint if known.name == endpoint.name else known for known in observation.endpoints
            ]

    async def set_auto_delete(self, name: str, body: Any) -> dict[str, Any]:
        """``PUT /endpoints/{name}/auto-delete`` ``{"idle_minutes": int | null}`` -> the endpoint."""
        from .endpoint_service import check_resource_name

        check_resource_name(name, "Endpoint name")
        values = _only_fields(body, {"idle_minutes"})
        if "idle_minutes" not in values:
            raise BadRequest(
                'Send {"idle_minutes": <minutes>}, 0 for never, or null for the server default.',
                code="InvalidBody",
            )
        minutes = parse_idle_minutes(values["idle_minutes"])
        backend = await self.backends.get()
        endpoint = await backend.set_auto_delete(name, minutes)
        self._remember(endpoint)
        self._update_warnings(self.clock())
        return self.endpoints.view(endpoint)

    async def keep(self, name: str, body: Any) -> dict[str, Any]:
        """``POST /endpoints/{name}/keep`` ``{"minutes": int}``: no auto-delete for that long (the idle clock
        starts again). Without minutes: the endpoint's limit (or an hour)."""
        from .endpoint_service import check_resource_name

        check_resource_name(name, "Endpoint name")
        values = _only_fields(body, {"minutes"})
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
        self._warned_at.pop(name, None)
        self._remember(endpoint)
        self._update_warnings(self.clock())
        return self.endpoints.view(endpoint)

    @property
    def warned(self) -> dict[str, datetime]:
        """The endpoints in their warning period, and since when (a copy)."""
        return dict(self._warned_at)

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
