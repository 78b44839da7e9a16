"""A local worker killed mid-stream, through the running server: the stream ends with an error event, the
endpoint turns Failed naming the signal, its ``actions`` offer a restart, and ``POST .../restart`` brings it
back InService with the same model and configuration (the tiny model in a real worker subprocess)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.rest_client import API, MODEL_7B, accept_eula, call, local_config
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

# Generous bounds for a shared 2-core machine; the waits poll and return as soon as the state is reached.
LAUNCH_TIMEOUT_S = 300.0
FAIL_TIMEOUT_S = 60.0


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:  # noqa: F811
    return local_config(tmp_path, tiny_model_dir, MODEL_7B)


async def wait_for_status(jp_fetch: Any, name: str, until: set[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, endpoint = await call(jp_fetch, "GET", "endpoints", name)
        assert code == 200, endpoint
        if endpoint["status"] in until:
            return dict(endpoint)
        assert time.monotonic() < deadline, f"{name} is still {endpoint['status']} after {timeout} s"
        await asyncio.sleep(0.2)


def worker_pid(data_dir: Path, name: str) -> int:
    """The PID the server recorded for the endpoint's worker (its record in the local state directory)."""
    pid = json.loads((data_dir / "local" / "endpoints" / f"{name}.json").read_text())["pid"]
    assert isinstance(pid, int)
    assert pid > 0
    return pid


def sse_events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in raw.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_a_killed_worker_fails_the_stream_and_the_endpoint_restarts(
    jp_fetch: Any, llama_neuron_config: dict[str, Any]
) -> None:
    data_dir = Path(llama_neuron_config["data_dir"])
    await accept_eula(jp_fetch)
    code, created = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": "crashy"}
    )
    assert code == 202, created
    endpoint = await wait_for_status(jp_fetch, "crashy", {"InService", "Failed"}, LAUNCH_TIMEOUT_S)
    assert endpoint["status"] == "InService", endpoint
    assert endpoint["actions"] == []
    code, error = await call(jp_fetch, "POST", "endpoints", "crashy", "restart")
    assert (code, error["error"]["code"]) == (409, "EndpointNotFailed"), error
    assert "InService" in error["error"]["message"]

    # Kill the worker (SIGKILL) as soon as the first token has arrived: the stream is in flight.
    pid = worker_pid(data_dir, "crashy")
    chunks: list[str] = []

    def on_chunk(chunk: bytes) -> None:
        if not chunks:
            os.kill(pid, signal.SIGKILL)
        chunks.append(chunk.decode("utf-8"))

    response = await jp_fetch(
        *API,
        "endpoints",
        "crashy",
        "invocations",
        method="POST",
        body=json.dumps({"inputs": "Return the", "parameters": {"max_new_tokens": 400}}),
        headers={"Accept": "text/event-stream"},
        streaming_callback=on_chunk,
        request_timeout=FAIL_TIMEOUT_S,
    )
    assert response.code == 200
    events = sse_events("".join(chunks))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "token", kinds
    assert kinds[-1] == "error", kinds
    assert "done" not in kinds
    assert_matches("Error", events[-1][1])
    assert "SIGKILL" in events[-1][1]["error"]["message"]

    failed = await wait_for_status(jp_fetch, "crashy", {"Failed"}, FAIL_TIMEOUT_S)
    assert "SIGKILL" in failed["failure_reason"]
    assert failed["actions"] == ["restart"]
    code, refused = await call(jp_fetch, "POST", "endpoints", "crashy", "invocations", body={"inputs": "x"})
    assert (code, refused["error"]["code"]) == (409, "EndpointNotInService"), refused

    code, restarting = await call(jp_fetch, "POST", "endpoints", "crashy", "restart")
    assert code == 202, restarting
    assert_matches("Endpoint", restarting)
    assert (restarting["status"], restarting["failure_reason"], restarting["actions"]) == (
        "Creating",
        None,
        [],
    )
    assert restarting["config"] == endpoint["config"]
    assert restarting["created_at"] == endpoint["created_at"]
    # A second click while it comes back is refused, not a second worker.
    code, error = await call(jp_fetch, "POST", "endpoints", "crashy", "restart")
    assert (code, error["error"]["code"]) == (409, "EndpointNotFailed"), error

    back = await wait_for_status(jp_fetch, "crashy", {"InService", "Failed"}, LAUNCH_TIMEOUT_S)
    assert back["status"] == "InService", back
    assert worker_pid(data_dir, "crashy") != pid
    code, answer = await call(
        jp_fetch,
        "POST",
        "endpoints",
        "crashy",
        "invocations",
        body={"inputs": "Return the", "parameters": {"max_new_tokens": 4}},
    )
    assert code == 200, answer
    assert answer["tokens_out"] == 4
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "crashy")
    assert code == 200


async def test_restart_of_an_unknown_or_badly_named_endpoint(jp_fetch: Any) -> None:
    code, error = await call(jp_fetch, "POST", "endpoints", "nobody-home", "restart")
    assert code == 404, error
    code, error = await call(jp_fetch, "POST", "endpoints", "bad_name!", "restart")
    assert (code, error["error"]["code"]) == (400, "InvalidName"), error
