"""``/endpoints``: list, create (202), describe, delete, restart (202) and invoke (JSON or server-sent
events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from tornado import web
from tornado.iostream import StreamClosedError

from ..invocations import InvocationEvent
from .base import ApiHandler


class EndpointsHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.endpoints.list())

    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.endpoints.create(self.json_body(), self.username), status=202)


class EndpointHandler(ApiHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.send_json(await self.services.endpoints.describe(name))

    @web.authenticated
    async def delete(self, name: str) -> None:
        self.send_json(await self.services.endpoints.delete(name))


class EndpointRestartHandler(ApiHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.send_json(await self.services.endpoints.restart(name), status=202)


EVENT_STREAM_TYPE = "text/event-stream; charset=utf-8"


def wants_event_stream(accept: str) -> bool:
    """Whether an ``Accept`` header asks for server-sent events (``text/event-stream``, any parameters)."""
    return any(part.split(";")[0].strip().lower() == "text/event-stream" for part in accept.split(","))


class EndpointInvocationsHandler(ApiHandler):
    """JSON answer by default; with ``Accept: text/event-stream`` the answer as server-sent events
    (``event: token|fallback|done|error``, ``data: <json>``), flushed one event at a time. A client that
    disconnects cancels the generation: the streaming task is cancelled and the service's event generator is
    closed, which closes the backend stream (the local worker stops, the SageMaker stream is closed)."""

    _stream_task: asyncio.Task[None] | None = None
    _client_gone = False

    @web.authenticated
    async def post(self, name: str) -> None:
        body = self.json_body()
        if not wants_event_stream(self.request.headers.get("Accept", "")):
            self.send_json(await self.services.endpoints.invoke(name, body))
            return
        events = self.services.endpoints.invoke_events(name, body)
        # A separate task, so that a disconnect can interrupt it wherever it waits (for the model's first
        # token, or for a flush) - an async generator cannot be closed while it is running.
        task = asyncio.ensure_future(self._stream(events))
        self._stream_task = task
        if self._client_gone:  # closed while the body was being judged
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not self._client_gone:
                raise
            self.log.info("jupyter_llama_neuron: client closed the stream of %s; generation cancelled", name)

    async def _stream(self, events: AsyncGenerator[InvocationEvent, None]) -> None:
        try:
            # Validation errors come out of the first step, before any byte of the stream is sent, so they
            # still answer as ordinary JSON errors with their status. So does a full local queue: the worker
            # refuses the request before any token (a 429 with Retry-After, tests/test_queue_limit.py).
            first = await anext(events)
            self.set_status(200)
            self.set_header("Content-Type", EVENT_STREAM_TYPE)
            self.set_header("Cache-Control", "no-cache")
            self.set_header("X-Accel-Buffering", "no")  # a reverse proxy must not hold events back
            await self._send_event(*first)
            async for kind, data in events:
                await self._send_event(kind, data)
        except StreamClosedError:
            self._client_gone = True  # noticed on a write before on_connection_close ran
        finally:
            await events.aclose()
        if not self._client_gone:
            # APIHandler.finish would otherwise reset Content-Type to application/json.
            self.finish(set_content_type=EVENT_STREAM_TYPE)

    async def _send_event(self, kind: str, data: dict[str, Any]) -> None:
        self.write(f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n")
        await self.flush()

    def on_connection_close(self) -> None:
        self._client_gone = True
        if self._stream_task is not None and not self._stream_task.done():
            self._stream_task.cancel()
        super().on_connection_close()
