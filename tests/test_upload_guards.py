"""Hostile and unlucky uploads through the real server: file names that are paths, empty bodies, a full disk.

Whatever goes wrong, the answer says what to do, nothing half-written stays in the uploads directory, and the
next upload works.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron import dataset_store

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")


async def _upload(jp_fetch: Any, filename: str, data: bytes) -> tuple[int, Any]:
    response = await jp_fetch(
        *API,
        "datasets",
        "uploads",
        method="POST",
        body=data,
        params={"filename": filename},
        raise_error=False,
    )
    return response.code, json.loads(response.body)


def _uploads(llama_services: Any) -> Path:
    return Path(llama_services.settings.data_dir) / "uploads"


def _stored_files(llama_services: Any) -> list[Path]:
    root = _uploads(llama_services)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    "filename",
    [
        "../escape.jsonl",
        "../../etc/passwd",
        "a/b.jsonl",
        "C:\\data\\train.jsonl",
        "..",
        "train.jsonl\n",
        "/x.txt",
    ],
)
async def test_an_upload_name_with_a_path_is_refused(
    jp_fetch: Any, llama_services: Any, filename: str
) -> None:
    code, answer = await _upload(jp_fetch, filename, b'{"text": "x"}\n')
    assert code == 400, answer
    assert_matches("Error", answer)
    assert answer["error"]["code"] == "InvalidFilename"
    assert _stored_files(llama_services) == []
    assert not (Path(llama_services.settings.data_dir) / "escape.jsonl").exists()


async def test_a_control_character_in_the_name_is_refused_not_turned_into_a_space(jp_fetch: Any) -> None:
    code, answer = await _upload(jp_fetch, "a\x04b.jsonl", b'{"text": "x"}\n')
    assert (code, answer["error"]["code"]) == (400, "InvalidFilename")


async def test_a_pasted_dataset_name_with_a_path_is_refused(jp_fetch: Any) -> None:
    response = await jp_fetch(
        *API,
        "datasets",
        method="POST",
        body=json.dumps(
            {"filename": "../../x.jsonl", "content": '{"text": "x"}\n', "dataset_format": "domain"}
        ),
        raise_error=False,
    )
    assert response.code == 400
    assert json.loads(response.body)["error"]["code"] == "InvalidFilename"


async def test_an_empty_upload_is_refused_and_nothing_kept(jp_fetch: Any, llama_services: Any) -> None:
    code, answer = await _upload(jp_fetch, "train.jsonl", b"")
    assert (code, answer["error"]["code"]) == (400, "EmptyUpload")
    assert _stored_files(llama_services) == []


async def test_a_full_disk_during_an_upload_is_a_clear_507_and_the_next_try_works(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = dataset_store.Upload.write
    calls = {"n": 0}

    class FullDisk:
        """Wraps the upload's file: the second chunk hits ENOSPC, as a filling disk would."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def write(self, chunk: bytes) -> int:
            calls["n"] += 1
            if calls["n"] >= 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return int(self.inner.write(chunk))

        def close(self) -> None:
            self.inner.close()

    def write(self: dataset_store.Upload, chunk: bytes) -> None:
        if self._file is not None and not isinstance(self._file, FullDisk):
            self._file = FullDisk(self._file)  # type: ignore[assignment]
        real_write(self, chunk)

    monkeypatch.setattr(dataset_store.Upload, "write", write)
    data = b'{"text": "hello"}\n' * 20_000  # ~360 KB: several chunks
    code, answer = await _upload(jp_fetch, "train.jsonl", data)
    assert code == 507, answer
    assert_matches("Error", answer)
    assert answer["error"]["code"] == "InsufficientStorage"
    assert "Free disk space" in answer["error"]["hint"]
    assert _stored_files(llama_services) == []  # no .part, no half file

    monkeypatch.setattr(dataset_store.Upload, "write", real_write)
    code, answer = await _upload(jp_fetch, "train.jsonl", data)
    assert code == 201, answer
    assert answer["bytes"] == len(data)
    assert [p.name for p in _stored_files(llama_services)] == ["train.jsonl"]
