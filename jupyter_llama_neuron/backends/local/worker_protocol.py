"""The server's side of the worker protocol (JSON lines over the worker's stdin/stdout): the running process
and the requests waiting on it, the ``generate`` request built from an invocation payload, and the worker's
error events as ``ApiError``s."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ApiError, BadRequest, ServiceUnavailable, TooManyRequests, Unprocessable

# Seconds a client waits before retrying when the worker's queue is full (requests finish in seconds).
BUSY_RETRY_AFTER_S = 2


@dataclass
class WorkerProcess:
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


def generate_request(payload: Any, stream: bool) -> dict[str, Any]:
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


def worker_error(event: Mapping[str, Any]) -> ApiError:
    message = str(event.get("message") or "The local model could not answer.")
    hint = str(event.get("hint") or "")
    code = event.get("code")
    if code == "BadRequest":
        return BadRequest(message, hint=hint)
    if code == "Unprocessable":
        return Unprocessable(message, hint=hint)
    if code == "Busy":
        # The worker's queue is full: a 429 the client can retry, never a 5xx.
        return TooManyRequests(
            message,
            hint=hint or "Retry in a few seconds.",
            code="EndpointBusy",
            retry_after_s=BUSY_RETRY_AFTER_S,
        )
    return ServiceUnavailable(message, hint=hint, code="LocalGenerationFailed")
