"""The SageMaker path against an emulator that fails the way AWS fails (issue: real-AWS fidelity).

Each test names the AWS behaviour it relies on; the sources are in ``docs/aws-fidelity.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.aws_emulator import JUMPSTART_DIR
from tests.rest_client import accept_eula, call, sagemaker_config

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MANAGED_TAG = "jupyter-llama-neuron:managed"
JUMPSTART_BUCKET = "jumpstart-cache-prod-us-east-1"


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator)


async def deploy(jp_fetch: Any, **body: Any) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, **body})


def names(emulator: AwsEmulator) -> dict[str, list[str]]:
    sm = emulator.client("sagemaker")
    return {
        "models": sorted(m["ModelName"] for m in sm.list_models()["Models"]),
        "configs": sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]),
        "endpoints": sorted(e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]),
    }


# -- AccessDenied from inside the SDK ------------------------------------------------------------------------


@pytest.fixture
def jumpstart_metadata_in_s3(aws_emulator: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SDK's default: JumpStart metadata read from jumpstart-cache-prod-<region> (not the local copy)."""
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket=JUMPSTART_BUCKET)
    for path in JUMPSTART_DIR.rglob("*.json"):
        s3.put_object(
            Bucket=JUMPSTART_BUCKET, Key=str(path.relative_to(JUMPSTART_DIR)), Body=path.read_bytes()
        )
    monkeypatch.delenv("AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE")
    monkeypatch.delenv("AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE")
    from sagemaker.jumpstart.accessors import JumpStartModelsAccessor

    JumpStartModelsAccessor.reset_cache()
    yield
    JumpStartModelsAccessor.reset_cache()


@pytest.mark.usefixtures("jumpstart_metadata_in_s3")
async def test_access_denied_inside_the_sdk_names_the_real_operation(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.deny("s3:GetObject", f"arn:aws:s3:::{JUMPSTART_BUCKET}/*")
    await accept_eula(jp_fetch)
    code, answer = await deploy(jp_fetch, endpoint_name="denied-metadata")
    assert code == 403, answer
    error = answer["error"]
    assert error["code"] == "AccessDenied"
    assert "s3:GetObject" in error["message"]
    assert "s3:GetObject" in error["hint"]
    assert f"arn:aws:s3:::{JUMPSTART_BUCKET}/" in error["message"]
    assert "CreateEndpoint" not in error["message"] + error["hint"]
    assert not [op for op in aws_calls.operations("sagemaker") if op.startswith("Create")]
