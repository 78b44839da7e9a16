"""``POST /endpoints/{name}/invocations`` in local mode: JSON and server-sent events, chat, cancellation when
the client leaves, and rolling-batch concurrency.

The real Jupyter server runs with every catalog id mapped to the tiny Llama (``local_model_paths``), so
workers are real subprocesses generating real tokens.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.chat_template import render_llama2

from .invocation_client import BASE, CHAT, SYSTEM_AND_QUESTION, assert_stream, deploy, invoke, wait_in_service
from .openapi_contract import assert_matches


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    """Local mode with every catalog model served by the tiny Llama."""
    ids = [str(model["id"]) for model in load_catalog().summaries()]
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {model_id: str(tiny_model_dir) for model_id in ids},
        "local_torch_threads": 1,
    }


async def test_local_streaming_json_and_chat(jp_fetch: Any, sse: Any) -> None:
    await asyncio.gather(deploy(jp_fetch, BASE, "tiny-base"), deploy(jp_fetch, CHAT, "tiny-chat"))
    await asyncio.gather(wait_in_service(jp_fetch, "tiny-base"), wait_in_service(jp_fetch, "tiny-chat"))
    prompt = {"inputs": "Return the value of", "parameters": {"max_new_tokens": 12}}

    # Streamed: several token events, then done with the worker's counts and timings.
    response = await sse("tiny-base", prompt)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    done = assert_stream(await response.all_events())
    assert done["tokens_out"] == 12
    assert done["streamed"] is True
    assert done["finish_reason"] == "length"
    assert 0 < done["ttft_s"] <= done["latency_s"]
    assert done["sagemaker_payload"] == {
        "inputs": "Return the value of",
        "parameters": {"max_new_tokens": 12},
    }
    response.close()

    # JSON: the same greedy answer in one piece.
    code, answer = await invoke(jp_fetch, "tiny-base", prompt)
    assert code == 200, answer
    assert_matches("InvocationResult", answer)
    assert (answer["generated_text"], answer["tokens_out"], answer["streamed"]) == (
        done["generated_text"],
        12,
        False,
    )
    assert answer["ttft_s"] is not None
    assert answer["ttft_s"] <= answer["latency_s"]

    # Chat to a -f model: the worker renders its own template, the payload shows Meta's Llama 2 format.
    chat = {"messages": SYSTEM_AND_QUESTION, "parameters": {"max_new_tokens": 6}}
    code, answer = await invoke(jp_fetch, "tiny-chat", chat)
    assert code == 200, answer
    assert answer["tokens_out"] == 6
    payload = answer["sagemaker_payload"]
    assert payload["inputs"].startswith("<s>[INST] <<SYS>>\nYou answer in one short sentence.\n<</SYS>>\n\n")
    assert payload == {"inputs": render_llama2(SYSTEM_AND_QUESTION), "parameters": {"max_new_tokens": 6}}
    response = await sse("tiny-chat", chat)
    chat_done = assert_stream(await response.all_events())
    assert chat_done["tokens_out"] == 6
    assert chat_done["generated_text"] == answer["generated_text"]
    response.close()

    # Chat to a base model, or a malformed chat, is refused before anything runs - also when streaming.
    code, error = await invoke(jp_fetch, "tiny-base", chat)
    assert (code, error["error"]["code"]) == (400, "NotAChatModel")
    assert "completion prompt" in error["error"]["hint"]
    assert "chat model" in error["error"]["hint"]
    response = await sse("tiny-base", chat)
    assert response.status == 400
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(await response.body())["error"]["code"] == "NotAChatModel"
    response.close()
    bad_order = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
    code, error = await invoke(jp_fetch, "tiny-chat", bad_order)
    assert code == 400
    assert "messages[1]" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "tiny-chat", {"inputs": "x", "messages": SYSTEM_AND_QUESTION})
    assert code == 400
    assert "either inputs" in error["error"]["message"]

    # A completion prompt to a chat model is fine (it is sent as it is).
    code, answer = await invoke(
        jp_fetch, "tiny-chat", {"inputs": "Hello", "parameters": {"max_new_tokens": 3}}
    )
    assert (code, answer["tokens_out"]) == (200, 3)


async def test_closing_the_stream_cancels_the_generation(
    jp_fetch: Any, sse: Any, send: Any, llama_services: Any
) -> None:
    await deploy(jp_fetch, BASE, "tiny-cancel")  # default config: rolling batch 1
    await wait_in_service(jp_fetch, "tiny-cancel")
    backend = await llama_services.backends.get()
    long_request = {"inputs": "Return the", "parameters": {"max_new_tokens": 480}}

    async def stats_when(predicate: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            stats: dict[str, Any] = await backend.worker_stats("tiny-cancel")
            if predicate(stats):
                return stats
            assert time.monotonic() < deadline, f"{what}: {stats}"
            await asyncio.sleep(0.02)

    # A is generating (the only slot); B waits in the worker's queue and has not received a single byte.
    response_a = await sse("tiny-cancel", long_request)
    assert response_a.status == 200
    events_a = response_a.events()
    kind, first = await anext(events_a)
    assert kind == "token"
    assert first["text"]
    stream_b = await send("tiny-cancel", long_request)
    await stats_when(lambda s: s["queued"] == 1, "B never reached the worker's queue")

    # B's client leaves while nothing is being written to it: only the server noticing the closed
    # connection can cancel it, and it must leave the queue at once, while A is still generating.
    stream_b.close()
    stats = await stats_when(lambda s: s["cancelled"] == 1, "the queued request outlived its client")
    assert (stats["active"], stats["queued"]) == (1, 0)
    dropped = stats["recent"][-1]
    assert (dropped["finish_reason"], dropped["tokens_out"]) == ("cancelled", 0)

    # A's client leaves mid-stream: the worker stops generating, far short of the 480 tokens asked for.
    response_a.close()
    stats = await stats_when(
        lambda s: s["cancelled"] == 2 and s["active"] == 0,
        "the generation kept running after the client left",
    )
    outcome = stats["recent"][-1]
    assert outcome["finish_reason"] == "cancelled"
    assert 0 < outcome["tokens_out"] < 480

    # With rolling batch 1 a still-running generation would hold the only slot; a new request is served.
    code, answer = await invoke(jp_fetch, "tiny-cancel", {"inputs": "x", "parameters": {"max_new_tokens": 3}})
    assert (code, answer["tokens_out"]) == (200, 3)

    # An error after the stream started arrives as an error event (here: the worker dies mid-answer).
    response = await sse("tiny-cancel", long_request)
    events = response.events()
    kind, _ = await anext(events)
    assert kind == "token"
    endpoint = await backend.describe_endpoint("tiny-cancel")
    os.kill(int(endpoint.extra["pid"]), signal.SIGKILL)
    rest = [event async for event in events]
    assert [kind for kind, _ in rest if kind != "token"] == ["error"]
    error = rest[-1][1]
    assert_matches("Error", error)
    assert error["error"]["code"] == "LocalWorkerExited"
    response.close()


async def test_twenty_concurrent_requests_at_rolling_batch_four(
    jp_fetch: Any, sse: Any, llama_services: Any
) -> None:
    config = next(c for c in llama_services.catalog.precompiled(BASE) if c.max_rolling_batch_size == 4)
    await deploy(jp_fetch, BASE, "tiny-batch", config.to_json())
    await wait_in_service(jp_fetch, "tiny-batch")
    body = {"inputs": "Return the value", "parameters": {"max_new_tokens": 32}}

    async def streamed() -> int:
        response = await sse("tiny-batch", body)
        done = assert_stream(await response.all_events())
        response.close()
        return int(done["tokens_out"])

    async def plain() -> int:
        code, answer = await invoke(jp_fetch, "tiny-batch", body)
        assert code == 200, answer
        return int(answer["tokens_out"])

    started = time.monotonic()
    results = await asyncio.gather(*(streamed() if i % 2 else plain() for i in range(20)))
    elapsed = time.monotonic() - started
    assert results == [32] * 20
    backend = await llama_services.backends.get()
    stats = await backend.worker_stats("tiny-batch")
    assert stats["max_active"] == 4  # batched, and never more than the rolling batch size
    assert (stats["completed"], stats["active"], stats["queued"]) == (20, 0, 0)
    print(f"20 x 32 tokens over HTTP (10 SSE, 10 JSON) at rolling batch 4: {elapsed:.2f} s")
