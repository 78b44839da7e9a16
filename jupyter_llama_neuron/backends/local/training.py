"""Local-mode training jobs: LoRA runs in a trainer subprocess, recorded under ``<data_dir>/local/training``.

Each job has a folder ``<data_dir>/local/training/<job>/`` with

* ``job.json`` — the record (status, secondary status, transitions, hyperparameters and their local meaning,
  dataset, pid, ...), rewritten atomically on every change;
* ``progress.jsonl`` — one ``{"step", "loss", "timestamp", "elapsed_s"}`` line per optimizer step;
* ``log.txt`` — the trainer's log messages (the UI's log tail); ``trainer.log`` — its stderr;
* ``merged/`` — the fine-tuned model, appearing complete (renamed from a temp folder) or not at all; the
  local backend deploys it for ``POST /endpoints`` with ``training_job``.

Like SageMaker, at most one job trains at a time here (a second create is a 409): two trainers on a 2-core
machine would each run at less than half speed. A job never stays InProgress after its server is gone: the
next server marks it Failed ("the Jupyter server stopped during training") and stops a trainer left behind.
Nothing here imports torch; subprocess I/O is asyncio, so the event loop never waits on training.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...atomic_files import write_json
from ...errors import ApiError, Conflict, NotFound, ServiceUnavailable
from ...prompt_template import parse_template
from ...settings import ExtensionSettings
from ...timestamps import iso, parse_time, utc_now
from ...training_rules import local_plan
from ..base import TrainingJob, TrainingRequest
from .datasets import resolve_stored_dataset
from .model_store import ModelStore, ResolvedModel
from .process import json_lines, kill_stale, launch, log_tail, signal_name, stop
from .trainer import DEFAULT_RESPONSE_MARKER, TMP_PREFIX, TRAINER_MODULE

JOB_FILE = "job.json"
PROGRESS_FILE = "progress.jsonl"
LOG_FILE = "log.txt"
STDERR_FILE = "trainer.log"
MERGED_DIR = "merged"
ACTIVE = ("InProgress", "Stopping")
LOG_TAIL_LINES = 50
STOP_GRACE_S = 30.0  # a step of SmolLM2 at batch 8 takes ~6 s; the trainer stops at once in most places
SERVER_STOPPED = "the Jupyter server stopped during training"
TRAINER_PACKAGES = ("torch", "transformers", "peft", "safetensors", "tokenizers")
PROTOCOL_LIMIT = 1024 * 1024


def response_marker(dataset_format: str, template: str | None) -> str:
    """The text after which the response starts (the prompt before it is masked); "" for domain data."""
    if dataset_format != "instruction":
        return ""
    try:
        parsed = parse_template(template)
    except ApiError:
        return DEFAULT_RESPONSE_MARKER
    for literal, name in parsed.parts:
        if name == "response":
            marker = literal.strip("\n")
            return marker if marker.strip() else DEFAULT_RESPONSE_MARKER
    return DEFAULT_RESPONSE_MARKER


class LocalTrainingJobs:
    """The local training store and the (at most one) running trainer of this server."""

    def __init__(
        self,
        settings: ExtensionSettings,
        store: ModelStore,
        display_name: Callable[[str], str],
        log: logging.Logger | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._display_name = display_name
        self._log = log or logging.getLogger("jupyter_llama_neuron")
        self._owner = owner or uuid.uuid4().hex
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._processes: dict[str, asyncio.subprocess.Process] = {}
        self._stop_requested: set[str] = set()
        self._lock: asyncio.Lock | None = None
        self._recovered = False

    # -- paths and records -----------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        return self._settings.data_dir / "local" / "training"

    @property
    def datasets_dir(self) -> Path:
        return self._settings.data_dir / "local" / "datasets"

    def job_dir(self, name: str) -> Path:
        return self.root / name

    def merged_dir(self, name: str) -> Path:
        return self.job_dir(name) / MERGED_DIR

    def _read(self, name: str) -> dict[str, Any] | None:
        try:
            data = json.loads((self.job_dir(name) / JOB_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write(self, record: dict[str, Any], *, durable: bool = True) -> None:
        record["updated_at"] = iso(utc_now())
        # atomic: never half a record
        write_json(self.job_dir(record["name"]) / JOB_FILE, record, durable=durable)

    def _update(self, name: str, **changes: Any) -> dict[str, Any] | None:
        record = self._read(name)
        if record is None:
            return None
        record.update(changes)
        self._write(record)
        return record

    @staticmethod
    def _transition(record: dict[str, Any], status: str, message: str) -> None:
        """Close the current secondary status and open ``status`` (SageMaker's SecondaryStatusTransitions)."""
        now = iso(utc_now())
        transitions = record.setdefault("transitions", [])
        if transitions and transitions[-1].get("end_time") is None:
            if transitions[-1].get("status") == status:
                transitions[-1]["message"] = message
                record["secondary_status"] = status
                return
            transitions[-1]["end_time"] = now
        transitions.append({"status": status, "start_time": now, "end_time": None, "message": message})
        record["secondary_status"] = status

    def _set_secondary(self, name: str, status: str, message: str) -> None:
        record = self._read(name)
        if record is None or record.get("owner") != self._owner:
            return
        self._transition(record, status, message)
        self._write(record)

    def _finish(
        self,
        name: str,
        status: str,
        *,
        message: str,
        failure_reason: str | None = None,
        output_model: str | None = None,
    ) -> None:
        record = self._read(name)
        # Only the server that owns the job settles it: after a restart the new server has taken it over.
        if record is None or record.get("owner") != self._owner:
            return
        self._transition(record, status, message)
        record["transitions"][-1]["end_time"] = record["transitions"][-1]["start_time"]
        record.update(
            status=status,
            failure_reason=failure_reason,
            output_model=output_model,
            ended_at=iso(utc_now()),
            pid=None,
        )
        self._write(record)
        self._append_log(name, message if failure_reason is None else f"{message}: {failure_reason}")

    def _append_log(self, name: str, message: str) -> None:
        with contextlib.suppress(OSError), (self.job_dir(name) / LOG_FILE).open("a", encoding="utf-8") as out:
            out.write(f"{utc_now():%Y-%m-%d %H:%M:%S} {message}\n")

    def _all(self) -> list[dict[str, Any]]:
        if not self.root.is_dir():
            return []
        records = []
        for folder in sorted(self.root.iterdir()):
            record = self._read(folder.name) if folder.is_dir() else None
            if record is not None:
                records.append(record)
        return records

    def _require(self, name: str) -> dict[str, Any]:
        record = self._read(name)
        if record is None:
            raise NotFound(
                f"Training job {name} does not exist.",
                hint="List the training jobs to see what was started here.",
                code="TrainingJobNotFound",
            )
        return record

    # -- views -----------------------------------------------------------------------------------------------

    def _loss(self, name: str) -> list[dict[str, Any]]:
        points: list[dict[str, Any]] = []
        try:
            with (self.job_dir(name) / PROGRESS_FILE).open(encoding="utf-8") as handle:
                for line in handle:
                    with contextlib.suppress(ValueError):
                        item = json.loads(line)
                        points.append(
                            {"step": item["step"], "loss": item["loss"], "timestamp": item["timestamp"]}
                        )
        except OSError:
            return []
        return points

    def _log_tail(self, name: str) -> list[str]:
        text = log_tail(self.job_dir(name) / LOG_FILE, LOG_TAIL_LINES, "\n")
        return text.splitlines() if text else []

    def _to_job(self, record: dict[str, Any], *, details: bool) -> TrainingJob:
        name = str(record["name"])
        output = record.get("output_model")
        return TrainingJob(
            name=name,
            status=str(record.get("status", "Failed")),
            model_id=str(record.get("model_id", "")),
            instance_type=record.get("instance_type"),
            created_at=parse_time(record.get("created_at")) or utc_now(),
            backend="local",
            hyperparameters=dict(record.get("hyperparameters") or {}),
            dataset_uri=record.get("dataset_uri"),
            secondary_status=record.get("secondary_status"),
            status_transitions=list(record.get("transitions") or []),
            failure_reason=record.get("failure_reason"),
            max_runtime_s=record.get("max_runtime_s"),
            loss=self._loss(name) if details else [],
            log_tail=self._log_tail(name) if details else [],
            output_model=str(output) if output and (Path(output) / "config.json").is_file() else None,
            client_token=record.get("client_token"),
            serving_label=str(record.get("serving_label", "")),
            started_at=parse_time(record.get("started_at")),
            ended_at=parse_time(record.get("ended_at")),
            extra={
                "local": record.get("local"),
                "pid": record.get("pid"),
                "steps_total": record.get("steps_total"),
                "last_step": record.get("last_step"),
                "base_model": record.get("base_model"),
                "result": record.get("result"),
            },
        )

    # -- public API (called by LocalBackend) -----------------------------------------------------------------

    async def list(self) -> list[TrainingJob]:
        await self._ensure_recovered()
        records = await asyncio.to_thread(self._all)
        jobs = [self._to_job(record, details=False) for record in records]
        jobs.sort(key=lambda job: job.created_at, reverse=True)
        return jobs

    async def describe(self, name: str) -> TrainingJob:
        await self._ensure_recovered()
        record = self._require(name)
        # The loss series can have thousands of lines: read it off the event loop.
        return await asyncio.to_thread(self._to_job, record, details=True)

    def resolve_dataset(self, uri: str) -> Path:
        return resolve_stored_dataset(self.datasets_dir, uri)

    async def create(self, request: TrainingRequest, resolved: ResolvedModel, base_label: str) -> TrainingJob:
        await self._ensure_recovered()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            records = await asyncio.to_thread(self._all)
            if request.client_token:
                for earlier in records:
                    if earlier.get("client_token") == request.client_token:
                        return self._to_job(earlier, details=False)  # the same create sent twice: one job
            if any(record["name"].lower() == request.name.lower() for record in records):
                raise Conflict(
                    f"A training job named {request.name} already exists.",
                    hint="Training job names cannot be reused; choose another name.",
                    code="TrainingJobExists",
                )
            running = [record for record in records if record.get("status") in ACTIVE]
            if running:
                raise Conflict(
                    f"Training job {running[0]['name']} is still {running[0]['status']}; local mode trains "
                    "one model at a time.",
                    hint="Wait for it to finish, or stop it, then start this one.",
                    code="LocalTrainingBusy",
                )
            missing = [name for name in TRAINER_PACKAGES if not _module_available(name)]
            if missing:
                raise ServiceUnavailable(
                    f"Local fine-tuning needs {', '.join(missing)}, which is not installed.",
                    hint='pip install "torch==2.13.0" "jupyter_llama_neuron[local]"',
                    code="LocalModeUnavailable",
                )
            data_path = await asyncio.to_thread(self.resolve_dataset, request.dataset_uri)
            plan = local_plan(request.hyperparameters, request.catalog_defaults)
            plan["response_marker"] = response_marker(request.dataset_format, request.template)
            now = utc_now()
            record: dict[str, Any] = {
                "name": request.name,
                "status": "InProgress",
                "secondary_status": None,
                "failure_reason": None,
                "model_id": request.model_id,
                "model_version": request.model_version,
                "instance_type": request.instance_type,  # what it would run on in SageMaker
                "hyperparameters": dict(request.hyperparameters),
                "local": plan,
                "dataset_uri": request.dataset_uri,
                "dataset_path": str(data_path),
                "dataset_format": request.dataset_format,
                "creator": request.creator,
                "client_token": request.client_token,
                "max_runtime_s": request.max_runtime_s,
                "base_model": {
                    "source": resolved.source,
                    "path": str(resolved.path),
                    "label": resolved.label,
                },
                "serving_label": f"local LoRA fine-tuning · {base_label}",
                "created_at": iso(now),
                "started_at": None,
                "ended_at": None,
                "transitions": [],
                "pid": None,
                "owner": self._owner,
                "output_model": None,
                "steps_total": plan["settings"]["max_steps"]["value"],
                "last_step": 0,
            }
            self._transition(record, "Starting", "Preparing the base model")
            await asyncio.to_thread(self._write, record)
            # Not the creator: in JupyterLab it is often a generated user id that means nothing to the reader.
            self._append_log(request.name, f"Training job {request.name} started.")
            task = asyncio.get_running_loop().create_task(
                self._run(request.name), name=f"jln-train-{request.name}"
            )
            self._tasks[request.name] = task
            task.add_done_callback(lambda _t: self._tasks.pop(request.name, None))
        return self._to_job(record, details=False)

    async def stop(self, name: str) -> TrainingJob:
        await self._ensure_recovered()
        record = self._require(name)
        status = record.get("status")
        if status == "InProgress":
            self._stop_requested.add(name)
            record["status"] = "Stopping"
            self._transition(record, "Stopping", "Stopping on request")
            self._write(record)
            self._append_log(name, "Stop requested")
            process = self._processes.get(name)
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                asyncio.get_running_loop().create_task(self._kill_later(process))
            elif name not in self._tasks:  # nothing runs it any more (should not happen): settle it now
                self._finish(name, "Stopped", message="Stopped")
        elif status != "Stopping":
            raise Conflict(
                f"Training job {name} is {status}; only a job in progress can be stopped.",
                code="TrainingJobNotRunning",
            )
        return await self.describe(name)

    async def close(self) -> None:
        """Stop the running trainer; its job is marked Failed (SERVER_STOPPED), as a restart would."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- running a job ---------------------------------------------------------------------------------------

    async def _kill_later(self, process: asyncio.subprocess.Process) -> None:
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE_S)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    async def _run(self, name: str) -> None:
        process: asyncio.subprocess.Process | None = None
        try:
            record = self._require(name)
            base = record["base_model"]
            model_dir = Path(base["path"])
            if base["source"] == "stand-in" and not self._store.stand_in_converted():
                self._set_secondary(name, "Starting", "Converting the bundled SmolLM2-135M-Instruct (once)")
                model_dir = await self._store.ensure_stand_in()
            if not (model_dir / "config.json").is_file():
                raise ServiceUnavailable(f"The base model folder {model_dir} has no config.json.")
            if name in self._stop_requested:
                self._finish(name, "Stopped", message="Stopped before training started")
                return
            process = await self._spawn(name, record, model_dir)
            self._processes[name] = process
            self._update(name, pid=process.pid, started_at=iso(utc_now()))
            self._set_secondary(name, "Training", "Loading the model and the data")
            max_runtime = record.get("max_runtime_s")
            if isinstance(max_runtime, int) and not isinstance(max_runtime, bool) and max_runtime > 0:
                # As SageMaker's StoppingCondition: a runaway job stops by itself (Stopped,
                # MaxRuntimeExceeded).
                try:
                    outcome = await asyncio.wait_for(self._read_events(name, process), max_runtime)
                except asyncio.TimeoutError:
                    await self._terminate(process)
                    self._stop_for_runtime(name, max_runtime)
                    return
            else:
                outcome = await self._read_events(name, process)
            code = await process.wait()
            self._settle(name, outcome, code)
        except asyncio.CancelledError:
            if process is not None and process.returncode is None:
                await self._terminate(process)
            self._finish(
                name,
                "Failed",
                message="Failed",
                failure_reason=SERVER_STOPPED[0].upper() + SERVER_STOPPED[1:] + ".",
            )
            raise
        except ApiError as exc:
            self._finish(name, "Failed", message="Failed", failure_reason=exc.message)
        except Exception as exc:  # anything unexpected still ends as a visible Failed status, never a hang
            self._log.exception("jupyter_llama_neuron: local training job %s failed", name)
            self._finish(name, "Failed", message="Failed", failure_reason=f"{type(exc).__name__}: {exc}")
        finally:
            self._processes.pop(name, None)
            self._stop_requested.discard(name)

    async def _spawn(self, name: str, record: dict[str, Any], model_dir: Path) -> asyncio.subprocess.Process:
        plan = record["local"]
        settings = plan["settings"]
        threads = max(1, int(self._settings.local_torch_threads))
        folder = self.job_dir(name)
        args = [
            "--model",
            str(model_dir),
            "--data",
            str(record["dataset_path"]),
            "--out",
            str(folder / MERGED_DIR),
            "--max-steps",
            str(settings["max_steps"]["value"]),
            "--learning-rate",
            repr(float(settings["learning_rate"]["value"])),
            "--batch-size",
            str(settings["per_device_train_batch_size"]["value"]),
            "--max-input-length",
            str(settings["max_input_length"]["value"]),
            "--response-marker",
            str(plan.get("response_marker", "")),
            "--threads",
            str(threads),
            f"--job={name}",
        ]
        return await launch(TRAINER_MODULE, args, threads=threads, log_path=folder / STDERR_FILE)

    async def _read_events(self, name: str, process: asyncio.subprocess.Process) -> dict[str, Any]:
        """Record progress as the trainer reports it; returns its last word (done / error / stopped)."""
        outcome: dict[str, Any] = {}
        progress_path = self.job_dir(name) / PROGRESS_FILE
        async for event in json_lines(process):
            kind = event.get("event")
            if kind == "step":
                point = {
                    "step": event.get("step"),
                    "loss": event.get("loss"),
                    "timestamp": iso(utc_now()),
                    "elapsed_s": event.get("elapsed_s"),
                }
                await _append_line(progress_path, json.dumps(point) + "\n")
                record = self._read(name)
                if record is not None and record.get("owner") == self._owner:
                    if record.get("secondary_status") == "Training" and event.get("step") == 1:
                        self._transition(record, "Training", "Training the LoRA adapters")
                    record["last_step"] = event.get("step")
                    self._write(record, durable=False)  # per step, on the event loop: no fsync
                if event.get("step") == event.get("of"):
                    self._append_log(
                        name, f"Step {event.get('step')}/{event.get('of')}: loss {event.get('loss')}"
                    )
                    if name not in self._stop_requested:
                        self._set_secondary(
                            name, "Uploading", "Merging the LoRA weights and saving the model"
                        )
            elif kind == "log":
                self._append_log(name, str(event.get("message", "")))
            elif kind in ("done", "error", "stopped"):
                outcome = event
        return outcome

    def _settle(self, name: str, outcome: dict[str, Any], code: int) -> None:
        kind = outcome.get("event")
        if kind == "done":
            merged = str(outcome.get("merged_dir") or self.merged_dir(name))
            result = {k: v for k, v in outcome.items() if k not in ("event", "merged_dir")}
            self._update(name, result=result)
            self._finish(name, "Completed", message="Training completed", output_model=merged)
        elif kind == "stopped" or name in self._stop_requested:
            self._finish(name, "Stopped", message="Stopped on request; nothing was saved")
        elif kind == "error":
            self._finish(name, "Failed", message="Failed", failure_reason=str(outcome.get("message")))
        else:
            reason = f"The trainer exited with code {code}"
            if code < 0:
                reason = f"The trainer was killed by {signal_name(code)}"
            tail = log_tail(self.job_dir(name) / STDERR_FILE, 5, " | ")
            if tail:
                reason = f"{reason}. Last log lines: {tail}"
            self._finish(name, "Failed", message="Failed", failure_reason=reason)

    def _stop_for_runtime(self, name: str, max_runtime: int) -> None:
        record = self._read(name)
        if record is None or record.get("owner") != self._owner:
            return
        message = f"Stopped: the job ran longer than its maximum runtime ({max_runtime} s); nothing was saved"
        self._transition(record, "MaxRuntimeExceeded", message)
        record["transitions"][-1]["end_time"] = record["transitions"][-1]["start_time"]
        record.update(
            status="Stopped", failure_reason=None, output_model=None, ended_at=iso(utc_now()), pid=None
        )
        self._write(record)
        self._append_log(name, message)

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        await stop(process, 10)

    # -- restart consistency ---------------------------------------------------------------------------------

    async def _ensure_recovered(self) -> None:
        """On first use: no job may stay InProgress without a trainer of this server behind it."""
        if self._recovered:
            return
        self._recovered = True
        for record in await asyncio.to_thread(self._all):
            if record.get("status") not in ACTIVE or record.get("owner") == self._owner:
                continue
            name = str(record["name"])
            self._update(name, owner=self._owner)  # take it over: the old server no longer writes to it
            pid = record.get("pid")
            if isinstance(pid, int) and pid > 0:  # its server is gone; nobody would ever use its result
                await kill_stale(pid, TRAINER_MODULE, f"--job={name}")
            if record.get("status") == "Stopping":
                self._finish(name, "Stopped", message="Stopped (the Jupyter server restarted meanwhile)")
            else:
                self._finish(
                    name,
                    "Failed",
                    message="Failed",
                    failure_reason=SERVER_STOPPED[0].upper() + SERVER_STOPPED[1:] + ".",
                )
            for debris in self.job_dir(name).glob(f"{TMP_PREFIX}{MERGED_DIR}-*"):
                shutil.rmtree(debris, ignore_errors=True)
            self._log.info("jupyter_llama_neuron: local training job %s was interrupted by a restart", name)


def _module_available(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


async def _append_line(path: Path, line: str) -> None:
    def write() -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(line)

    await asyncio.to_thread(write)


__all__ = ["LocalTrainingJobs", "local_plan", "response_marker"]
