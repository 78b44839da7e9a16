"""20 concurrent creates with one ``client_token`` make one endpoint, and the same request after a server
restart (a fresh ``Services`` over the same data dir) still answers with that endpoint. Local mode, the tiny
model in a real worker."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.services import Services

API = ("llama-neuron", "api", "v1")
MODEL = "meta-textgenerationneuron-llama-2-7b"
TOKEN = "retry-0f3a"


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {MODEL: str(tiny_model_dir)},
    }


async def test_concurrent_creates_with_one_token_make_one_endpoint_also_after_a_restart(
    jp_fetch: Any, llama_services: Any
) -> None:
    await jp_fetch(*API, "models", MODEL, "eula", method="POST", body=json.dumps({"accept": True}))
    body = json.dumps({"model_id": MODEL, "client_token": TOKEN})
    answers = await asyncio.gather(
        *(jp_fetch(*API, "endpoints", method="POST", body=body, raise_error=False) for _ in range(20))
    )
    assert {answer.code for answer in answers} == {202}, [a.body for a in answers if a.code != 202]
    names = {json.loads(answer.body)["name"] for answer in answers}
    assert len(names) == 1, names
    (name,) = names
    listing = json.loads((await jp_fetch(*API, "endpoints")).body)["endpoints"]
    assert [e["name"] for e in listing] == [name]

    restarted = Services.create(llama_services.settings)
    try:
        again = await restarted.endpoints.create({"model_id": MODEL, "client_token": TOKEN}, "tester")
        assert again["name"] == name
        assert [e["name"] for e in (await restarted.endpoints.list())["endpoints"]] == [name]
    finally:
        await restarted.close()
    await jp_fetch(*API, "endpoints", name, method="DELETE")
