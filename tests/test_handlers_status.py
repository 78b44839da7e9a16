"""``GET /status`` through the running server with the real backends: local, auto, SageMaker (emulated)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.catalog import load_catalog

from .aws_emulator import ACCOUNT_ID, REGION, ROLE_ARN, AwsEmulator, CallRecorder
from .openapi_contract import assert_matches

Fetch = Callable[..., Awaitable[HTTPResponse]]


def _all_mapped(tmp_path: Path) -> dict[str, str]:
    """Map every catalog id to a local folder, so local mode needs no stand-in conversion in these tests."""
    folder = tmp_path / "local-model"
    folder.mkdir(exist_ok=True)
    return {model_id: str(folder) for model_id in load_catalog().ids()}


async def _status(fetch: Fetch) -> dict[str, Any]:
    response = await fetch("llama-neuron", "api", "v1", "status")
    body: dict[str, Any] = json.loads(response.body)
    assert_matches("Status", body)
    return body


class TestLocal:
    @pytest.fixture
    def llama_neuron_config(self, tmp_path: Path) -> dict[str, Any]:
        return {
            "backend": "local",
            "data_dir": str(tmp_path / "data"),
            "local_model_paths": _all_mapped(tmp_path),
        }

    async def test_local_status(self, jp_fetch: Fetch) -> None:
        body = await _status(jp_fetch)
        assert body["backend"] == "local"
        assert body["backend_choice"] == "local"
        assert body["label"] == "Local mode (no AWS account)"
        assert body["region"] is None
        assert body["account"] is None
        assert "'local'" in body["reason"]
        assert body["local_model"]["state"] == "ready"
        assert body["price_label"] == "indicative, on-demand, 2024-12-01"
        assert body["version"]
        assert "error" not in body


class TestAutoWithoutAws:
    @pytest.fixture
    def llama_neuron_config(self, tmp_path: Path, no_aws: None) -> dict[str, Any]:
        return {
            "backend": "auto",
            "data_dir": str(tmp_path / "data"),
            "local_model_paths": _all_mapped(tmp_path),
            "auto_detect_timeout": 5.0,
        }

    async def test_auto_falls_back_to_local_with_a_reason(self, jp_fetch: Fetch) -> None:
        body = await _status(jp_fetch)
        assert body["backend"] == "local"
        assert body["backend_choice"] == "auto"
        assert "No AWS credentials" in body["reason"]
        assert body["label"] == "Local mode (no AWS account)"


class TestSageMaker:
    @pytest.fixture
    def llama_neuron_config(self, tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
        # Requesting the emulator first puts its credentials and region in place before the server starts.
        return {
            "backend": "auto",
            "data_dir": str(tmp_path / "data"),
            "role_arn": ROLE_ARN,
            "auto_detect_timeout": 10.0,
        }

    async def test_auto_finds_the_emulated_account(self, jp_fetch: Fetch) -> None:
        body = await _status(jp_fetch)
        assert body["backend"] == "sagemaker"
        assert body["label"] == f"SageMaker · {REGION} · {ACCOUNT_ID}"
        assert (body["region"], body["account"]) == (REGION, ACCOUNT_ID)
        assert body["local_model"] is None
        assert "Auto mode" in body["reason"]
        assert "error" not in body

    async def test_identity_failure_is_reported_not_raised(
        self, aws_calls: CallRecorder, jp_fetch: Fetch
    ) -> None:
        aws_calls.fail("GetCallerIdentity", NoCredentialsError())
        body = await _status(jp_fetch)
        assert body["backend"] == "sagemaker"
        assert body["label"] == f"SageMaker · {REGION}"
        assert body["account"] is None
        assert body["error"]["message"]
        assert "GetCallerIdentity" in aws_calls.operations()
