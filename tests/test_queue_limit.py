"""A full local worker queue is a 429 with ``Retry-After`` (never a 5xx)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jupyter_llama_neuron.backends.local.worker_protocol import BUSY_RETRY_AFTER_S, worker_error
from jupyter_llama_neuron.errors import TooManyRequests

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")


def test_a_busy_worker_is_a_429_to_retry() -> None:
    err = worker_error({"event": "error", "code": "Busy", "message": "The queue is full (256 waiting)."})
    assert isinstance(err, TooManyRequests)
    assert (err.status, err.code, err.retry_after_s) == (429, "EndpointBusy", BUSY_RETRY_AFTER_S)


async def test_the_429_carries_retry_after(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def invoke(name: str, body: Any) -> Any:
        raise worker_error({"code": "Busy", "message": "The queue is full."})

    monkeypatch.setattr(llama_services.endpoints, "invoke", invoke)
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
