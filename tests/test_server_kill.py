"""The Jupyter server SIGKILLed mid-deploy, mid-stream and mid-training, then started again on the same state.

A real ``jupyter server`` runs as a subprocess (``tests/jupyter_subprocess.py``); the kill hits its PID only,
as an OOM killer or ``kill -9`` would. For each backend one kill catches every state at once (an endpoint
Creating, one InService answering a stream, a training job running), and the second server must show:

* every resource listed with its true status;
* local mode: workers end with the server (their stdin closes) and the next server relaunches the endpoints
  from their records, which answer again; the trainer (no stdin pipe) ends at its next write to the dead
  server's pipe or is stopped by the next server, and its job is marked Failed with the reason
  (docs/architecture.md, backends/local/training.py);
* SageMaker (the AWS emulator): the endpoints' and the job's status as AWS reports it, and a create retried
  with the same client_token after the restart returns what the first server made (no duplicate endpoint,
  endpoint config, model or training job in the account);
* the client of the interrupted stream sees the connection end, never a hang;
* after deleting everything and a normal stop: no process of either server remains and the account holds no
  endpoint, endpoint config or model.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.backends.local.training import SERVER_STOPPED
from tests.aws_emulator_sdk3 import restart_polls
from tests.jupyter_subprocess import JupyterProcess, marked_processes, pid_alive, wait_gone
from tests.test_training_local import instruction_rows
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
STREAM_TIMEOUT_S = 60.0  # a socket read that waits longer than this is a hang: the test fails, never blocks
EXIT_GRACE_S = 30.0


@pytest.fixture
def servers() -> Iterator[list[JupyterProcess]]:
    """Servers a test starts; whatever is left of them and their children is stopped by PID at the end."""
    started: list[JupyterProcess] = []
    yield started
    for server in started:
        server.stop()
        for pid in marked_processes(server.marker):
            os.kill(pid, signal.SIGKILL)


def state_files_parse(data_dir: Path) -> None:
    """No state file is half-written: every JSON file the servers keep parses."""
    for path in data_dir.rglob("*.json"):
        if "model" in path.parts[len(data_dir.parts) :][:3] or path.parent.name == "merged":
            continue  # model folders (converted or fine-tuned) are not state
        json.loads(path.read_text(encoding="utf-8"))


def local_record(data_dir: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((data_dir / "local" / "endpoints" / f"{name}.json").read_text())
    return data


def trainer_pid(data_dir: Path, job: str) -> int | None:
    try:
        pid = json.loads((data_dir / "local" / "training" / job / "job.json").read_text()).get("pid")
    except (OSError, ValueError):
        return None
    return pid if isinstance(pid, int) and pid_alive(pid) else None


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_local_server_killed_mid_deploy_mid_stream_and_mid_training(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
    servers: list[JupyterProcess],
) -> None:
    data_dir = tmp_path / "state"
    extension = {
        "backend": "local",
        "data_dir": str(data_dir),
        "local_model_paths": {MODEL_7B: str(tiny_model_dir)},
        "local_standby_worker": False,  # two cores: no pre-imported worker
        "local_torch_threads": 1,
        "cost_guard_interval": 3600.0,
    }
    server = JupyterProcess(tmp_path / "jupyter", extension, os.environ)
    servers.append(server)
    server.start()
    assert server.call("POST", "models", MODEL_7B, "eula", body={"accept": True})[0] == 200
    content = "".join(json.dumps(row) + "\n" for row in instruction_rows(24))
    code, dataset = server.call(
        "POST",
        "datasets",
        body={"filename": "capitals.jsonl", "content": content, "dataset_format": "instruction"},
    )
    assert code == 201, dataset

    # InService, answering a stream at the kill.
    code, created = server.call(
        "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": "kill-serving"}
    )
    assert code == 202, created
    server.wait_for("endpoints", "kill-serving", until=lambda e: e["status"] == "InService")
    serving_pid = local_record(data_dir, "kill-serving")["pid"]
    assert serving_pid in marked_processes(server.marker)  # the orphan check below sees the server's children

    # Training, far from done at the kill.
    code, job = server.call(
        "POST",
        "training-jobs",
        body={
            "model_id": MODEL_7B,
            "dataset_uri": dataset["uri"],
            "dataset_format": "instruction",
            "hyperparameters": {
                "max_steps": 100000,
                "per_device_train_batch_size": 1,
                "max_input_length": 128,
            },
            "instance_type": "ml.trn1.32xlarge",
            "job_name": "kill-training",
            "client_token": "tok-kill-training",
        },
    )
    assert code == 202, job
    deadline = time.monotonic() + 120
    while (training_pid := trainer_pid(data_dir, "kill-training")) is None:
        assert time.monotonic() < deadline, "the trainer did not start"
        time.sleep(0.2)

    # Creating at the kill (the worker is still importing torch for seconds after the 202).
    deploy = {"model_id": MODEL_7B, "endpoint_name": "kill-creating", "client_token": "tok-kill-creating"}
    code, creating = server.call("POST", "endpoints", body=deploy)
    assert (code, creating["status"]) == (202, "Creating"), creating

    stream = server.stream_events(
        "kill-serving",
        {"inputs": "Return the value of", "parameters": {"max_new_tokens": 400}},
        STREAM_TIMEOUT_S,
    )
    first = next(stream)
    assert first[0] == "token", first
    assert local_record(data_dir, "kill-creating")["status"] == "Creating"
    creating_pid = local_record(data_dir, "kill-creating").get("pid")

    server.kill()

    # The interrupted stream ends for its client with a dropped connection (no done event, no hang).
    rest = list(stream)
    assert rest, "the stream ended cleanly although the server was killed"
    assert rest[-1][0] == "dropped", rest[-3:]
    assert "done" not in [kind for kind, _ in rest]
    state_files_parse(data_dir)
    # Workers end with the server (their stdin closes). The trainer reads no stdin: it lives on until its next
    # progress line meets the closed pipe, or until the next server stops it (when it is still importing).
    workers = [pid for pid in (serving_pid, creating_pid) if isinstance(pid, int)]
    assert wait_gone(workers, EXIT_GRACE_S) == [], "a worker outlived the killed server"

    server.start()
    code, listed = server.call("GET", "endpoints")
    assert code == 200, listed
    endpoints = by_name(listed["endpoints"])
    assert set(endpoints) == {"kill-serving", "kill-creating"}
    # Their workers are gone: both are being relaunched (loading takes seconds), and say so.
    assert {e["status"] for e in endpoints.values()} == {"Creating"}, endpoints
    code, jobs = server.call("GET", "training-jobs")
    assert code == 200, jobs
    killed_job = by_name(jobs["training_jobs"])["kill-training"]
    assert killed_job["status"] == "Failed"
    assert killed_job["failure_reason"] == SERVER_STOPPED[0].upper() + SERVER_STOPPED[1:] + "."
    assert wait_gone([training_pid], EXIT_GRACE_S) == [], "the next server left the old trainer running"

    for name in ("kill-serving", "kill-creating"):
        server.wait_for("endpoints", name, until=lambda e: e["status"] == "InService")
        code, answer = server.call(
            "POST",
            "endpoints",
            name,
            "invocations",
            body={"inputs": "Hello", "parameters": {"max_new_tokens": 4}},
        )
        assert code == 200, answer
        assert answer["tokens_out"] == 4
        new_pid = local_record(data_dir, name)["pid"]
        assert new_pid not in workers
        assert pid_alive(new_pid)
    # A whole stream after the restart ends with its done event (the drop seen above was the kill's).
    events = list(
        server.stream_events(
            "kill-serving", {"inputs": "Hi", "parameters": {"max_new_tokens": 3}}, STREAM_TIMEOUT_S
        )
    )
    assert [kind for kind, _ in events] == ["token", "token", "token", "done"], events
    # The deploy retried with its client_token after the restart is the same endpoint, not a second one.
    code, again = server.call("POST", "endpoints", body=deploy)
    assert code in (200, 202), again
    assert again["name"] == "kill-creating"
    assert len(server.call("GET", "endpoints")[1]["endpoints"]) == 2

    for name in ("kill-serving", "kill-creating"):
        assert server.call("DELETE", "endpoints", name)[0] == 200
    server.stop()
    assert wait_gone(marked_processes(server.marker), EXIT_GRACE_S) == [], "a process of the servers remains"
    state_files_parse(data_dir)


def emulator_counts(emulator: AwsEmulator) -> dict[str, int]:
    sagemaker = emulator.client("sagemaker")
    return {
        "endpoints": len(sagemaker.list_endpoints()["Endpoints"]),
        "endpoint_configs": len(sagemaker.list_endpoint_configs()["EndpointConfigs"]),
        "models": len(sagemaker.list_models()["Models"]),
        "training_jobs": len(sagemaker.list_training_jobs()["TrainingJobSummaries"]),
    }


def token_lines(count: int) -> str:
    """An LMI token stream (JSON lines) of ``count`` tokens."""
    return "".join(json.dumps({"token": {"text": f" word{index}"}}) + "\n" for index in range(count))


def test_sagemaker_server_killed_mid_deploy_mid_stream_and_mid_training(
    tmp_path: Path, aws_emulator: AwsEmulator, servers: list[JupyterProcess]
) -> None:
    # Nothing finishes on its own: statuses change only when the test says so (restart_polls).
    aws_emulator.state.endpoint_creating_polls = 1_000_000
    aws_emulator.state.training_running_polls = 1_000_000
    data_dir = tmp_path / "state"
    extension = {
        "backend": "sagemaker",
        "region": aws_emulator.region,
        "role_arn": aws_emulator.role_arn,
        "data_dir": str(data_dir),
        "aws_executor_workers": 2,
        "cost_guard_interval": 3600.0,
    }
    # The emulator's environment (endpoint URL, dummy credentials, proxy tripwire) is in os.environ.
    server = JupyterProcess(tmp_path / "jupyter", extension, os.environ)
    servers.append(server)
    server.start()
    assert server.call("POST", "models", MODEL_7B, "eula", body={"accept": True})[0] == 200

    serving_body = {"model_id": MODEL_7B, "endpoint_name": "kill-serving"}
    code, serving = server.call("POST", "endpoints", body=serving_body)
    assert code == 202, serving
    restart_polls(aws_emulator, "endpoint", "kill-serving", 0)
    server.wait_for("endpoints", "kill-serving", until=lambda e: e["status"] == "InService")
    # No names: a retry without the client_token guard would create a second endpoint and job.
    deploy = {"model_id": MODEL_7B, "client_token": "tok-kill-creating"}
    code, creating = server.call("POST", "endpoints", body=deploy)
    assert (code, creating["status"]) == (202, "Creating"), creating
    train = {
        "model_id": MODEL_7B,
        "dataset_uri": "s3://sagemaker-us-east-1-123456789012/jupyter-llama-neuron/datasets/x/train.jsonl",
        "dataset_format": "instruction",
        "hyperparameters": {"max_steps": 25},
        "instance_type": "ml.trn1.32xlarge",
        "client_token": "tok-kill-training",
    }
    code, job = server.call("POST", "training-jobs", body=train)
    assert (code, job["status"]) == (202, "InProgress"), job
    before = emulator_counts(aws_emulator)
    assert before == {"endpoints": 2, "endpoint_configs": 2, "models": 2, "training_jobs": 1}, before

    # A token stream under way at the kill: the emulator sends a PayloadPart every half second.
    aws_emulator.state.stream_part_delay_s = 0.5
    aws_emulator.queue_results(token_lines(40), content_type="application/jsonlines")
    stream = server.stream_events("kill-serving", {"inputs": "Count", "parameters": {}}, STREAM_TIMEOUT_S)
    assert next(stream) == ("token", {"text": " word0"})

    server.kill()
    rest = list(stream)
    assert rest[-1][0] == "dropped", rest[-3:]
    assert "done" not in [kind for kind, _ in rest]
    state_files_parse(data_dir)
    server.start()

    code, listed = server.call("GET", "endpoints")
    assert code == 200, listed
    statuses = {name: e["status"] for name, e in by_name(listed["endpoints"]).items()}
    assert statuses == {"kill-serving": "InService", creating["name"]: "Creating"}
    code, jobs = server.call("GET", "training-jobs")
    assert code == 200, jobs
    assert [(j["name"], j["status"]) for j in jobs["training_jobs"]] == [(job["name"], "InProgress")]
    # Retried after the restart with the same tokens: the same resources, nothing new in the account.
    code, again = server.call("POST", "endpoints", body=deploy)
    assert code in (200, 202), again
    assert again["name"] == creating["name"]
    code, job_again = server.call("POST", "training-jobs", body=train)
    assert code in (200, 202), job_again
    assert job_again["name"] == job["name"]
    assert emulator_counts(aws_emulator) == before

    aws_emulator.state.stream_part_delay_s = 0.0
    aws_emulator.queue_results(token_lines(3), content_type="application/jsonlines")
    events = list(
        server.stream_events("kill-serving", {"inputs": "Again", "parameters": {}}, STREAM_TIMEOUT_S)
    )
    assert [kind for kind, _ in events] == ["token", "token", "token", "done"], events

    restart_polls(aws_emulator, "endpoint", creating["name"], 0)
    server.wait_for("endpoints", creating["name"], until=lambda e: e["status"] == "InService")
    aws_emulator.queue_results([{"generated_text": " Paris."}])
    code, answer = server.call(
        "POST", "endpoints", creating["name"], "invocations", body={"inputs": "The capital of France is"}
    )
    assert (code, answer.get("generated_text")) == (200, " Paris."), answer
    code, stopping = server.call("POST", "training-jobs", job["name"], "stop")
    assert code in (200, 202), stopping
    server.wait_for("training-jobs", job["name"], until=lambda j: j["status"] == "Stopped")

    for name in ("kill-serving", creating["name"]):
        assert server.call("DELETE", "endpoints", name)[0] == 200
    counts = emulator_counts(aws_emulator)
    assert (counts["endpoints"], counts["endpoint_configs"], counts["models"]) == (0, 0, 0), counts
    server.stop()
    assert wait_gone(marked_processes(server.marker), EXIT_GRACE_S) == []
