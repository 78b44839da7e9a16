"""Local mode: each endpoint is a worker subprocess serving a real small Llama-architecture model.

State lives in ``<data_dir>/local/endpoints/<name>.json`` (one record per endpoint, written atomically), so
the endpoints survive a JupyterLab restart the way AWS resources do: on first use a new backend relaunches the
workers of records that were Creating or InService and kills stale workers a previous server left behind.

The worker (``python -m jupyter_llama_neuron.backends.local.worker``) talks JSON lines over stdin/stdout; one
reader task per worker routes its messages to the waiting requests by id. All subprocess I/O is asyncio, so
the Jupyter event loop never waits on a model; torch and transformers are never imported into the server
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ...errors import ApiError, BadRequest, Conflict, InsufficientStorage, NotFound, ServiceUnavailable
from ...resource_rules import is_resource_name
from ...settings import ExtensionSettings
from ...timestamps import iso, parse_time, utc_now
from ..base import (
    Endpoint,
    EndpointRequest,
    InvocationResult,
)
from . import memory_budget
from .model_store import ModelStore, ResolvedModel, display_name_of
from .records import EndpointRecords, config_of, minutes_of
from .standby_pool import StandbyPool
from .worker_protocol import WorkerProcess, generate_request, worker_error
from .workers import LocalWorkers

ACTIVE_STATUSES = ("Creating", "InService")
# Loading the stand-in takes ~5 s (mostly `import torch`); a mapped 7B model in fp32 can take minutes.
READY_TIMEOUT_S = 900.0


class CatalogLike(Protocol):
    """The part of ``catalog.Catalog`` local mode needs (a small fake satisfies it in tests)."""

    def model(self, model_id: str) -> Mapping[str, Any]: ...

    def summaries(self) -> Sequence[Mapping[str, Any]]: ...


class LocalEndpoints:
    """The endpoint half of ``LocalBackend`` (see the module docstring)."""

    def __init__(
        self, settings: ExtensionSettings, catalog: CatalogLike, store: ModelStore, log: logging.Logger
    ) -> None:
        self._settings = settings
        self._catalog = catalog
        self._log = log
        self.store = store
        # Identifies this server in the records: a worker exit only changes a record this instance owns, so a
        # second server (or a restarted one) that took an endpoint over is not overwritten by the old one.
        self._owner = uuid.uuid4().hex
        self.records = EndpointRecords(self.endpoints_dir, self._owner)
        self._launches: dict[str, asyncio.Task[None]] = {}
        self._recovered = False
        self._recover_lock: asyncio.Lock | None = None
        self._closed = False
        # A pre-imported worker for the next deploy (``standby_pool``): started after the first deploy serves.
        self.standby = StandbyPool(
            self._settings.data_dir / "local" / "standby.log",
            settings.local_torch_threads,
            log,
            enabled=settings.local_standby_worker,
        )
        self.workers = LocalWorkers(settings, self.records, self.standby, log, on_crash=self._fail)

    # -- paths and records -----------------------------------------------------------------------------------

    @property
    def endpoints_dir(self) -> Path:
        return self._settings.data_dir / "local" / "endpoints"

    def training_model_dir(self, job: str) -> Path:
        return self._settings.data_dir / "local" / "training" / job / "merged"

    def _display_name(self, model_id: str) -> str:
        try:
            return display_name_of(self._catalog.model(model_id), model_id)
        except ApiError:
            return model_id

    def _to_endpoint(self, record: dict[str, Any]) -> Endpoint:
        config = config_of(record)
        worker = self.workers.get(record["name"])
        extra: dict[str, Any] = {
            "pid": record.get("pid"),
            "model_dir": record.get("model_dir"),
            "source": record.get("source"),
            "log_path": str(self.records.log_path(record["name"])),
            "phase": record.get("phase"),
            "model_version": record.get("model_version"),
        }
        if worker is not None and worker.info:
            extra["worker"] = {
                k: worker.info.get(k)
                for k in ("n_positions", "model_max_positions", "load_s", "chat_template", "dtype")
            }
        if (
            record.get("status") == "Creating"
            and record.get("source") == "stand-in"
            and self.store.converting
        ):
            extra["model_readiness"] = self.store.readiness(record.get("model_id"))
        return Endpoint(
            name=record["name"],
            status=str(record.get("status", "Failed")),
            model_id=str(record.get("model_id", "")),
            config=config,
            created_at=parse_time(record.get("created_at")) or utc_now(),
            backend="local",
            failure_reason=record.get("failure_reason"),
            training_job=record.get("training_job"),
            client_token=record.get("client_token"),
            serving_label=str(record.get("serving_label", "")),
            last_invoked_at=parse_time(record.get("last_invoked_at")),
            auto_delete_idle_minutes=minutes_of(record.get("auto_delete_idle_minutes")),
            keep_until=parse_time(record.get("keep_until")),
            extra=extra,
        )

    # -- Backend protocol ------------------------------------------------------------------------------------

    def _check_memory(self, model_dir: Path) -> None:
        """Refuse a worker that would not fit in memory (a 503 saying how many fit and what to delete)."""
        records = self.records.all()
        live = [r for r in records if r.get("status") in ("Creating", "InService", "Updating")]
        # Workers still loading have not taken their memory yet: count what they will take.
        starting = sum(
            memory_budget.worker_bytes(Path(r["model_dir"]))
            if r.get("model_dir")
            else memory_budget.DEFAULT_WORKER_BYTES
            for r in live
            if r["status"] == "Creating"
        )
        memory_budget.check_fits(
            model_dir, memory_budget.mem_available_bytes(), [str(r["name"]) for r in live], starting
        )

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        await self._ensure_recovered()
        if not is_resource_name(request.name):
            raise BadRequest(
                f"Invalid endpoint name {request.name!r}.",
                hint="Use 1-63 letters, digits and hyphens, starting and ending with a letter or digit.",
            )
        if request.client_token:
            for record in self.records.all():
                if record.get("client_token") == request.client_token:
                    return self._to_endpoint(record)  # the same create sent twice: one endpoint
        if self.records.read(request.name) is not None:
            raise Conflict(
                f"An endpoint named {request.name} already exists.",
                hint="Choose another name, or delete the existing endpoint first.",
            )
        self.store.check_serving_available()
        resolved = self._resolve_model(request)
        if resolved.source == "stand-in":
            reason = self.store.stand_in_unavailable_reason()
            if reason:
                raise ServiceUnavailable(reason, code="LocalModeUnavailable")
            self.store.check_disk_for_conversion()
        self._check_memory(resolved.path)
        now = utc_now()
        new_record: dict[str, Any] = {
            "name": request.name,
            "status": "Creating",
            "failure_reason": None,
            "model_id": request.model_id,
            "model_version": request.model_version,
            "config": request.config.to_json(),
            "creator": request.creator,
            "client_token": request.client_token,
            "training_job": request.training_job,
            "serving_label": resolved.label,
            "source": resolved.source,
            "model_dir": str(resolved.path),
            "created_at": iso(now),
            "updated_at": iso(now),
            "last_invoked_at": None,
            "auto_delete_idle_minutes": request.auto_delete_idle_minutes,
            "keep_until": None,
            "pid": None,
            "owner": self._owner,
            "phase": "queued",
        }
        self.records.write(new_record)
        self._start_launch(request.name)
        return self._to_endpoint(new_record)

    async def list_endpoints(self) -> list[Endpoint]:
        await self._ensure_recovered()
        records = sorted(self.records.all(), key=lambda r: str(r.get("created_at", "")))
        return [self._to_endpoint(record) for record in records]

    async def describe_endpoint(self, name: str) -> Endpoint:
        await self._ensure_recovered()
        return self._to_endpoint(self._require_record(name))

    async def delete_endpoint(self, name: str) -> None:
        await self._ensure_recovered()
        self._require_record(name)
        launch = self._launches.pop(name, None)
        if launch is not None and not launch.done():
            launch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await launch
        worker = self.workers.forget(name)
        if worker is not None:
            await self.workers.stop(worker, reason=f"Endpoint {name} was deleted.")
        record = self.records.read(name)
        if record is not None and record.get("pid") and record.get("owner") != self._owner:
            await self.workers.kill_stale(record)  # owned by a server that is gone; its worker may linger
        for path in (self.records.path(name), self.records.log_path(name)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    async def restart_endpoint(self, name: str) -> Endpoint:
        """A Failed endpoint (its worker crashed, was killed or could not load) gets a new worker."""
        await self._ensure_recovered()
        record = self._require_record(name)
        if record.get("status") != "Failed":
            raise Conflict(
                f"Endpoint {name} is {record.get('status')}; only a Failed endpoint can be restarted.",
                code="EndpointNotFailed",
            )
        self._check_memory(Path(str(record.get("model_dir"))))
        return self._to_endpoint(await self._relaunch(record, why="on request"))

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        done: dict[str, Any] = {}
        async with contextlib.aclosing(self.invoke_stream_events(name, payload, stream=False)) as events:
            async for event in events:
                if event["event"] == "done":
                    done = event
        return InvocationResult(
            generated_text=str(done.get("generated_text", "")),
            tokens_out=done.get("tokens_out"),
            latency_s=done.get("latency_s"),
            finish_reason=done.get("finish_reason"),
        )

    async def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncGenerator[str, None]:
        async with contextlib.aclosing(self.invoke_stream_events(name, payload, stream=True)) as events:
            async for event in events:
                if event["event"] == "token":
                    yield str(event["text"])

    async def invoke_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncGenerator[dict[str, Any], None]:
        """``Backend.invoke_events``: the worker's own events (its done event also carries the time to the
        first token and why generation ended)."""
        async with contextlib.aclosing(self.invoke_stream_events(name, payload, stream=stream)) as events:
            async for event in events:
                yield {**event, "streamed": stream} if event["event"] == "done" else event

    async def invoke_stream_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Like ``invoke_stream`` but yields the worker's events: ``{"event": "token", "text"}`` while
        generating and finally ``{"event": "done", "generated_text", "tokens_out", "finish_reason",
        "latency_s", "ttft_s", ...}``, so a streaming client also learns why generation ended (e.g.
        ``eos_immediately``). Closing the iterator early cancels the generation in the worker."""
        await self._ensure_recovered()
        worker = self._require_serving(name)
        request = generate_request(payload, stream)
        request_id = uuid.uuid4().hex
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        worker.pending[request_id] = queue
        finished = False
        try:
            await worker.send({"id": request_id, **request})
            while True:
                event = await queue.get()
                kind = event.get("event")
                if kind == "token":
                    yield event
                elif kind == "done":
                    finished = True
                    try:  # at every answer, on the event loop: no fsync (atomic_files.write_text)
                        self.records.update(name, durable=False, last_invoked_at=iso(utc_now()))
                    except InsufficientStorage as exc:  # bookkeeping must not cost the user the answer
                        self._log.warning("jupyter_llama_neuron: %s", exc.message)
                    yield event
                    return
                elif kind == "error":
                    finished = True
                    raise worker_error(event)
                else:  # "exit": the worker died with this request in flight
                    finished = True
                    raise ServiceUnavailable(
                        f"The local worker for endpoint {name} stopped while answering: "
                        f"{event.get('message')}",
                        code="LocalWorkerExited",
                        hint="The endpoint is marked Failed: restart it in Resources, or delete it and "
                        "deploy again.",
                    )
        finally:
            worker.pending.pop(request_id, None)
            if not finished:
                # The consumer went away (closed stream, cancelled request): stop spending CPU on it.
                worker.send_nowait({"id": request_id, "op": "cancel"})

    # -- cost guard ------------------------------------------------------------------------------------------

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        """The last request time each record holds (written when an invocation completes)."""
        found: dict[str, datetime | None] = {}
        for endpoint in endpoints:
            record = self.records.read(endpoint.name)
            last = parse_time(record.get("last_invoked_at")) if record else endpoint.last_invoked_at
            found[endpoint.name] = last if last is not None and start <= last <= end else None
        return found

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        await self._ensure_recovered()
        self._require_record(name)
        record = self.records.update(name, auto_delete_idle_minutes=idle_minutes)
        return self._to_endpoint(record if record is not None else self._require_record(name))

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        await self._ensure_recovered()
        self._require_record(name)
        record = self.records.update(name, keep_until=iso(until))
        return self._to_endpoint(record if record is not None else self._require_record(name))

    async def close(self) -> None:
        """Stop every worker this backend started. Records keep their status, so the next server relaunches
        the endpoints that were serving."""
        self._closed = True
        for task in list(self._launches.values()):
            task.cancel()
        for task in list(self._launches.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._launches.clear()
        await asyncio.gather(
            self.standby.close(),
            *(self.workers.stop(w, reason="The server is shutting down.") for w in self.workers.forget_all()),
            return_exceptions=True,
        )

    # -- local-mode extras -----------------------------------------------------------------------------------

    async def worker_stats(self, name: str) -> dict[str, Any]:
        """The worker's scheduler counters (running, queued, highest concurrency seen, recent outcomes)."""
        worker = self._require_serving(name)
        request_id = uuid.uuid4().hex
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        worker.pending[request_id] = queue
        try:
            await worker.send({"id": request_id, "op": "stats"})
            event = await asyncio.wait_for(queue.get(), 30)
        finally:
            worker.pending.pop(request_id, None)
        if event.get("event") != "stats":
            raise ServiceUnavailable(f"The local worker for endpoint {name} did not report its state.")
        return {k: v for k, v in event.items() if k not in ("id", "event")}

    # -- helpers ---------------------------------------------------------------------------------------------

    def _require_record(self, name: str) -> dict[str, Any]:
        record = self.records.read(name)
        if record is None:
            raise NotFound(
                f"Endpoint {name} does not exist.", hint="List the endpoints to see what is deployed."
            )
        return record

    def _require_serving(self, name: str) -> WorkerProcess:
        record = self._require_record(name)
        status = record.get("status")
        if status != "InService":
            reason = f" ({record['failure_reason']})" if record.get("failure_reason") else ""
            raise Conflict(
                f"Endpoint {name} is {status}{reason}, not InService.",
                hint="Wait until it is InService."
                if status == "Creating"
                else "Restart it in Resources, or delete it and deploy again.",
            )
        worker = self.workers.get(name)
        if worker is None or not worker.alive:
            gone = worker.dead_reason if worker is not None else None
            reason = gone or "no worker is running for it in this server"
            raise ServiceUnavailable(
                f"Endpoint {name} cannot answer: {reason}.",
                code="LocalWorkerExited",
                hint="Restart it in Resources once it shows Failed, or delete it and deploy again.",
            )
        return worker

    def _resolve_model(self, request: EndpointRequest) -> ResolvedModel:
        display = self._display_name(request.model_id)
        if request.training_job:
            if not is_resource_name(request.training_job):
                raise BadRequest(f"Invalid training job name {request.training_job!r}.")
            folder = self.training_model_dir(request.training_job)
            if not (folder / "config.json").is_file():
                raise NotFound(
                    f"Training job {request.training_job} has no fine-tuned model to deploy "
                    f"(expected {folder}).",
                    hint="Deploy it once the training job has completed; the merged model is written at "
                    "the end.",
                )
            return ResolvedModel(
                request.model_id,
                "training",
                folder,
                f"local fine-tuned model: {request.training_job} for {display}",
            )
        return self.store.resolve(request.model_id, display)

    # -- worker lifecycle ------------------------------------------------------------------------------------

    def _start_launch(self, name: str) -> None:
        task = asyncio.get_running_loop().create_task(self._launch(name), name=f"jln-launch-{name}")
        self._launches[name] = task
        task.add_done_callback(
            lambda t: self._launches.pop(name, None) if self._launches.get(name) is t else None
        )

    async def _launch(self, name: str) -> None:
        """Creating → (convert the stand-in if needed) → start the worker → InService, or Failed (reason)."""
        try:
            record = self._require_record(name)
            model_dir = Path(str(record.get("model_dir")))
            if record.get("source") == "stand-in" and not self.store.stand_in_converted():
                self.records.update(name, phase="converting model")
                model_dir = await self.store.ensure_stand_in()
            if not (model_dir / "config.json").is_file():
                raise ServiceUnavailable(f"The model folder {model_dir} is gone (no config.json).")
            self.records.update(name, phase="loading model")
            worker = await self.workers.spawn(name, record, model_dir)
            try:
                ready = await asyncio.wait_for(asyncio.shield(worker.ready), READY_TIMEOUT_S)
            except asyncio.TimeoutError:
                self.workers.forget(name)
                await self.workers.stop(worker, reason="it did not finish loading in time")
                raise ServiceUnavailable(
                    f"The model did not finish loading within {READY_TIMEOUT_S:.0f} s."
                ) from None
            if ready.get("event") != "ready":
                raise ServiceUnavailable(str(ready.get("message") or "The worker exited while loading."))
            self.records.update(
                name,
                only_if_owner=True,
                status="InService",
                failure_reason=None,
                phase="serving",
                pid=worker.process.pid,
            )
            self._log.info(
                "jupyter_llama_neuron: local endpoint %s InService (pid %s, load %.1f s)",
                name,
                worker.process.pid,
                float(ready.get("load_s") or 0.0),
            )
        except asyncio.CancelledError:
            raise
        except ApiError as exc:
            self._fail(name, exc.message)
        except Exception as exc:  # anything unexpected still ends as a visible Failed status, never a hang
            self._log.exception("jupyter_llama_neuron: launching local endpoint %s failed", name)
            self._fail(name, f"{type(exc).__name__}: {exc}")
        # Once this model is loaded (not before: two cores), get the next deploy's worker imported.
        if not self._closed:
            self.standby.replenish()

    def _fail(self, name: str, reason: str) -> None:
        self._log.warning("jupyter_llama_neuron: local endpoint %s failed: %s", name, reason)
        self.records.update(
            name, only_if_owner=True, status="Failed", failure_reason=reason, phase=None, pid=None
        )

    async def _ensure_recovered(self) -> None:
        """On first use: relaunch the endpoints a previous server left Creating/InService (their records are
        the source of truth), after stopping any of its workers that are still running."""
        if self._recovered:
            return
        if self._recover_lock is None:
            self._recover_lock = asyncio.Lock()
        async with self._recover_lock:
            if self._recovered:
                return
            for record in self.records.all():
                if record.get("status") not in ACTIVE_STATUSES or record["name"] in self.workers:
                    continue
                await self._relaunch(record, why="after a server restart")
            self._recovered = True

    async def _relaunch(self, record: Mapping[str, Any], *, why: str) -> dict[str, Any]:
        """Creating (phase "restarting") → a new worker for the same record: same model and configuration.
        The status changes before the first await, so a second relaunch of the same record sees Creating."""
        name = str(record["name"])
        # Take ownership first, so the old server (if it still runs at all) stops writing to it.
        updated = self.records.update(
            name, owner=self._owner, status="Creating", failure_reason=None, phase="restarting"
        )
        await self.workers.kill_stale(record)
        self.records.update(name, pid=None, pid_start=None)
        self._log.info("jupyter_llama_neuron: relaunching local endpoint %s %s", name, why)
        self._start_launch(name)
        return updated if updated is not None else dict(record)
