"""The worker processes that serve local endpoints: start one (through the standby pool when it has one
ready), route what it prints to the waiting requests, stop it, and recognise one a previous server left.

``LocalEndpoints`` decides when; this module owns the processes. A worker that dies on its own is reported
through ``on_crash`` so the endpoint's record turns Failed with the reason, never a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ...settings import ExtensionSettings
from .process import json_lines, kill_stale, launch, log_tail, runs_module, signal_name, start_time, stop
from .records import EndpointRecords
from .standby_pool import StandbyPool
from .worker_protocol import WorkerProcess

WORKER_MODULE = "jupyter_llama_neuron.backends.local.worker"
STOP_GRACE_S = 5.0
LOG_TAIL_LINES = 8


class LocalWorkers:
    """The running workers of this server, by endpoint name."""

    def __init__(
        self,
        settings: ExtensionSettings,
        records: EndpointRecords,
        standby: StandbyPool,
        log: logging.Logger,
        on_crash: Callable[[str, str], None],
    ) -> None:
        self._settings = settings
        self._records = records
        self._standby = standby
        self._log = log
        self._on_crash = on_crash
        self._running: dict[str, WorkerProcess] = {}

    def get(self, name: str) -> WorkerProcess | None:
        return self._running.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._running

    def forget(self, name: str) -> WorkerProcess | None:
        """Stop tracking ``name``'s worker (its exit then changes no record) and return it."""
        return self._running.pop(name, None)

    def forget_all(self) -> list[WorkerProcess]:
        workers = list(self._running.values())
        self._running.clear()
        return workers

    async def spawn(self, name: str, record: Mapping[str, Any], model_dir: Path) -> WorkerProcess:
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
            # Requests waiting beyond the rolling batch; the next one is a 429 (worker_protocol.worker_error).
            "--max-queue",
            str(max(1, int(self._settings.local_max_queue))),
            "--threads",
            str(threads),
            "--dtype",
            dtype,
            # Marks the process as this endpoint's worker, so a later server can recognise a stale one by PID.
            f"--endpoint={name}",
        ]
        log_path = self._records.log_path(name)
        process = await self._standby.load(args, log_path)
        if process is None:
            process = await launch(WORKER_MODULE, args, threads=threads, log_path=log_path, stdin_pipe=True)
        worker = WorkerProcess(
            name=name, process=process, log_path=log_path, ready=asyncio.get_running_loop().create_future()
        )
        self._running[name] = worker
        # The start time names the process even when its command line does not (a standby's): see kill_stale.
        self._records.update(
            name, pid=process.pid, pid_start=start_time(process.pid), owner=self._records.owner
        )
        worker.reader = asyncio.get_running_loop().create_task(self._read(worker), name=f"jln-reader-{name}")
        return worker

    async def _read(self, worker: WorkerProcess) -> None:
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
            if not worker.stopping and self._running.get(worker.name) is worker:
                self._running.pop(worker.name, None)
                record = self._records.read(worker.name)
                # Failed while loading is reported by the launch; a crash after InService is reported here.
                if record is not None and record.get("status") == "InService":
                    self._on_crash(worker.name, reason[0].upper() + reason[1:])

    async def stop(self, worker: WorkerProcess, *, reason: str) -> None:
        """Close stdin (the worker cancels and exits), then terminate, then kill, each after a grace time."""
        worker.stopping = True
        await stop(worker.process, STOP_GRACE_S, close_stdin=True)
        if worker.reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(worker.reader, STOP_GRACE_S)
        worker.dead_reason = worker.dead_reason or reason

    async def kill_stale(self, record: Mapping[str, Any]) -> None:
        """Kill a worker a previous server started for this endpoint, if it is still that process: the
        same PID and start time (a worker loaded in a standby has no ``--endpoint=`` on its command line),
        or, for records without a start time, the worker module and ``--endpoint=<name>`` on it."""
        pid = record.get("pid")
        started = record.get("pid_start")
        name = str(record.get("name"))
        marker = f"--endpoint={name}"
        if not isinstance(pid, int) or pid <= 0:
            return
        if isinstance(started, int):
            ours = start_time(pid) == started  # PID + start time: one process since boot
        else:
            ours = runs_module(pid, WORKER_MODULE, marker)
        if not ours:
            return
        self._log.info("jupyter_llama_neuron: stopping stale worker %s of endpoint %s", pid, name)
        await kill_stale(
            pid, WORKER_MODULE, marker, STOP_GRACE_S, started=started if isinstance(started, int) else None
        )
