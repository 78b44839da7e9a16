"""The server side of ``local/standby.py``: one pre-imported worker kept ready for the next deploy.

A worker started cold spends about three quarters of its start-up importing torch and transformers
(``benchmarks/bench_local_start.py``); a standby process has done that before anyone deploys. ``take`` hands
the ready one to a deploy (which sends it the load request), and ``replenish`` starts the next one in the
background once that deploy is serving, so the import does not compete with the model load for the CPU.
A standby exits when its stdin closes: it never outlives the server that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path

from .process import launch, stop

STANDBY_MODULE = "jupyter_llama_neuron.backends.local.standby"
# Importing torch and transformers takes ~3 s idle; a box busy with training can take much longer.
ANNOUNCE_TIMEOUT_S = 300.0
STOP_GRACE_S = 5.0


class StandbyPool:
    """At most one standby worker, starting or ready."""

    def __init__(self, log_path: Path, threads: int, log: logging.Logger, *, enabled: bool = True) -> None:
        self._log_path = log_path
        self._threads = max(1, threads)
        self._log = log
        self._enabled = enabled
        self._task: asyncio.Task[asyncio.subprocess.Process | None] | None = None
        self._closed = False

    @property
    def ready_pid(self) -> int | None:
        """The PID of the standby waiting for a deploy (``None`` while none is ready)."""
        task = self._task
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        process = task.result()
        return process.pid if process is not None and process.returncode is None else None

    async def wait_ready(self) -> int | None:
        """Wait for the standby being started (if any); its PID, or ``None`` when there is none."""
        task = self._task
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(task)
        return self.ready_pid

    def replenish(self) -> None:
        """Start a standby in the background unless one is already starting or ready."""
        if not self._enabled or self._closed or self._task is not None:
            return
        self._task = asyncio.get_running_loop().create_task(self._start(), name="jln-standby")

    async def take(self) -> asyncio.subprocess.Process | None:
        """The standby (waiting for one still importing: that is never slower than starting cold), or
        ``None`` when there is none or it failed: the caller then starts a worker itself."""
        task, self._task = self._task, None
        if task is None:
            return None
        try:
            process = await task
        except asyncio.CancelledError:
            raise
        except Exception:
            self._log.warning("jupyter_llama_neuron: the standby worker failed to start", exc_info=True)
            return None
        if process is None or process.returncode is not None or process.stdin is None:
            return None
        return process

    async def load(self, args: list[str], log_path: Path) -> asyncio.subprocess.Process | None:
        """Hand worker arguments (and the endpoint's log) to the standby, if there is one: the process is
        then that worker. ``None``: there is none, so the caller starts a worker cold."""
        process = await self.take()
        if process is None or process.stdin is None:
            return None
        load = {"op": "load", "argv": args, "log": str(log_path)}
        try:
            process.stdin.write((json.dumps(load) + "\n").encode())
            await process.stdin.drain()
        except (ConnectionError, RuntimeError):  # it died meanwhile
            await stop(process, STOP_GRACE_S, close_stdin=True)
            return None
        return process

    async def _start(self) -> asyncio.subprocess.Process | None:
        process = await launch(
            STANDBY_MODULE,
            ["--threads", str(self._threads)],
            threads=self._threads,
            log_path=self._log_path,
            stdin_pipe=True,
        )
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), ANNOUNCE_TIMEOUT_S)
            message = json.loads(line) if line else {}
            if not isinstance(message, dict) or message.get("event") != "standby":
                raise RuntimeError(f"unexpected first line from the standby worker: {line[:200]!r}")
        except BaseException:
            # Cancelled (the server closes) or broken: never leave it running.
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(BaseException):  # reap it before the event loop may close
                await asyncio.wait_for(process.wait(), STOP_GRACE_S)
            raise
        self._log.info(
            "jupyter_llama_neuron: standby worker %s ready (imports %.1f s)",
            process.pid,
            float(message.get("import_s") or 0.0),
        )
        return process

    async def close(self) -> None:
        """Stop the standby (closing its stdin ends it)."""
        self._closed = True
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            task.cancel()
        try:
            process = await task
        except (asyncio.CancelledError, Exception):
            return
        if process is not None:
            await stop(process, STOP_GRACE_S, close_stdin=True)
