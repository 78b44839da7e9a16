"""Endpoint, training job and evaluation names that try to leave their directory (``..``, encoded slashes,
absolute paths) are refused or not found, and never read, write or delete a file outside the data dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

API = ("llama-neuron", "api", "v1")
# Each is one URL path segment: Tornado decodes %2F after routing, so the handler sees "../..".
HOSTILE = ["..", "..%2F..%2Fbait", "%2E%2E%2Fbait", "%2Fetc%2Fpasswd", "bait%00", "..%5C..%5Cbait"]


@pytest.fixture
def bait(tmp_path: Path, llama_services: Any) -> list[Path]:
    """Files a traversal would reach: next to and above the data dir's state folders."""
    data_dir = Path(llama_services.settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for folder in (data_dir, data_dir / "local", tmp_path):
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("bait", "bait.json"):
            path = folder / name
            path.write_text(json.dumps({"name": "bait", "status": "InService"}), encoding="utf-8")
            files.append(path)
    return files


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize(
    ("prefix", "suffix", "method"),
    [
        ("endpoints", (), "GET"),
        ("endpoints", (), "DELETE"),
        ("endpoints", ("keep",), "POST"),
        ("endpoints", ("auto-delete",), "PUT"),
        ("training-jobs", (), "GET"),
        ("training-jobs", ("stop",), "POST"),
        ("evaluations", (), "GET"),
        ("evaluations", (), "DELETE"),
    ],
)
async def test_a_name_that_is_a_path_reaches_no_file(
    jp_fetch: Any, bait: list[Path], prefix: str, suffix: tuple[str, ...], method: str, name: str
) -> None:
    body = {"POST": "{}", "PUT": json.dumps({"idle_minutes": 60})}.get(method)
    response = await jp_fetch(*API, prefix, name, *suffix, method=method, body=body, raise_error=False)
    assert response.code in (400, 404), (response.code, response.body)
    assert json.loads(response.body)["error"]["code"]
    assert all(path.is_file() for path in bait)  # nothing deleted
