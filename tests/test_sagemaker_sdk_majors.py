"""The SDK adapter of the installed ``sagemaker`` major (``backends/sagemaker/jumpstart_sdk``) against the AWS
emulator: every precompiled Neuron tuple reaches CreateModel unchanged, and nothing leaves the emulator. The
suite runs once per SDK major (scripts/test.sh: the main venv has v2, ``.venv-sdk3`` has v3)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.backends.base import EndpointRequest
from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend, jumpstart_sdk
from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.errors import ServiceUnavailable
from jupyter_llama_neuron.settings import ExtensionSettings

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]
LOG = logging.getLogger("test-sagemaker-sdk-majors")
OPTION_VARS = (
    "OPTION_N_POSITIONS",
    "OPTION_MAX_ROLLING_BATCH_SIZE",
    "OPTION_TENSOR_PARALLEL_DEGREE",
    "OPTION_DTYPE",
)
CATALOG = load_catalog()
CONFIRMED = [
    (summary["id"], config)
    for summary in CATALOG.summaries()
    for config in CATALOG.precompiled(summary["id"])
    if CATALOG.is_confirmed(summary["id"], config)
]


@pytest.fixture
async def backend(aws_emulator: AwsEmulator, tmp_path: Path) -> AsyncIterator[SageMakerBackend]:
    settings = ExtensionSettings(
        backend="sagemaker",
        region="us-east-1",
        role_arn=aws_emulator.role_arn,
        data_dir=tmp_path,
        aws_executor_workers=2,
    )
    instance = SageMakerBackend(settings, CATALOG, LOG)
    yield instance
    await instance.close()


def test_the_installed_major_picks_its_adapter() -> None:
    major = jumpstart_sdk.installed_major()
    assert major in jumpstart_sdk.SUPPORTED_MAJORS
    assert jumpstart_sdk.adapter().__name__.endswith(f"jumpstart_sdk_v{major}")


def test_missing_and_unsupported_sdks_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jumpstart_sdk, "installed_major", lambda: None)
    with pytest.raises(ServiceUnavailable) as missing:
        jumpstart_sdk.adapter()
    assert missing.value.code == "SageMakerSdkMissing"
    assert "jupyter_llama_neuron[sagemaker]" in (missing.value.hint or "")
    monkeypatch.setattr(jumpstart_sdk, "installed_major", lambda: 4)
    with pytest.raises(ServiceUnavailable) as unsupported:
        jumpstart_sdk.adapter()
    assert unsupported.value.code == "SageMakerSdkUnsupported"


def test_every_catalog_model_has_confirmed_tuples() -> None:
    assert len({model_id for model_id, _ in CONFIRMED}) >= 4


@pytest.mark.parametrize(("model_id", "config"), CONFIRMED, ids=[f"{m}-{c.to_tag()}" for m, c in CONFIRMED])
async def test_each_precompiled_tuple_reaches_create_model(
    backend: SageMakerBackend,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    model_id: str,
    config: Any,
) -> None:
    name = f"tuple-{abs(hash((model_id, config.to_tag()))) % 10**8}"
    request = EndpointRequest(
        name=name, model_id=model_id, model_version="1.*", config=config, creator="alice"
    )
    await backend.create_endpoint(request)
    container = aws_calls.one("CreateModel")["PrimaryContainer"]
    assert {key: container["Environment"][key] for key in OPTION_VARS} == config.to_env()
    source = container["ModelDataSource"]["S3DataSource"]
    assert source["ModelAccessConfig"] == {"AcceptEula": True}
    variant = aws_calls.one("CreateEndpointConfig")["ProductionVariants"][0]
    assert variant["InstanceType"] == config.instance_type
    assert aws_calls.one("CreateEndpoint")["EndpointName"] == name
    # Nothing escaped to real AWS (the SDK's hard-coded STS endpoint, telemetry), and no IAM role checks.
    assert all(call.endpoint_url.startswith(aws_emulator.url) for call in aws_calls.calls)
    assert "SimulatePrincipalPolicy" not in aws_calls.operations()
