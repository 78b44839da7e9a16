"""The test server's REST API through ``jp_fetch``, and its server configurations, for the REST tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tornado.httpclient import HTTPResponse

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")


async def call(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    """``(status, parsed JSON body or None)``; a POST without a body sends ``{}``."""
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    elif method == "POST":
        kwargs["body"] = "{}"
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def accept_eula(jp_fetch: Any, model_id: str = MODEL_7B) -> None:
    code, _ = await call(jp_fetch, "POST", "models", model_id, "eula", body={"accept": True})
    assert code == 200


def local_config(tmp_path: Path, model_dir: Path, model_id: str = MODEL_7B, **extra: Any) -> dict[str, Any]:
    """A server configuration for the local backend serving ``model_dir`` (a tiny model) for ``model_id``:
    one torch thread, no standby worker (a test that wants one says so)."""
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {model_id: str(model_dir)},
        "local_torch_threads": 1,
        "local_standby_worker": False,
        **extra,
    }


def sagemaker_config(tmp_path: Path, aws_emulator: AwsEmulator, **extra: Any) -> dict[str, Any]:
    """A server configuration for the SageMaker backend against the in-process AWS emulator."""
    return {
        "backend": "sagemaker",
        "region": aws_emulator.region,
        "role_arn": aws_emulator.role_arn,
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "aws_executor_workers": 2,
        **extra,
    }
