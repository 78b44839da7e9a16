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
import json
import logging
import os
import re
import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ...errors import ApiError, BadRequest, Conflict, NotFound, ServiceUnavailable, Unprocessable
from ...settings import ExtensionSettings
from ...timestamps import iso, parse_time, utc_now
from ..base import (
    DeploymentConfig,
    Endpoint,
    EndpointRequest,
    InvocationResult,
)
from .model_store import ModelStore, ResolvedModel, display_name_of
from .process import json_lines, kill_stale, launch, log_tail, runs_module, signal_name, stop

# SageMaker's endpoint-name rule; names become file names here, so it also rules out path tricks.
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# Training job names follow the same rule on SageMaker.
JOB_RE = NAME_RE
ACTIVE_STATUSES = ("Creating", "InService")
WORKER_MODULE = "jupyter_llama_neuron.backends.local.worker"
# Loading the stand-in takes ~5 s (mostly `import torch`); a mapped 7B model in fp32 can take minutes.
READY_TIMEOUT_S = 900.0
STOP_GRACE_S = 5.0
# A generated_text line can be tens of KB (4096 tokens plus return_full_text); asyncio's default is 64 KiB.
STREAM_LIMIT = 16 * 1024 * 1024
LOG_TAIL_LINES = 8
T = TypeVar("T")


class CatalogLike(Protocol):
    """The part of ``catalog.Catalog`` local mode needs (a small fake satisfies it in tests)."""

    def model(self, model_id: str) -> Mapping[str, Any]: ...

    def summaries(self) -> Sequence[Mapping[str, Any]]: ...


def _minutes_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _config_of(record: Mapping[str, Any]) -> DeploymentConfig | None:
    config = record.get("config")
    if not isinstance(config, dict):
        return None
    try:
        return DeploymentConfig(**config)
    except TypeError:  # a record edited by hand or written by another version: show it without a config
        return None


@dataclass
class _Worker:
    """A running worker process and the requests waiting on it."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    ready: asyncio.Future[dict[str, Any]]
    pending: dict[str, asyncio.Queue[dict[str, Any]]] = field(default_factory=dict)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reader: asyncio.Task[None] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    fatal: str | None = None
    dead_reason: str | None = None
    stopping: bool = False

    @property
    def alive(self) -> bool:
        return self.dead_reason is None and self.process.returncode is None

    async def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        if stdin is None or not self.alive:
            raise ServiceUnavailable(self._gone_message(), code="LocalWorkerExited")
        async with self.write_lock:
            try:
                stdin.write((json.dumps(message) + "\n").encode())
                await stdin.drain()
            except (BrokenPipeError, ConnectionResetError) as exc:
                raise ServiceUnavailable(self._gone_message(), code="LocalWorkerExited") from exc

    def send_nowait(self, message: dict[str, Any]) -> None:
        """Best-effort write for cancel messages sent from ``finally`` blocks, which may not await."""
        stdin = self.process.stdin
        if stdin is None or not self.alive or stdin.is_closing():
            return
        with contextlib.suppress(Exception):
            stdin.write((json.dumps(message) + "\n").encode())

    def _gone_message(self) -> str:
        return f"The local worker for endpoint {self.name} is not running: {self.dead_reason or 'it exited'}"


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
        self._workers: dict[str, _Worker] = {}
        self._launches: dict[str, asyncio.Task[None]] = {}
        self._recovered = False
        self._recover_lock: asyncio.Lock | None = None
        self._closed = False

    # -- paths and records -----------------------------------------------------------------------------------

    @property
    def endpoints_dir(self) -> Path:
        return self._settings.data_dir / "local" / "endpoints"

    def _record_path(self, name: str) -> Path:
        return self.endpoints_dir / f"{name}.json"

    def _log_path(self, name: str) -> Path:
        return self.endpoints_dir / f"{name}.log"

    def training_model_dir(self, job: str) -> Path:
        return self._settings.data_dir / "local" / "training" / job / "merged"

    # Record files are a few hundred bytes on local disk; reading/writing them inline costs microseconds, far
    # less than a hop to a thread, so they are the one file I/O done on the event loop.

    def _read_record(self, name: str) -> dict[str, Any] | None:
        if not NAME_RE.match(name):
            return None
        try:
            data = json.loads(self._record_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_record(self, record: dict[str, Any]) -> None:
        self.endpoints_dir.mkdir(parents=True, exist_ok=True)
        path = self._record_path(record["name"])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # atomic: a reader never sees half a record

    def _update_record(
        self, name: str, *, only_if_owner: bool = False, **changes: Any
    ) -> dict[str, Any] | None:
        record = self._read_record(name)
        if record is None:
            return None  # deleted meanwhile
        if only_if_owner and record.get("owner") != self._owner:
            return None
        record.update(changes)
        record["updated_at"] = iso(utc_now())
        self._write_record(record)
        return record

    def _all_records(self) -> list[dict[str, Any]]:
        if not self.endpoints_dir.is_dir():
            return []
        records = []
        for path in sorted(self.endpoints_dir.glob("*.json")):
            record = self._read_record(path.stem)
            if record is not None:
                records.append(record)
        return records

    def _display_name(self, model_id: str) -> str:
        try:
            return display_name_of(self._catalog.model(model_id), model_id)
        except ApiError:
            return model_id

    def _to_endpoint(self, record: dict[str, Any]) -> Endpoint:
        config = _config_of(record)
        worker = self._workers.get(record["name"])
        extra: dict[str, Any] = {
            "pid": record.get("pid"),
            "model_dir": record.get("model_dir"),
            "source": record.get("source"),
            "log_path": str(self._log_path(record["name"])),
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
            auto_delete_idle_minutes=_minutes_of(record.get("auto_delete_idle_minutes")),
            keep_until=parse_time(record.get("keep_until")),
            extra=extra,
        )

    # -- Backend protocol ------------------------------------------------------------------------------------

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        await self._ensure_recovered()
        if not NAME_RE.match(request.name):
            raise BadRequest(
                f"Invalid endpoint name {request.name!r}.",
                hint="Use 1-63 letters, digits and hyphens, starting and ending with a letter or digit.",
            )
        if request.client_token:
            for record in self._all_records():
                if record.get("client_token") == request.client_token:
                    return self._to_endpoint(record)  # the same create sent twice: one endpoint
        if self._read_record(request.name) is not None:
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
        self._write_record(new_record)
        self._start_launch(request.name)
        return self._to_endpoint(new_record)

    async def list_endpoints(self) -> list[Endpoint]:
        await self._ensure_recovered()
        records = sorted(self._all_records(), key=lambda r: str(r.get("created_at", "")))
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
        worker = self._workers.pop(name, None)
        if worker is not None:
            await self._stop_worker(worker, reason=f"Endpoint {name} was deleted.")
        record = self._read_record(name)
        if record is not None and record.get("pid") and record.get("owner") != self._owner:
            await self._kill_stale(record)  # owned by a server that is gone; its worker may linger
        for path in (self._record_path(name), self._log_path(name)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

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
        request = self._generate_request(payload, stream)
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
                    self._update_record(name, last_invoked_at=iso(utc_now()))
                    yield event
                    return
                elif kind == "error":
                    finished = True
                    raise self._worker_error(event)
                else:  # "exit": the worker died with this request in flight
                    finished = True
                    raise ServiceUnavailable(
                        f"The local worker for endpoint {name} stopped while answering: "
                        f"{event.get('message')}",
                        code="LocalWorkerExited",
                        hint="The endpoint is marked Failed; delete it and deploy again.",
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
            record = self._read_record(endpoint.name)
            last = parse_time(record.get("last_invoked_at")) if record else endpoint.last_invoked_at
            found[endpoint.name] = last if last is not None and start <= last <= end else None
        return found

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        await self._ensure_recovered()
        self._require_record(name)
        record = self._update_record(name, auto_delete_idle_minutes=idle_minutes)
        return self._to_endpoint(record if record is not None else self._require_record(name))

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        await self._ensure_recovered()
        self._require_record(name)
        record = self._update_record(name, keep_until=iso(until))
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
        workers = list(self._workers.values())
        self._workers.clear()
        await asyncio.gather(
            *(self._stop_worker(w, reason="The server is shutting down.") for w in workers),
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
        record = self._read_record(name)
        if record is None:
            raise NotFound(
                f"Endpoint {name} does not exist.", hint="List the endpoints to see what is deployed."
            )
        return record

    def _require_serving(self, name: str) -> _Worker:
        record = self._require_record(name)
        status = record.get("status")
        if status != "InService":
            reason = f" ({record['failure_reason']})" if record.get("failure_reason") else ""
            raise Conflict(
                f"Endpoint {name} is {status}{reason}, not InService.",
                hint="Wait until it is InService." if status == "Creating" else "Delete it and deploy again.",
            )
        worker = self._workers.get(name)
        if worker is None or not worker.alive:
            gone = worker.dead_reason if worker is not None else None
            reason = gone or "no worker is running for it in this server"
            raise ServiceUnavailable(
                f"Endpoint {name} cannot answer: {reason}.",
                code="LocalWorkerExited",
                hint="Delete it and deploy again.",
            )
        return worker

    def _resolve_model(self, request: EndpointRequest) -> ResolvedModel:
        display = self._display_name(request.model_id)
        if request.training_job:
            if not JOB_RE.match(request.training_job):
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

    @staticmethod
    def _generate_request(payload: Any, stream: bool) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise BadRequest("The invocation body must be a JSON object {inputs, parameters}.")
        parameters = payload.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise BadRequest("parameters must be a JSON object.")
        request: dict[str, Any] = {"op": "generate", "parameters": parameters, "stream": stream}
        messages = payload.get("messages")
        inputs = payload.get("inputs")
        if messages is not None:
            # Chat requests are rendered by the worker with the served model's own chat template: the stand-in
            # was never trained on Llama 2's [INST] format.
            if not isinstance(messages, list) or not messages:
                raise BadRequest("messages must be a non-empty list of {role, content} objects.")
            request["messages"] = messages
        elif isinstance(inputs, str):
            request["inputs"] = inputs
        else:
            raise BadRequest(
                "inputs must be a string (or send chat messages).",
                hint='Example: {"inputs": "I believe the meaning of life is", '
                '"parameters": {"max_new_tokens": 64}}',
            )
        return request

    @staticmethod
    def _worker_error(event: Mapping[str, Any]) -> ApiError:
        message = str(event.get("message") or "The local model could not answer.")
        hint = str(event.get("hint") or "")
        code = event.get("code")
        if code == "BadRequest":
            return BadRequest(message, hint=hint)
        if code == "Unprocessable":
            return Unprocessable(message, hint=hint)
        if code == "Busy":
            return ServiceUnavailable(message, hint=hint, code="EndpointBusy")
        return ServiceUnavailable(message, hint=hint, code="LocalGenerationFailed")

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
                self._update_record(name, phase="converting model")
                model_dir = await self.store.ensure_stand_in()
            if not (model_dir / "config.json").is_file():
                raise ServiceUnavailable(f"The model folder {model_dir} is gone (no config.json).")
            self._update_record(name, phase="loading model")
            worker = await self._spawn(name, record, model_dir)
            try:
                ready = await asyncio.wait_for(asyncio.shield(worker.ready), READY_TIMEOUT_S)
            except asyncio.TimeoutError:
                self._workers.pop(name, None)
                await self._stop_worker(worker, reason="it did not finish loading in time")
                raise ServiceUnavailable(
                    f"The model did not finish loading within {READY_TIMEOUT_S:.0f} s."
                ) from None
            if ready.get("event") != "ready":
                raise ServiceUnavailable(str(ready.get("message") or "The worker exited while loading."))
            self._update_record(
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

    def _fail(self, name: str, reason: str) -> None:
        self._log.warning("jupyter_llama_neuron: local endpoint %s failed: %s", name, reason)
        self._update_record(
            name, only_if_owner=True, status="Failed", failure_reason=reason, phase=None, pid=None
        )

    async def _spawn(self, name: str, record: Mapping[str, Any], model_dir: Path) -> _Worker:
        config = record.get("config") or {}
        threads = max(1, int(self._settings.local_torch_threads))
        # The stand-in is stored in fp32 (bf16 is only fast on CPUs with AMX/AVX512-BF16); other folders keep
        # their own dtype, with fp16 served as bf16 by the worker.
        dtype = "float32" if record.get("source") == "stand-in" else "auto"
        args = [
            "--model",
            str(model_dir),
            "--n-positions",
            str(int(config.get("n_positions", 2048))),
            # Rolling batch size = how many generations run at once; tensor parallelism has no local meaning.
            "--concurrency",
            str(max(1, int(config.get("max_rolling_batch_size", 1)))),
            "--threads",
            str(threads),
            "--dtype",
            dtype,
            # Marks the process as this endpoint's worker, so a later server can recognise a stale one by PID.
            f"--endpoint={name}",
        ]
        log_path = self._log_path(name)
        process = await launch(WORKER_MODULE, args, threads=threads, log_path=log_path, stdin_pipe=True)
        worker = _Worker(
            name=name, process=process, log_path=log_path, ready=asyncio.get_running_loop().create_future()
        )
        self._workers[name] = worker
        self._update_record(name, pid=process.pid, owner=self._owner)
        worker.reader = asyncio.get_running_loop().create_task(self._read(worker), name=f"jln-reader-{name}")
        return worker

    async def _read(self, worker: _Worker) -> None:
        """Route every line the worker prints; when it exits, fail what was waiting and record why."""
        try:
            async for message in json_lines(worker.process):
                event = message.get("event")
                if event == "ready":
                    worker.info = message
                    if not worker.ready.done():
                        worker.ready.set_result(message)
                elif event == "fatal":
                    worker.fatal = str(message.get("message") or "the worker could not start")
                else:
                    queue = worker.pending.get(str(message.get("id")))
                    if queue is not None:
                        queue.put_nowait(message)
        finally:
            code = await worker.process.wait()
            if worker.fatal:
                reason = worker.fatal
            elif code < 0:
                reason = f"the local worker was killed by {signal_name(code)}"
            else:
                reason = f"the local worker exited with code {code}"
            tail = (
                log_tail(worker.log_path, LOG_TAIL_LINES, " | ")
                if not worker.fatal and not worker.stopping
                else ""
            )
            if tail:
                reason = f"{reason}. Last log lines: {tail}"
            worker.dead_reason = reason
            if not worker.ready.done():
                worker.ready.set_result({"event": "exit", "message": reason})
            for queue in worker.pending.values():
                queue.put_nowait({"event": "exit", "message": reason})
            if not worker.stopping and self._workers.get(worker.name) is worker:
                self._workers.pop(worker.name, None)
                record = self._read_record(worker.name)
                # Failed while loading is reported by _launch; a crash after InService is reported here.
                if record is not None and record.get("status") == "InService":
                    self._fail(worker.name, reason[0].upper() + reason[1:])

    async def _stop_worker(self, worker: _Worker, *, reason: str) -> None:
        """Close stdin (the worker cancels and exits), then terminate, then kill, each after a grace time."""
        worker.stopping = True
        await stop(worker.process, STOP_GRACE_S, close_stdin=True)
        if worker.reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(worker.reader, STOP_GRACE_S)
        worker.dead_reason = worker.dead_reason or reason

    async def _kill_stale(self, record: Mapping[str, Any]) -> None:
        """Kill a worker a previous server started for this endpoint, if it is still that process."""
        pid = record.get("pid")
        name = str(record.get("name"))
        marker = f"--endpoint={name}"
        if not isinstance(pid, int) or pid <= 0 or not runs_module(pid, WORKER_MODULE, marker):
            return
        self._log.info("jupyter_llama_neuron: stopping stale worker %s of endpoint %s", pid, name)
        await kill_stale(pid, WORKER_MODULE, marker, STOP_GRACE_S)

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
            for record in self._all_records():
                if record.get("status") not in ACTIVE_STATUSES or record["name"] in self._workers:
                    continue
                name = record["name"]
                # Take ownership first, so the old server (if it still runs at all) stops writing to it.
                self._update_record(
                    name, owner=self._owner, status="Creating", failure_reason=None, phase="restarting"
                )
                await self._kill_stale(record)
                self._update_record(name, pid=None)
                self._log.info("jupyter_llama_neuron: relaunching local endpoint %s after a restart", name)
                self._start_launch(name)
            self._recovered = True
