"""The invocation route as the invocation tests' client sees it: JSON calls through ``jp_fetch``, server-sent
events read with a raw Tornado TCP client (which also lets a test drop the connection mid-stream), deploying
and waiting for InService, and the ``send``/``sse`` fixtures (plugged in by conftest)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse
from tornado.iostream import IOStream
from tornado.tcpclient import TCPClient

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")
BASE = "meta-textgenerationneuron-llama-2-7b"
CHAT = "meta-textgenerationneuron-llama-2-7b-f"
SYSTEM_AND_QUESTION = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]
Event = tuple[str, dict[str, Any]]


async def call(
    jp_fetch: Any, method: str, *path: str, body: Any = None, raw: str | None = None
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False, "request_timeout": 120}
    if raw is not None:
        kwargs["body"] = raw
    elif body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def invoke(jp_fetch: Any, name: str, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "endpoints", name, "invocations", body=body, raw=raw)


async def deploy(jp_fetch: Any, model_id: str, name: str, config: dict[str, Any] | None = None) -> None:
    code, record = await call(jp_fetch, "POST", "models", model_id, "eula", body={"accept": True})
    assert code == 200, record
    body: dict[str, Any] = {"model_id": model_id, "endpoint_name": name}
    if config is not None:
        body["config"] = config
    code, created = await call(jp_fetch, "POST", "endpoints", body=body)
    assert code == 202, created


async def wait_in_service(jp_fetch: Any, name: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, endpoint = await call(jp_fetch, "GET", "endpoints", name)
        assert code == 200, endpoint
        if endpoint["status"] == "InService":
            return dict(endpoint)
        assert endpoint["status"] == "Creating", endpoint
        assert time.monotonic() < deadline, f"{name} is still {endpoint['status']}"
        await asyncio.sleep(0.2)


class SseResponse:
    """One HTTP/1.1 response read straight off the socket (chunked or Content-Length)."""

    def __init__(self, stream: IOStream, status: int, headers: dict[str, str]) -> None:
        self.stream = stream
        self.status = status
        self.headers = headers
        self._buffer = b""
        self._ended = False

    async def _chunk(self) -> bytes:
        if self._ended:
            return b""
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            self._ended = True
            length = int(self.headers.get("content-length", "0"))
            return await self.stream.read_bytes(length) if length else b""
        size = int((await self.stream.read_until(b"\r\n")).strip().split(b";")[0], 16)
        if size == 0:
            await self.stream.read_until(b"\r\n")
            self._ended = True
            return b""
        return (await self.stream.read_bytes(size + 2))[:-2]

    async def body(self) -> bytes:
        parts = [self._buffer]
        while chunk := await self._chunk():
            parts.append(chunk)
        self._buffer = b""
        return b"".join(parts)

    async def events(self) -> AsyncIterator[Event]:
        while True:
            while b"\n\n" not in self._buffer:
                chunk = await self._chunk()
                if not chunk:
                    assert not self._buffer.strip(), f"unterminated event: {self._buffer!r}"
                    return
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\n\n", 1)
            fields = dict(line.split(": ", 1) for line in raw.decode().split("\n"))
            assert set(fields) == {"event", "data"}, raw
            yield fields["event"], json.loads(fields["data"])

    async def all_events(self) -> list[Event]:
        return [event async for event in self.events()]

    def close(self) -> None:
        self.stream.close()


async def send_request(
    port: int, base_url: str, auth: dict[str, str], name: str, body: Any, accept: str = "text/event-stream"
) -> IOStream:
    """Write the request and return the open connection, without waiting for the answer."""
    stream = await TCPClient().connect("127.0.0.1", port)
    payload = json.dumps(body).encode()
    path = f"{base_url.rstrip('/')}/{'/'.join(API)}/endpoints/{name}/invocations"
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Accept: {accept}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        *(f"{key}: {value}" for key, value in auth.items()),
        "",
        "",
    ]
    await stream.write("\r\n".join(head).encode() + payload)
    return stream


async def read_response(stream: IOStream) -> SseResponse:
    lines = (await stream.read_until(b"\r\n\r\n")).decode().split("\r\n")
    status = int(lines[0].split()[1])
    pairs = (line.split(":", 1) for line in lines[1:] if line)
    return SseResponse(stream, status, {key.strip().lower(): value.strip() for key, value in pairs})


@pytest.fixture
def send(jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]) -> Any:
    async def send_only(name: str, body: Any, accept: str = "text/event-stream") -> IOStream:
        return await send_request(jp_http_port, jp_base_url, jp_auth_header, name, body, accept)

    return send_only


@pytest.fixture
def sse(send: Any) -> Any:
    async def open_stream(name: str, body: Any, accept: str = "text/event-stream") -> SseResponse:
        return await read_response(await send(name, body, accept))

    return open_stream


def assert_stream(events: list[Event], *, min_tokens: int = 2) -> dict[str, Any]:
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done", kinds
    assert kinds.count("done") == 1, kinds
    assert "error" not in kinds, kinds
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert len(tokens) >= min_tokens, kinds
    for kind, data in events:
        if kind == "token":
            assert_matches("InvocationTokenEvent", data)
    done = events[-1][1]
    assert_matches("InvocationResult", done)
    assert done["generated_text"] == "".join(tokens)
    return done
