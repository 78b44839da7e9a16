"""``/storage`` through the real Jupyter server in local mode with the tiny model: uploads, stored datasets
(with held-out rows) and training outputs listed with sizes; Delete refused (409) while a training job or an
endpoint uses the item; and the service's own parts (old uploads removed at start, SageMaker mode)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.settings import ExtensionSettings
from jupyter_llama_neuron.storage_service import StorageService
from tests.fakes import FakeBackend, FakeProvider
from tests.rest_client import accept_eula, call, local_config
from tests.test_training_local import MODEL_7B, instruction_rows
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:  # noqa: F811
    return local_config(tmp_path, tiny_model_dir, MODEL_7B)


async def storage(jp_fetch: Any) -> dict[str, Any]:
    code, listed = await call(jp_fetch, "GET", "storage")
    assert code == 200, listed
    assert_matches("LocalStorage", listed)
    return dict(listed)


def item(listed: dict[str, Any], kind: str, item_id: str) -> dict[str, Any] | None:
    return next((i for i in listed["items"] if i["kind"] == kind and i["id"] == item_id), None)


async def poll(jp_fetch: Any, *path: str, until: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await call(jp_fetch, "GET", *path)
        assert code == 200, body
        if until(body):
            return dict(body)
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


async def test_storage_lists_sizes_and_refuses_to_delete_what_is_in_use(
    jp_fetch: Any,
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    data_dir = tmp_path / "llama-neuron-data"
    await accept_eula(jp_fetch)
    listed = await storage(jp_fetch)
    assert (listed["backend"], listed["items"], listed["total_bytes"]) == ("local", [], 0)

    # An upload and a stored dataset with held-out rows.
    payload = "".join(json.dumps(row) + "\n" for row in instruction_rows(24)).encode()
    response = await jp_fetch(
        *API, "datasets", "uploads", method="POST", body=payload, params={"filename": "c.jsonl"}
    )
    upload = json.loads(response.body)
    body = {"uri": upload["uri"], "dataset_format": "instruction", "holdout": 4}
    code, stored = await call(jp_fetch, "POST", "datasets", body=body)
    assert code == 201, stored
    dataset_id = stored["dataset_id"]
    listed = await storage(jp_fetch)
    uploaded = item(listed, "upload", upload["upload_id"])
    assert uploaded is not None
    assert (uploaded["bytes"], uploaded["label"], uploaded["in_use_by"]) == (
        len(payload),
        "upload c.jsonl",
        [],
    )
    dataset = item(listed, "dataset", dataset_id)
    assert dataset is not None
    heldout = data_dir / "heldout" / f"{dataset_id}.jsonl"
    train = data_dir / "local" / "datasets" / dataset_id / "train.jsonl"
    assert dataset["bytes"] == train.stat().st_size + heldout.stat().st_size
    assert listed["total_bytes"] == sum(i["bytes"] for i in listed["items"])

    # A training job reading the dataset: Delete says which job uses it.
    job_body = {
        "model_id": MODEL_7B,
        "dataset_uri": stored["uri"],
        "dataset_format": "instruction",
        "hyperparameters": {"max_steps": 100000, "per_device_train_batch_size": 1, "max_input_length": 128},
        "instance_type": "ml.trn1.32xlarge",
        "job_name": "reader",
    }
    code, job = await call(jp_fetch, "POST", "training-jobs", body=job_body)
    assert code == 202, job
    listed = await storage(jp_fetch)
    assert item(listed, "dataset", dataset_id)["in_use_by"] == ["reader"]  # type: ignore[index]
    code, refused = await call(jp_fetch, "DELETE", "storage", "dataset", dataset_id)
    assert code == 409, refused
    assert refused["error"]["code"] == "StorageItemInUse"
    assert "reader" in refused["error"]["message"]
    assert train.is_file()
    code, _ = await call(jp_fetch, "POST", "training-jobs", "reader", "stop")
    assert code == 200
    await poll(jp_fetch, "training-jobs", "reader", until=lambda j: j["status"] == "Stopped")

    # Free now: the dataset goes with its held-out rows, the upload too; the answer is the new listing.
    code, after = await call(jp_fetch, "DELETE", "storage", "dataset", dataset_id)
    assert code == 200, after
    assert item(after, "dataset", dataset_id) is None
    assert not train.parent.exists()
    assert not heldout.exists()
    code, after = await call(jp_fetch, "DELETE", "storage", "upload", upload["upload_id"])
    assert code == 200, after
    assert item(after, "upload", upload["upload_id"]) is None
    code, gone = await call(jp_fetch, "DELETE", "storage", "upload", upload["upload_id"])
    assert (code, gone["error"]["code"]) == (404, "StorageItemNotFound")

    # A completed job's fine-tuned model, served by an endpoint: in use until the endpoint is deleted.
    job_dir = data_dir / "local" / "training" / "done-job"
    shutil.copytree(tiny_model_dir, job_dir / "merged")
    record = {
        "name": "done-job",
        "status": "Completed",
        "model_id": MODEL_7B,
        "created_at": "2026-01-01T00:00:00+00:00",
        "output_model": str(job_dir / "merged"),
    }
    (job_dir / "job.json").write_text(json.dumps(record))
    endpoint_body = {"model_id": MODEL_7B, "training_job": "done-job", "endpoint_name": "tuned"}
    code, endpoint = await call(jp_fetch, "POST", "endpoints", body=endpoint_body)
    assert code == 202, endpoint
    listed = await storage(jp_fetch)
    output = item(listed, "training_output", "done-job")
    assert output is not None
    assert output["in_use_by"] == ["tuned"]
    assert output["bytes"] == sum(p.stat().st_size for p in (job_dir / "merged").rglob("*") if p.is_file())
    code, refused = await call(jp_fetch, "DELETE", "storage", "training_output", "done-job")
    assert (code, refused["error"]["code"]) == (409, "StorageItemInUse")
    assert "tuned" in refused["error"]["message"]
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "tuned")
    assert code == 200
    code, after = await call(jp_fetch, "DELETE", "storage", "training_output", "done-job")
    assert code == 200, after
    assert item(after, "training_output", "done-job") is None
    assert not (job_dir / "merged").exists()
    # The job itself stays listed (its record and loss curve are kept), no longer deployable.
    code, kept = await call(jp_fetch, "GET", "training-jobs", "done-job")
    assert (code, kept["output_model"]) == (200, None)


async def test_storage_refuses_bad_kinds_and_ids_and_unknown_items(jp_fetch: Any) -> None:
    code, bad = await call(jp_fetch, "DELETE", "storage", "everything", "x")
    assert (code, bad["error"]["code"]) == (400, "InvalidStorageKind")
    assert "dataset" in bad["error"]["hint"]
    code, bad = await call(jp_fetch, "DELETE", "storage", "dataset", "..")
    assert (code, bad["error"]["code"]) == (400, "InvalidStorageItem")
    code, missing = await call(jp_fetch, "DELETE", "storage", "training_output", "no-such-job")
    assert (code, missing["error"]["code"]) == (404, "StorageItemNotFound")


def test_uploads_older_than_a_day_are_collected_at_start_and_sagemaker_mode_lists_what_the_server_keeps(
    tmp_path: Path,
) -> None:
    settings = ExtensionSettings(backend="sagemaker", data_dir=tmp_path)
    service = StorageService(settings, FakeProvider(FakeBackend()))  # type: ignore[arg-type]
    old, new = tmp_path / "uploads" / ("a" * 32), tmp_path / "uploads" / ("b" * 32)
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "rows.jsonl").write_text("{}\n" * 10)
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (old / "rows.jsonl", old):
        os.utime(path, (two_days_ago, two_days_ago))
    assert service.collect_old_uploads() == 30
    assert not old.exists()
    assert new.is_dir()

    (tmp_path / "heldout").mkdir()
    (tmp_path / "heldout" / "20260101-000000-abcdef01.jsonl").write_text(
        '{"prompt": "p", "reference": "r"}\n'
    )
    listed = asyncio.run(service.list_items())
    assert_matches("LocalStorage", listed)
    assert [(i["kind"], i["id"]) for i in listed["items"]] == [
        ("heldout", "20260101-000000-abcdef01"),
        ("upload", "b" * 32),
    ]
    listed = asyncio.run(service.delete("heldout", "20260101-000000-abcdef01"))
    assert [i["kind"] for i in listed["items"]] == ["upload"]
