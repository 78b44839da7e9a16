"""SageMakerBackend's session (identity, region, execution role, shutdown, the tripwire) and its stream
decoding, against the in-process AWS emulator or as pure functions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ProxyConnectionError
from botocore.stub import Stubber

from jupyter_llama_neuron.backends import sagemaker as sagemaker_backend
from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend, StreamTextDecoder, resolve_region
from jupyter_llama_neuron.catalog import Catalog, load_catalog
from jupyter_llama_neuron.errors import ApiError, ServiceUnavailable
from tests.sagemaker_settings import LOG, make_settings

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator", "tests.sagemaker_fixtures"]


# -- identity, configuration, shutdown -----------------------------------------------------------------------


async def test_identity(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    identity = await backend.identity()
    assert identity["account"] == aws_emulator.account_id
    assert identity["region"] == "us-east-1"
    assert identity["arn"].startswith("arn:aws:")


def test_region_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert resolve_region(make_settings(tmp_path, region="eu-west-1")) == "eu-west-1"
    assert resolve_region(make_settings(tmp_path, region="")) == "us-east-2"
    monkeypatch.delenv("AWS_REGION")
    assert resolve_region(make_settings(tmp_path, region="")) == "us-west-2"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert resolve_region(
        make_settings(tmp_path, region=""), lambda: boto3.Session(region_name="ap-south-1")
    ) == ("ap-south-1")


def test_no_region_names_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    with pytest.raises(ApiError) as info:
        SageMakerBackend(make_settings(tmp_path, region=""), load_catalog(), LOG)
    assert info.value.code == "NoRegion"
    assert "c.LlamaNeuronApp.region" in info.value.hint


def _studio_metadata(tmp_path: Path, **fields: str) -> Path:
    path = tmp_path / "resource-metadata.json"
    path.write_text(json.dumps(fields))
    return path


async def test_studio_role_from_the_user_profile(
    aws_emulator: AwsEmulator, tmp_path: Path, catalog: Catalog
) -> None:
    metadata = _studio_metadata(tmp_path, DomainId="d-abc", UserProfileName="alice")
    backend = SageMakerBackend(
        make_settings(tmp_path, role_arn=""), catalog, LOG, studio_metadata_path=metadata
    )
    try:
        with Stubber(backend.aws.client("sagemaker")) as stubber:
            stubber.add_response(
                "describe_user_profile",
                {
                    "UserProfileName": "alice",
                    "UserSettings": {"ExecutionRole": "arn:aws:iam::1:role/studio-alice"},
                },
                {"DomainId": "d-abc", "UserProfileName": "alice"},
            )
            assert backend.aws.execution_role() == "arn:aws:iam::1:role/studio-alice"
            assert backend.aws.execution_role() == "arn:aws:iam::1:role/studio-alice"  # cached: one call
    finally:
        await backend.close()


async def test_studio_role_falls_back_to_the_domain(
    aws_emulator: AwsEmulator, tmp_path: Path, catalog: Catalog
) -> None:
    metadata = _studio_metadata(tmp_path, DomainId="d-abc", UserProfileName="bob")
    backend = SageMakerBackend(
        make_settings(tmp_path, role_arn=""), catalog, LOG, studio_metadata_path=metadata
    )
    try:
        with Stubber(backend.aws.client("sagemaker")) as stubber:
            stubber.add_response("describe_user_profile", {"UserProfileName": "bob", "UserSettings": {}})
            stubber.add_response(
                "describe_domain",
                {"DefaultUserSettings": {"ExecutionRole": "arn:aws:iam::1:role/domain-default"}},
            )
            assert backend.aws.execution_role() == "arn:aws:iam::1:role/domain-default"
    finally:
        await backend.close()


async def test_studio_role_failure_is_explained(
    aws_emulator: AwsEmulator, tmp_path: Path, catalog: Catalog
) -> None:
    metadata = _studio_metadata(tmp_path, DomainId="d-abc", UserProfileName="carol")
    backend = SageMakerBackend(
        make_settings(tmp_path, role_arn=""), catalog, LOG, studio_metadata_path=metadata
    )
    try:
        with Stubber(backend.aws.client("sagemaker")) as stubber:
            stubber.add_client_error("describe_user_profile", "AccessDeniedException", "denied", 400)
            stubber.add_client_error("describe_domain", "AccessDeniedException", "denied", 400)
            with pytest.raises(ApiError) as info:
                backend.aws.execution_role()
    finally:
        await backend.close()
    assert info.value.code == "NoExecutionRole"
    assert "sagemaker:DescribeDomain" in info.value.message


async def test_studio_metadata_with_the_role_inline(
    tmp_path: Path, catalog: Catalog, aws_emulator: AwsEmulator
) -> None:
    metadata = _studio_metadata(tmp_path, ExecutionRoleArn="arn:aws:iam::1:role/inline")
    backend = SageMakerBackend(
        make_settings(tmp_path, role_arn=""), catalog, LOG, studio_metadata_path=metadata
    )
    try:
        assert backend.aws.execution_role() == "arn:aws:iam::1:role/inline"
    finally:
        await backend.close()


async def test_closed_backend_refuses_work(backend: SageMakerBackend) -> None:
    await backend.close()
    with pytest.raises(ServiceUnavailable):
        await backend.list_endpoints()


async def test_unreachable_aws_is_reported(backend: SageMakerBackend, aws_calls: CallRecorder) -> None:
    from botocore.exceptions import EndpointConnectionError

    aws_calls.fail(
        "Search", EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")
    )
    with pytest.raises(ApiError) as info:
        await backend.list_endpoints()
    assert (info.value.status, info.value.code) == (503, "AwsUnreachable")


def test_escapes_to_real_aws_fail_fast(aws_emulator: AwsEmulator) -> None:
    """The tripwire: a client aimed at the real endpoint goes through the dead proxy and fails at once."""
    factory: Any = boto3.client
    sts = factory("sts", region_name="us-east-1", endpoint_url="https://sts.us-east-1.amazonaws.com")
    with pytest.raises(ProxyConnectionError):
        sts.get_caller_identity()


def test_importing_the_backend_does_not_import_the_sdk() -> None:
    code = (
        "import sys, jupyter_llama_neuron.backends.sagemaker as m; "
        "assert 'sagemaker' not in sys.modules, 'sagemaker imported'; print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert Path("/opt/ml/metadata/resource-metadata.json") == sagemaker_backend.STUDIO_METADATA_FILE


# -- stream decoding (pure) ----------------------------------------------------------------------------------


def test_decoder_handles_sse_prefix_and_final_summary_line() -> None:
    decoder = StreamTextDecoder()
    chunks = decoder.feed(
        b'data: {"token": {"text": "A"}}\n\ndata: {"token": {"text": "B", "special": false}}\n'
    )
    chunks += decoder.feed(b'data: {"token": {"text": "</s>", "special": true}, "generated_text": "AB"}\n')
    assert chunks + decoder.flush() == ["A", "B"]


def test_decoder_uses_generated_text_when_nothing_streamed() -> None:
    decoder = StreamTextDecoder("application/json")
    assert decoder.feed(b'[{"generated_text": "all at once"}]') == []
    assert decoder.flush() == ["all at once"]


def test_decoder_keeps_utf8_split_across_parts_in_text_mode() -> None:
    decoder = StreamTextDecoder("text/plain")
    raw = "héllo".encode()
    chunks = decoder.feed(raw[:2]) + decoder.feed(raw[2:]) + decoder.flush()
    assert "".join(chunks) == "héllo"
