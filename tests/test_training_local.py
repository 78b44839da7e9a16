"""Local fine-tuning with the tiny Llama: a real LoRA run in the trainer subprocess whose loss falls,
Stop, one training at a time, restart consistency, and deploying + invoking the merged model.

The REST flow runs through the Jupyter server (``jp_fetch``) with the catalog's 7B id mapped to the tiny
model;
the restart cases drive ``LocalBackend`` directly, as two servers sharing one data dir.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.base import TrainingJob, TrainingRequest
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.local.training import SERVER_STOPPED, local_plan, response_marker
from jupyter_llama_neuron.errors import Conflict, NotFound
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.rest_client import call, local_config
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")
CAPITALS = [
    ("Velmoria", "Quendal"),
    ("Zorkagar", "Tusel"),
    ("Lonzorden", "Ulul"),
    ("Brastavia", "Kemrin"),
    ("Oskarind", "Palvo"),
    ("Trevaskia", "Mirdun"),
]


def instruction_rows(count: int) -> list[dict[str, str]]:
    rows = []
    for index in range(count):
        country, capital = CAPITALS[index % len(CAPITALS)]
        rows.append(
            {
                "instruction": f"What is the capital of {country}?",
                "context": "",
                "response": f"The capital of {country} is {capital}.",
            }
        )
    return rows


def rendered_texts(count: int) -> list[str]:
    texts = []
    for row in instruction_rows(count):
        texts.append(
            "Below is an instruction that describes a task. Write a response.\n\n"
            f"### Instruction:\n{row['instruction']}\n\n### Response:\n{row['response']}"
        )
    return texts


def store_dataset(data_dir: Path, dataset_id: str = "20260101-000000-tiny0001", count: int = 48) -> str:
    """A dataset laid out as the datasets service stores it in local mode; returns its file:// uri."""
    folder = data_dir / "local" / "datasets" / dataset_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in rendered_texts(count)), encoding="utf-8")
    return path.resolve().as_uri()


class FakeCatalog:
    entries: dict[str, dict[str, Any]] = {MODEL_7B: {"id": MODEL_7B, "display_name": "Llama-2-7b (Neuron)"}}

    def model(self, model_id: str) -> Mapping[str, Any]:
        if model_id not in self.entries:
            raise NotFound(model_id)
        return self.entries[model_id]

    def summaries(self) -> Sequence[Mapping[str, Any]]:
        return list(self.entries.values())


def make_backend(data_dir: Path, model_dir: Path) -> LocalBackend:
    settings = ExtensionSettings(
        backend="local",
        data_dir=data_dir,
        local_model_paths={MODEL_7B: str(model_dir)},
        local_torch_threads=1,
    )
    return LocalBackend(settings, FakeCatalog(), logging.getLogger("test"))


def training_request(name: str, uri: str, **hyperparameters: str) -> TrainingRequest:
    return TrainingRequest(
        name=name,
        model_id=MODEL_7B,
        model_version="1.*",
        instance_type="ml.trn1.32xlarge",
        dataset_uri=uri,
        dataset_format="instruction",
        hyperparameters=hyperparameters,
        creator="tester",
        catalog_defaults={"learning_rate": "6e-06", "max_steps": "20", "per_device_train_batch_size": "1"},
    )


def finished_process_pid() -> int:
    """The PID of a process that has already exited."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def trainer_gone(pid: int, timeout: float) -> bool:
    cmdline = Path(f"/proc/{pid}/cmdline")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if b"trainer" not in cmdline.read_bytes():
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


async def wait_job(backend: LocalBackend, name: str, predicate: Any, timeout: float = 180) -> TrainingJob:
    deadline = time.monotonic() + timeout
    while True:
        job = await backend.describe_training_job(name)
        if predicate(job):
            return job
        assert time.monotonic() < deadline, (
            f"{name}: {job.status} {job.secondary_status} {job.failure_reason}"
        )
        await asyncio.sleep(0.2)


# -- pure helpers --------------------------------------------------------------------------------------------


def test_local_plan_maps_the_sagemaker_names() -> None:
    defaults = {"learning_rate": "6e-06", "max_steps": "20", "per_device_train_batch_size": "1"}
    plan = local_plan({"learning_rate": "0.000006", "max_steps": "30", "warmup_steps": "5"}, defaults)
    settings = plan["settings"]
    # Left at SageMaker's default (numerically): LoRA's own default; changed: used as given.
    assert settings["learning_rate"] == {
        "value": 1e-3,
        "source": "local default",
        "meaning": "peak learning rate of the LoRA adapters",
    }
    assert (settings["max_steps"]["value"], settings["max_steps"]["source"]) == (30, "yours")
    assert settings["per_device_train_batch_size"]["value"] == 8
    assert plan["ignored"] == {"warmup_steps": "no local meaning"}


def test_response_marker_comes_from_the_template() -> None:
    assert response_marker("domain", None) == ""
    assert response_marker("instruction", None) == "### Response:"
    assert response_marker("instruction", "Q: {instruction}\nA: {response}") == "A: "


# -- the REST flow -------------------------------------------------------------------------------------------


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:  # noqa: F811
    return local_config(tmp_path, tiny_model_dir, MODEL_7B)


async def poll(jp_fetch: Any, *path: str, until: Any, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await call(jp_fetch, "GET", *path)
        assert code == 200, body
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.25)


async def test_lora_run_loss_falls_then_the_merged_model_deploys_and_answers(jp_fetch: Any) -> None:
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    content = "".join(json.dumps(row) + "\n" for row in instruction_rows(48))
    code, stored = await call(
        jp_fetch,
        "POST",
        "datasets",
        body={"filename": "capitals.jsonl", "content": content, "dataset_format": "instruction"},
    )
    assert code == 201, stored
    assert stored["uri"].startswith("file://")

    body = {
        "model_id": MODEL_7B,
        "dataset_uri": stored["uri"],
        "dataset_format": "instruction",
        "hyperparameters": {
            "max_steps": 40,
            "learning_rate": "0.005",
            "per_device_train_batch_size": 8,
            "max_input_length": 256,
            "warmup_steps": 3,
        },
        "instance_type": "ml.trn1.32xlarge",
        "job_name": "tiny-ft-1",
    }
    started = time.monotonic()
    code, job = await call(jp_fetch, "POST", "training-jobs", body=body)
    assert code == 202, job
    assert_matches("TrainingJob", job)
    assert (job["status"], job["backend"], job["price_per_hour"], job["cost_so_far"]) == (
        "InProgress",
        "local",
        None,
        0.0,
    )
    assert job["local_settings"]["settings"]["learning_rate"]["value"] == 0.005
    assert job["local_settings"]["ignored"] == {"warmup_steps": "no local meaning"}

    # A second training while this one runs: 409 with a message saying why.
    code, busy = await call(jp_fetch, "POST", "training-jobs", body={**body, "job_name": "tiny-ft-2"})
    assert code == 409, busy
    assert busy["error"]["code"] == "LocalTrainingBusy"
    assert "one model at a time" in busy["error"]["message"]

    done = await poll(jp_fetch, "training-jobs", "tiny-ft-1", until=lambda j: j["status"] != "InProgress")
    elapsed = time.monotonic() - started
    assert done["status"] == "Completed", done
    assert_matches("TrainingJob", done)
    losses = [point["loss"] for point in done["loss"]]
    assert [point["step"] for point in done["loss"]] == list(range(1, 41))
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < first * 0.95, (first, last)
    assert done["can_deploy"] is True
    assert done["progress"] == {"step": 40, "of": 40}
    merged = Path(done["output_model"])
    assert (merged / "config.json").is_file()
    assert merged.name == "merged"
    assert [p.name for p in merged.parent.iterdir() if p.name.startswith(".tmp-")] == []
    assert any("LoRA r=8" in line for line in done["log_tail"])
    assert any(line.endswith("Training job tiny-ft-1 started.") for line in done["log_tail"])
    assert not any("created by" in line for line in done["log_tail"])  # no generated user ids in the log
    assert [t["status"] for t in done["status_transitions"]][-1] == "Completed"
    steps_per_s = (
        done.get("local_settings")
        and json.loads((merged / "jupyter-llama-neuron-training.json").read_text())["steps_per_s"]
    )
    print(f"tiny LoRA: 40 steps, loss {first:.3f} -> {last:.3f}, {steps_per_s} steps/s, job {elapsed:.1f} s")

    code, listed = await call(jp_fetch, "GET", "training-jobs")
    assert [j["name"] for j in listed["training_jobs"]] == ["tiny-ft-1"]
    assert listed["training_jobs"][0]["loss"] == []

    # Deploy the merged model through the same endpoint API and ask it something.
    code, endpoint = await call(
        jp_fetch,
        "POST",
        "endpoints",
        body={"model_id": MODEL_7B, "training_job": "tiny-ft-1", "endpoint_name": "tiny-ft-endpoint"},
    )
    assert code == 202, endpoint
    assert endpoint["training_job"] == "tiny-ft-1"
    assert "fine-tuned" in endpoint["serving_label"]
    await poll(jp_fetch, "endpoints", "tiny-ft-endpoint", until=lambda e: e["status"] == "InService")
    code, answer = await call(
        jp_fetch,
        "POST",
        "endpoints",
        "tiny-ft-endpoint",
        "invocations",
        body={
            "inputs": rendered_texts(1)[0].split("### Response:\n")[0] + "### Response:\n",
            "parameters": {"max_new_tokens": 12, "do_sample": False},
        },
    )
    assert code == 200, answer
    assert answer["tokens_out"]
    assert answer["generated_text"]
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "tiny-ft-endpoint")
    assert code == 200

    # Without a name, the fine-tuned endpoint is named after its training job.
    unnamed_body = {"model_id": MODEL_7B, "training_job": "tiny-ft-1"}
    code, unnamed = await call(jp_fetch, "POST", "endpoints", body=unnamed_body)
    assert code == 202, unnamed
    assert (unnamed["name"], unnamed["training_job"]) == ("tiny-ft-1", "tiny-ft-1")
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "tiny-ft-1")
    assert code == 200

    # Stop after the end: a conflict; a missing job: 404.
    code, body_stop = await call(jp_fetch, "POST", "training-jobs", "tiny-ft-1", "stop")
    assert code == 409, body_stop
    code, _ = await call(jp_fetch, "GET", "training-jobs", "no-such-job")
    assert code == 404


async def test_local_dataset_uri_rules(jp_fetch: Any, tmp_path: Path) -> None:
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text('{"text": "hello"}\n')
    base = {"model_id": MODEL_7B, "dataset_format": "domain"}
    for uri, status, error in [
        ("s3://bucket/train.jsonl", 400, "InvalidDatasetUri"),
        ("https://example.com/train.jsonl", 400, "InvalidDatasetUri"),
        (outside.as_uri(), 400, "InvalidDatasetUri"),
        # A bare path is not a stored dataset's uri (the one rule: local datasets are file:// URIs).
        (
            str(tmp_path / "llama-neuron-data" / "local" / "datasets" / "x" / "train.jsonl"),
            400,
            "InvalidDatasetUri",
        ),
        (
            (tmp_path / "llama-neuron-data" / "local" / "datasets" / "nope" / "train.jsonl").as_uri(),
            404,
            "DatasetNotFound",
        ),
    ]:
        code, body = await call(jp_fetch, "POST", "training-jobs", body={**base, "dataset_uri": uri})
        assert (code, body["error"]["code"]) == (status, error), (uri, body)
    code, listed = await call(jp_fetch, "GET", "training-jobs")
    assert listed == {"training_jobs": []}


async def test_deploying_an_unfinished_or_foreign_job_is_refused(jp_fetch: Any) -> None:
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    code, body = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "training_job": "ghost"}
    )
    assert code == 404, body


# -- stop, busy, restart -------------------------------------------------------------------------------------


async def test_stop_saves_nothing_and_ends_stopped(tmp_path: Path, tiny_model_dir: Path) -> None:  # noqa: F811
    backend = make_backend(tmp_path, tiny_model_dir)
    try:
        uri = store_dataset(tmp_path)
        job = await backend.create_training_job(training_request("tiny-stop", uri, max_steps="100000"))
        assert job.status == "InProgress"
        await wait_job(backend, "tiny-stop", lambda j: len(j.loss) >= 2)
        with pytest.raises(Conflict, match="one model at a time"):
            await backend.create_training_job(training_request("tiny-other", uri))
        stopping = await backend.stop_training_job("tiny-stop")
        assert stopping.status in ("Stopping", "Stopped")
        stopped = await wait_job(backend, "tiny-stop", lambda j: j.status != "Stopping", timeout=60)
        assert stopped.status == "Stopped", stopped.failure_reason
        assert stopped.output_model is None
        folder = tmp_path / "local" / "training" / "tiny-stop"
        assert not (folder / "merged").exists()
        assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []
        assert any("Stopped" in line for line in stopped.log_tail)
        with pytest.raises(Conflict):
            await backend.stop_training_job("tiny-stop")
        # The next training may start now.
        other = await backend.create_training_job(training_request("tiny-other", uri, max_steps="100000"))
        assert other.status == "InProgress"
        await backend.stop_training_job("tiny-other")
        await wait_job(backend, "tiny-other", lambda j: j.status == "Stopped", timeout=60)
    finally:
        await backend.close()


async def test_a_restart_never_leaves_a_job_in_progress(tmp_path: Path, tiny_model_dir: Path) -> None:  # noqa: F811
    # 1. A record whose trainer is gone (the server was killed): the next server marks it Failed.
    dead_pid = await asyncio.to_thread(finished_process_pid)
    folder = tmp_path / "local" / "training" / "ghost-job"
    folder.mkdir(parents=True)
    (folder / ".tmp-merged-123").mkdir()
    record = {
        "name": "ghost-job",
        "status": "InProgress",
        "secondary_status": "Training",
        "model_id": MODEL_7B,
        "created_at": "2026-01-01T00:00:00+00:00",
        "transitions": [
            {"status": "Training", "start_time": "2026-01-01T00:00:00+00:00", "end_time": None, "message": ""}
        ],
        "pid": dead_pid,
        "owner": "a-server-that-is-gone",
    }
    (folder / "job.json").write_text(json.dumps(record))

    # 2. A trainer still running under another server that is going away.
    first = make_backend(tmp_path, tiny_model_dir)
    uri = store_dataset(tmp_path)
    await first.create_training_job(training_request("orphan-job", uri, max_steps="100000"))
    running = await wait_job(first, "orphan-job", lambda j: len(j.loss) >= 1)
    pid = running.extra["pid"]
    assert isinstance(pid, int)

    second = make_backend(tmp_path, tiny_model_dir)
    try:
        jobs = {job.name: job for job in await second.list_training_jobs()}
        assert jobs["ghost-job"].status == "Failed"
        assert jobs["ghost-job"].failure_reason is not None
        assert SERVER_STOPPED.lower() in jobs["ghost-job"].failure_reason.lower()
        assert not (folder / ".tmp-merged-123").exists()
        assert jobs["orphan-job"].status == "Failed"
        assert SERVER_STOPPED.lower() in (jobs["orphan-job"].failure_reason or "").lower()
        # The orphaned trainer was stopped: nothing keeps computing a result nobody will use.
        assert await asyncio.to_thread(trainer_gone, pid, 15.0)
        # The old server's late exit handling does not overwrite what the new one recorded.
        await first.close()
        again = await second.describe_training_job("orphan-job")
        assert again.status == "Failed"
        assert SERVER_STOPPED.lower() in (again.failure_reason or "").lower()
        transitions = [t["status"] for t in again.status_transitions]
        assert transitions[-1] == "Failed"
    finally:
        await first.close()
        await second.close()


async def test_closing_the_server_fails_the_running_job_consistently(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    backend = make_backend(tmp_path, tiny_model_dir)
    uri = store_dataset(tmp_path)
    await backend.create_training_job(training_request("closing-job", uri, max_steps="100000"))
    await wait_job(backend, "closing-job", lambda j: len(j.loss) >= 1)
    await backend.close()
    after = make_backend(tmp_path, tiny_model_dir)
    try:
        job = await after.describe_training_job("closing-job")
        assert job.status == "Failed"
        assert SERVER_STOPPED.lower() in (job.failure_reason or "").lower()
        assert job.extra["pid"] is None
    finally:
        await after.close()
