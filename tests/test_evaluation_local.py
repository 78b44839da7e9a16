"""An evaluation through the real local backend (the tiny model in a worker subprocess), and its "Open
notebook" executed by nbclient against the same server: the notebook's code reaches the same scores."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from tests.rest_client import local_config
from tests.test_notebooks_execute import (  # noqa: F401  (kernel_name is a fixture)
    CellRunner,
    kernel_name,
    notebook_client,
    read_notebook,
)
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")
ROWS = [
    {"prompt": "The capital of France is", "reference": "Paris"},
    {"prompt": "Water boils at", "reference": "100 degrees"},
]


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:  # noqa: F811
    return local_config(tmp_path, tiny_model_dir, MODEL_7B)


async def rest(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def wait_for(jp_fetch: Any, *path: str, field: str, until: set[str], timeout: float = 300) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await rest(jp_fetch, "GET", *path)
        assert code == 200, body
        if body[field] in until:
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.5)


async def test_local_evaluation_and_its_notebook(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_root_dir: Path,
    kernel_name: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _ = await rest(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    code, created = await rest(jp_fetch, "POST", "endpoints",
                               body={"model_id": MODEL_7B, "endpoint_name": "ev-tiny"})
    assert code == 202, created
    endpoint = await wait_for(jp_fetch, "endpoints", "ev-tiny", field="status", until={"InService", "Failed"})
    assert endpoint["status"] == "InService", endpoint

    parameters = {"max_new_tokens": 6, "do_sample": False}
    code, started = await rest(jp_fetch, "POST", "evaluations",
                               body={"endpoints": ["ev-tiny"], "rows": ROWS, "parameters": parameters})
    assert code == 202, started
    report = await wait_for(jp_fetch, "evaluations", started["id"], field="status",
                            until={"completed", "failed", "stopped"})
    assert_matches("Evaluation", report)
    assert report["status"] == "completed", report["reason"]
    answers = [row["answers"][0] for row in report["rows"]]
    assert all(a["error"] is None and a["tokens_out"] and a["latency_s"] > 0 for a in answers), answers
    assert report["summary"]["ev-tiny"]["rouge_l"]["n"] == 2

    code, written = await rest(jp_fetch, "POST", "evaluations", report["id"], "notebook", body={})
    assert code == 201, written
    notebook = read_notebook(jp_root_dir / written["path"])
    monkeypatch.setenv("JUPYTER_SERVER_URL", f"http://127.0.0.1:{jp_http_port}{jp_base_url}")
    monkeypatch.setenv("JUPYTER_TOKEN", jp_serverapp.identity_provider.token)
    client = notebook_client(notebook, jp_root_dir, kernel_name)
    async with client.async_setup_kernel():
        runner = CellRunner(notebook, client)
        await runner.run_through("summary")
        # Greedy decoding: the notebook's answers and scores are the report's.
        texts = json.loads(await runner.run_code("import json; print(json.dumps(answers['ev-tiny']))"))
        assert texts == [a["text"].strip() for a in answers]
        means = json.loads(await runner.run_code(
            "print(json.dumps({m: v['mean'] for m, v in report['summary']['ev-tiny'].items()}))"
        ))
    assert means == {m: v["mean"] for m, v in report["summary"]["ev-tiny"].items()}
    assert "ev-tiny" in runner.stdout(["summary"])
    code, _ = await rest(jp_fetch, "DELETE", "endpoints", "ev-tiny")
    assert code == 200
