"""Symbolic links planted where the server writes or deletes never make it write or delete outside: a link
at a notebook's name, an upload that is a link, a local dataset folder that is a link (the real server)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.rest_client import call, local_config
from tests.test_training_local import MODEL_7B
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

API = ("llama-neuron", "api", "v1")
UPLOAD_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:  # noqa: F811
    return local_config(tmp_path, tiny_model_dir, MODEL_7B)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside everything the server owns, with a file that must survive."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me", encoding="utf-8")
    return folder


def intact(folder: Path) -> bool:
    return (folder / "precious.txt").read_text(encoding="utf-8") == "keep me"


async def test_a_link_at_the_notebook_name_is_never_written_through(
    jp_fetch: Any, jp_root_dir: Path, outside: Path
) -> None:
    victim = outside / "victim.ipynb"
    (jp_root_dir / "llama-2-7b-deploy.ipynb").symlink_to(victim)  # dangling: O_CREAT alone would create it
    code, answer = await call(jp_fetch, "POST", "notebooks", body={"step": "deploy", "model_id": MODEL_7B})
    assert (code, answer) == (201, {"path": "llama-2-7b-deploy-1.ipynb"})
    assert not victim.exists()
    assert json.loads((jp_root_dir / answer["path"]).read_text(encoding="utf-8"))["cells"]


async def test_deleting_an_upload_that_is_a_link_removes_only_the_link(
    jp_fetch: Any, llama_neuron_config: dict[str, Any], outside: Path
) -> None:
    uploads = Path(llama_neuron_config["data_dir"]) / "uploads"
    uploads.mkdir(parents=True)
    (uploads / UPLOAD_ID).symlink_to(outside, target_is_directory=True)
    code, listed = await call(jp_fetch, "DELETE", "storage", "upload", UPLOAD_ID)
    assert code == 200, listed
    assert not (uploads / UPLOAD_ID).is_symlink()
    assert not any(i["kind"] == "upload" and i["id"] == UPLOAD_ID for i in listed["items"])
    assert intact(outside)


async def test_deleting_a_local_dataset_that_is_a_link_removes_only_the_link(
    jp_fetch: Any, llama_neuron_config: dict[str, Any], outside: Path
) -> None:
    datasets = Path(llama_neuron_config["data_dir"]) / "local" / "datasets"
    datasets.mkdir(parents=True)
    (datasets / "20240101-000000-0123abcd").symlink_to(outside, target_is_directory=True)
    code, listed = await call(jp_fetch, "GET", "storage")
    assert code == 200, listed
    assert any(i["kind"] == "dataset" and i["id"] == "20240101-000000-0123abcd" for i in listed["items"])
    code, listed = await call(jp_fetch, "DELETE", "storage", "dataset", "20240101-000000-0123abcd")
    assert code == 200, listed
    assert not (datasets / "20240101-000000-0123abcd").is_symlink()
    assert intact(outside)


async def test_old_uploads_removed_at_start_spare_what_a_link_points_to(
    jp_fetch: Any, llama_services: Any, outside: Path
) -> None:
    uploads = llama_services.storage.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    link = uploads / UPLOAD_ID
    link.symlink_to(outside, target_is_directory=True)
    day_ago = time.time() - 2 * 86400
    os.utime(outside / "precious.txt", (day_ago, day_ago))
    os.utime(outside, (day_ago, day_ago))
    llama_services.storage.collect_old_uploads()
    assert not link.is_symlink()
    assert intact(outside)
