"""A full local worker queue is a 429 with ``Retry-After`` (never a 5xx), for JSON and streamed requests
alike, and every request the queue accepted completes: unit checks of the error mapping, and 50 concurrent
invocations through the real layers (Jupyter server, local backend, worker subprocess with the tiny model)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.local.worker_protocol import BUSY_RETRY_AFTER_S, worker_error
from jupyter_llama_neuron.errors import TooManyRequests
from jupyter_llama_neuron.settings import DEFAULT_LOCAL_MAX_QUEUE, ExtensionSettings

from .invocation_client import (
    BASE,
    assert_stream,
    deploy,
    invoke,
    read_response,
    send_request,
    wait_in_service,
)
from .openapi_contract import assert_matches
from .rest_client import local_config

API = ("llama-neuron", "api", "v1")
QUEUE = 8  # LlamaNeuronApp.local_max_queue for this server
BURST = 50
ENDPOINT = "tiny-queue"
# Greedy and long enough that the first rolling batch is still generating when the last of the 50 arrives
# (the tiny model makes ~1 ms steps): requests beyond 4 running + QUEUE waiting find the queue full.
BODY = {"inputs": "Return the value", "parameters": {"max_new_tokens": 400}}


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    return local_config(tmp_path, tiny_model_dir, BASE, local_max_queue=QUEUE)


def test_a_busy_worker_is_a_429_to_retry() -> None:
    err = worker_error({"event": "error", "code": "Busy", "message": "The queue is full (256 waiting)."})
    assert isinstance(err, TooManyRequests)
    assert (err.status, err.code, err.retry_after_s) == (429, "EndpointBusy", BUSY_RETRY_AFTER_S)


def test_the_queue_setting_defaults_to_the_documented_value() -> None:
    from jupyter_llama_neuron.app import LlamaNeuronApp

    trait = LlamaNeuronApp.class_traits()["local_max_queue"]
    assert trait.default_value == DEFAULT_LOCAL_MAX_QUEUE == ExtensionSettings().local_max_queue


async def test_the_429_carries_retry_after(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(name: str, body: Any) -> Any:
        raise worker_error({"code": "Busy", "message": "The queue is full."})

    monkeypatch.setattr(llama_services.endpoints, "invoke", busy)
    response = await jp_fetch(
        *API,
        "endpoints",
        "demo",
        "invocations",
        method="POST",
        body=json.dumps({"inputs": "Hi"}),
        raise_error=False,
    )
    assert response.code == 429
    assert response.headers["Retry-After"] == str(BUSY_RETRY_AFTER_S)
    body = json.loads(response.body)
    assert_matches("Error", body)
    assert body["error"]["code"] == "EndpointBusy"


@dataclass
class Answer:
    streaming: bool
    status: int
    headers: dict[str, str]
    body: Any  # the JSON body, or the list of (event, data) of a stream


async def test_fifty_concurrent_invocations_at_rolling_batch_four(
    jp_fetch: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    llama_services: Any,
) -> None:
    config = next(c for c in llama_services.catalog.precompiled(BASE) if c.max_rolling_batch_size == 4)
    await deploy(jp_fetch, BASE, ENDPOINT, config.to_json())
    await wait_in_service(jp_fetch, ENDPOINT)
    backend = await llama_services.backends.get()
    stats = await backend.worker_stats(ENDPOINT)
    assert (stats["concurrency"], stats["max_queue"]) == (4, QUEUE)  # the setting reached the worker

    async def one(streaming: bool) -> Answer:
        # Raw connections: the test client (jp_fetch) sends at most 10 requests at a time.
        accept = "text/event-stream" if streaming else "application/json"
        stream = await send_request(jp_http_port, jp_base_url, jp_auth_header, ENDPOINT, BODY, accept)
        try:
            response = await read_response(stream)
            if streaming and response.status == 200:
                return Answer(streaming, 200, response.headers, await response.all_events())
            return Answer(streaming, response.status, response.headers, json.loads(await response.body()))
        finally:
            stream.close()

    answers = await asyncio.gather(*(one(streaming=i % 2 == 1) for i in range(BURST)))

    assert not [a for a in answers if a.status >= 500], [a.body for a in answers if a.status >= 500]
    assert {a.status for a in answers} <= {200, 429}, [(a.status, a.body) for a in answers]
    refused = [a for a in answers if a.status == 429]
    accepted = [a for a in answers if a.status == 200]
    assert refused, "50 requests at rolling batch 4 with 8 waiting never filled the queue"
    assert accepted
    # Streamed requests are refused the same way, before the stream starts (never a 200 and an error event).
    assert {a.streaming for a in refused} == {True, False}
    for answer in refused:
        assert answer.headers["content-type"].startswith("application/json")
        assert int(answer.headers["retry-after"]) == BUSY_RETRY_AFTER_S >= 1
        assert_matches("Error", answer.body)
        assert answer.body["error"]["code"] == "EndpointBusy"
        assert answer.body["error"]["hint"]

    texts = set()
    for answer in accepted:
        if answer.streaming:
            assert answer.headers["content-type"].startswith("text/event-stream")
            done = assert_stream(answer.body, min_tokens=1)
        else:
            done = answer.body
            assert_matches("InvocationResult", done)
        assert done["generated_text"]
        assert done["tokens_out"] >= 1
        assert done["finish_reason"] != "cancelled"
        texts.add(done["generated_text"])
    assert len(texts) == 1, "greedy answers to one prompt must not depend on what shared the batch"

    # Every accepted request ran to the end in the worker; nothing is left running or waiting.
    stats = await backend.worker_stats(ENDPOINT)
    counts = (stats["completed"], stats["cancelled"], stats["active"], stats["queued"])
    assert counts == (len(accepted), 0, 0, 0)
    assert stats["max_active"] == 4
    # ... and the endpoint still answers.
    code, fresh = await invoke(jp_fetch, ENDPOINT, BODY)
    assert code == 200, fresh
    assert fresh["generated_text"] in texts
    print(f"{BURST} concurrent invocations: {len(accepted)} answered, {len(refused)} refused with 429")
