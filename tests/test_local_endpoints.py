"""A local endpoint with the tiny from-scratch Llama: deploy, invoke, stream, stop strings, context length,
bad payloads, delete, rolling-batch concurrency and cancellation, and deploying a training job's model.

Each deploy starts a real worker subprocess (about 5 s on 2 CPUs, mostly ``import torch``), so the checks that
need one are grouped to keep the number of launches small.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.errors import BadRequest, Conflict, NotFound, Unprocessable
from tests.local_backend_helpers import (
    BASE_ID,
    FakeCatalog,
    config,
    make_settings,
    pid_alive,
    request,
    wait_for_status,
    wait_until,
)
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)


@pytest.fixture
async def backend(tmp_path: Path, tiny_model_dir: Path) -> AsyncIterator[LocalBackend]:  # noqa: F811
    local = LocalBackend(make_settings(tmp_path, tiny_model_dir), FakeCatalog())
    yield local
    await local.close()


async def test_deploy_invoke_stream_and_delete(backend: LocalBackend, tiny_model_dir: Path) -> None:  # noqa: F811
    created = await backend.create_endpoint(request("tiny-1", client_token="tok-1"))
    assert created.status == "Creating"
    assert created.backend == "local"
    assert created.serving_label == "local model: model for Llama-2-7b (Neuron)"
    assert created.config == config()
    record_path = backend.endpoints_dir / "tiny-1.json"
    record = json.loads(record_path.read_text())
    assert record["status"] == "Creating"
    assert record["model_id"] == BASE_ID
    assert record["client_token"] == "tok-1"
    assert record["config"]["max_rolling_batch_size"] == 4
    assert record["serving_label"] == created.serving_label

    # Not serving yet: 409, and the same create twice (same client token) is one endpoint.
    with pytest.raises(Conflict, match="Creating"):
        await backend.invoke("tiny-1", {"inputs": "Return the"})
    again = await backend.create_endpoint(request("tiny-1-retry", client_token="tok-1"))
    assert again.name == "tiny-1"
    with pytest.raises(Conflict, match="already exists"):
        await backend.create_endpoint(request("tiny-1"))

    started = time.monotonic()
    ready = await wait_for_status(backend, "tiny-1", "InService")
    launch_s = time.monotonic() - started
    pid = ready.extra["pid"]
    assert isinstance(pid, int)
    assert pid_alive(pid)
    assert ready.extra["worker"]["n_positions"] == 512
    assert [e.name for e in await backend.list_endpoints()] == ["tiny-1"]

    # Greedy decoding is deterministic, and the untrained model never emits EOS (see tiny_model.py).
    result = await backend.invoke("tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24}})
    assert result.tokens_out == 24
    assert result.finish_reason == "length"
    assert result.generated_text
    assert result.latency_s is not None
    assert result.latency_s > 0
    same = await backend.invoke("tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24}})
    assert same.generated_text == result.generated_text

    # Streaming yields the same text in pieces, and the last event says why it ended.
    chunks = [
        c
        async for c in backend.invoke_stream(
            "tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24}}
        )
    ]
    assert "".join(chunks) == result.generated_text
    events = [
        e
        async for e in backend.invoke_stream_events(
            "tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24}}
        )
    ]
    assert events[-1]["event"] == "done"
    assert events[-1]["finish_reason"] == "length"
    assert events[-1]["ttft_s"] is not None
    assert events[-1]["ttft_s"] < events[-1]["latency_s"]

    # A stop string taken from the known output cuts the answer right before it.
    text = result.generated_text
    stop = text[len(text) // 2 : len(text) // 2 + 3]
    if stop.strip():
        cut = await backend.invoke(
            "tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24, "stop": [stop]}}
        )
        assert cut.finish_reason == "stop_sequence"
        assert cut.generated_text == text[: text.find(stop)]

    full = await backend.invoke(
        "tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 24, "return_full_text": True}}
    )
    assert full.generated_text == "Return the" + result.generated_text

    # Chat messages are rendered with the served model's own chat template.
    chat = await backend.invoke(
        "tiny-1",
        {
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
            "parameters": {"max_new_tokens": 8},
        },
    )
    assert chat.tokens_out == 8

    # The context length (n_positions=512) caps prompt + new tokens.
    capped = [
        e
        async for e in backend.invoke_stream_events(
            "tiny-1", {"inputs": "Return the", "parameters": {"max_new_tokens": 5000}}, stream=False
        )
    ][-1]
    assert capped["capped_by_context"] is True
    assert capped["prompt_tokens"] + capped["tokens_out"] == 512
    with pytest.raises(Unprocessable, match="n_positions") as info:
        await backend.invoke("tiny-1", {"inputs": "the " * 600})
    assert "truncate" in info.value.hint
    truncated = await backend.invoke(
        "tiny-1", {"inputs": "the " * 600, "parameters": {"truncate": 100, "max_new_tokens": 4}}
    )
    assert truncated.tokens_out == 4

    # Bad payloads get a 400 from the backend or the worker, and the worker keeps serving.
    with pytest.raises(BadRequest, match="inputs must be a string"):
        await backend.invoke("tiny-1", {"inputs": 42})
    with pytest.raises(BadRequest, match="Unknown inference parameter"):
        await backend.invoke("tiny-1", {"inputs": "x", "parameters": {"max_tokens": 3}})
    with pytest.raises(BadRequest, match="messages"):
        await backend.invoke("tiny-1", {"messages": [{"role": "robot", "content": "hi"}]})
    assert (
        await backend.invoke("tiny-1", {"inputs": "x", "parameters": {"max_new_tokens": 2}})
    ).tokens_out == 2

    described = await backend.describe_endpoint("tiny-1")
    assert described.last_invoked_at is not None
    assert described.status == "InService"

    await backend.delete_endpoint("tiny-1")
    assert not record_path.exists()
    await wait_until(lambda: not pid_alive(pid), timeout=10)
    with pytest.raises(NotFound):
        await backend.describe_endpoint("tiny-1")
    with pytest.raises(NotFound):
        await backend.delete_endpoint("tiny-1")
    assert await backend.list_endpoints() == []
    print(f"tiny model: deploy → InService in {launch_s:.1f} s")


async def test_rolling_batch_bounds_concurrency_and_cancel_stops_a_stream(backend: LocalBackend) -> None:
    await backend.create_endpoint(request("tiny-batch", config=config(512, 4)))
    await wait_for_status(backend, "tiny-batch", "InService")

    # 20 requests at once against max_rolling_batch_size=4: all complete, never more than 4 at a time.
    started = time.monotonic()
    results = await asyncio.gather(
        *(
            backend.invoke(
                "tiny-batch", {"inputs": f"Return the value {i}", "parameters": {"max_new_tokens": 32}}
            )
            for i in range(20)
        )
    )
    elapsed = time.monotonic() - started
    assert [r.tokens_out for r in results] == [32] * 20
    stats = await backend.worker_stats("tiny-batch")
    assert stats["max_active"] == 4
    assert stats["completed"] == 20
    assert stats["active"] == 0
    assert stats["queued"] == 0
    print(
        f"tiny model: 20 x 32 tokens at rolling batch 4 in {elapsed:.2f} s ({640 / elapsed:.0f} tok/s in all)"
    )

    # Closing a stream early cancels the generation in the worker.
    stream = backend.invoke_stream(
        "tiny-batch", {"inputs": "Return the", "parameters": {"max_new_tokens": 480}}
    )
    received = []
    async for chunk in stream:
        received.append(chunk)
        if len(received) == 3:
            break
    await stream.aclose()

    async def cancelled_outcome() -> dict[str, Any] | None:
        current = await backend.worker_stats("tiny-batch")
        if current["active"]:
            return None
        return next((r for r in current["recent"] if r["finish_reason"] == "cancelled"), None)

    deadline = time.monotonic() + 10
    outcome = await cancelled_outcome()
    while outcome is None:
        assert time.monotonic() < deadline, "the cancelled generation kept running"
        await asyncio.sleep(0.05)
        outcome = await cancelled_outcome()
    assert outcome["tokens_out"] < 480
    # The endpoint still serves after a cancellation.
    assert (
        await backend.invoke("tiny-batch", {"inputs": "x", "parameters": {"max_new_tokens": 3}})
    ).tokens_out == 3


async def test_training_job_model_is_deployable_and_delete_stops_a_launch(
    backend: LocalBackend,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    merged = backend.training_model_dir("job-42")
    shutil.copytree(tiny_model_dir, merged)
    created = await backend.create_endpoint(request("tuned", training_job="job-42"))
    assert created.training_job == "job-42"
    assert created.serving_label == "local fine-tuned model: job-42 for Llama-2-7b (Neuron)"
    assert created.extra["model_dir"] == str(merged)
    # Deleting while it is still loading stops the launch and leaves nothing behind.
    await backend.delete_endpoint("tuned")
    assert await backend.list_endpoints() == []
    assert not (backend.endpoints_dir / "tuned.json").exists()
