"""Backend selection: detection in a thread with a deadline, region order, one backend, honest /status."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron import backend_selection
from jupyter_llama_neuron.backend_selection import BackendProvider
from jupyter_llama_neuron.backends.aws_detection import AwsDetection, detect_aws, resolve_region
from jupyter_llama_neuron.catalog import Catalog, load_catalog
from jupyter_llama_neuron.errors import ApiError, ServiceUnavailable
from jupyter_llama_neuron.settings import BackendChoice, ExtensionSettings

from .fakes import FakeBackend

LOG = logging.getLogger("test")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(autouse=True)
def _no_aws(no_aws: None) -> None:
    """Each test sets exactly the AWS environment it is about."""


def _settings(tmp_path: Path, backend: BackendChoice = "auto", **kwargs: Any) -> ExtensionSettings:
    return ExtensionSettings(backend=backend, data_dir=tmp_path, **kwargs)


def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


# --- detection ----------------------------------------------------------------------------------------------


def test_region_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert resolve_region(_settings(tmp_path, region="ap-south-1"), "us-east-2") == "ap-south-1"
    assert resolve_region(_settings(tmp_path), "us-east-2") == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    assert resolve_region(_settings(tmp_path), "us-east-2") == "us-west-2"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert resolve_region(_settings(tmp_path), "us-east-2") == "us-east-2"
    assert resolve_region(_settings(tmp_path), None) is None


def test_no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    found = detect_aws(_settings(tmp_path))
    assert not found.ok
    assert "No AWS credentials" in found.reason


def test_credentials_without_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch)
    found = detect_aws(_settings(tmp_path))
    assert (found.ok, found.region) == (False, None)
    assert "no region" in found.reason


def test_credentials_and_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _creds(monkeypatch)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert detect_aws(_settings(tmp_path)) == AwsDetection(
        True, "us-east-2", "AWS credentials and region us-east-2 were found."
    )
    assert detect_aws(_settings(tmp_path, region="eu-central-1")).region == "eu-central-1"


def test_broken_profile_is_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    found = detect_aws(_settings(tmp_path))
    assert not found.ok
    assert "does-not-exist" in found.reason


# --- the provider -------------------------------------------------------------------------------------------


def _detection(result: AwsDetection) -> Any:
    def detect(settings: ExtensionSettings) -> AwsDetection:
        return result

    return detect


async def test_auto_detection_does_not_block_construction_and_respects_the_deadline(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    entered = threading.Event()

    def stuck(settings: ExtensionSettings) -> AwsDetection:
        entered.set()
        gate.wait(30)  # a credential chain that hangs (e.g. unreachable SSO)
        return AwsDetection(True, "us-east-1", "found")

    monkeypatch.setattr(backend_selection, "detect_aws", stuck)
    try:
        provider = BackendProvider(_settings(tmp_path, auto_detect_timeout_s=0.3), catalog, LOG)
        # The constructor returned while detection is still running in its thread.
        assert entered.wait(5)
        assert not gate.is_set()
        backend = await provider.get()  # would hang until the gate opens if it ignored the deadline
        assert backend.name == "local"
        status = await provider.status()
        assert "did not resolve within 0.3 s" in status["reason"]
        await provider.close()
    finally:
        gate.set()


async def test_auto_uses_sagemaker_with_the_detected_region(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        backend_selection,
        "detect_aws",
        _detection(AwsDetection(True, "eu-west-1", "AWS credentials and region found.")),
    )
    built: list[ExtensionSettings] = []

    def build(self: BackendProvider, name: str, settings: ExtensionSettings) -> FakeBackend:
        built.append(settings)
        return FakeBackend(name=name)  # type: ignore[arg-type]

    monkeypatch.setattr(BackendProvider, "_build", build)
    provider = BackendProvider(_settings(tmp_path), catalog, LOG)
    backends = await asyncio.gather(*(provider.get() for _ in range(5)))
    assert len({id(b) for b in backends}) == 1  # built once
    assert [s.region for s in built] == ["eu-west-1"]
    status = await provider.status()
    assert status["label"] == "SageMaker · us-east-1 · 123456789012"
    assert status["backend"] == "sagemaker"
    assert status["backend_choice"] == "auto"
    await provider.status()
    fake = backends[0]
    assert isinstance(fake, FakeBackend)
    assert [c for c, _ in fake.calls].count("identity") == 1  # the identity is cached


async def test_auto_builds_the_real_sagemaker_backend(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _creds(monkeypatch)
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    provider = BackendProvider(_settings(tmp_path, auto_detect_timeout_s=10), catalog, LOG)
    backend = await provider.get()
    try:
        assert type(backend).__name__ == "SageMakerBackend"
        assert backend.name == "sagemaker"
    finally:
        await provider.close()


async def test_local_choice_builds_the_real_local_backend(tmp_path: Path, catalog: Catalog) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    settings = _settings(
        tmp_path, backend="local", local_model_paths=dict.fromkeys(catalog.ids(), str(folder))
    )
    provider = BackendProvider(settings, catalog, LOG)
    try:
        status = await provider.status()
        assert type(await provider.get()).__name__ == "LocalBackend"
        assert status["label"] == "Local mode (no AWS account)"
        assert status["local_model"]["state"] == "ready"
    finally:
        await provider.close()


class _Failing(FakeBackend):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    async def identity(self) -> dict[str, Any]:
        raise self.error


class _Hanging(FakeBackend):
    async def identity(self) -> dict[str, Any]:
        await asyncio.sleep(30)
        return {}


@pytest.mark.parametrize(
    ("backend", "code"),
    [
        (
            _Failing(
                ApiError(
                    "The security token included in the request is invalid.",
                    code="InvalidToken",
                    status=403,
                    hint="Refresh your credentials.",
                )
            ),
            "InvalidToken",
        ),
        (_Failing(RuntimeError("socket closed")), "IdentityUnavailable"),
        (_Hanging(), "AwsUnreachable"),
    ],
)
async def test_identity_failures_become_an_error_field(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, backend: FakeBackend, code: str
) -> None:
    monkeypatch.setattr(backend_selection, "IDENTITY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(backend_selection, "detect_region", lambda settings: "us-east-1")
    monkeypatch.setattr(BackendProvider, "_build", lambda self, name, settings: backend)
    provider = BackendProvider(_settings(tmp_path, backend="sagemaker"), catalog, LOG)
    status = await provider.status()
    assert status["error"]["code"] == code
    assert status["error"]["message"]
    assert status["label"] == "SageMaker · us-east-1"
    assert status["account"] is None


async def test_a_backend_that_cannot_start_is_503(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jupyter_llama_neuron.backends.local.backend as local_module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ImportError("No module named 'torch'")

    monkeypatch.setattr(local_module, "LocalBackend", broken)
    provider = BackendProvider(_settings(tmp_path, backend="local"), catalog, LOG)
    with pytest.raises(ServiceUnavailable) as info:
        await provider.get()
    assert "No module named 'torch'" in info.value.message
    assert info.value.status == 503


async def test_close_closes_the_backend(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeBackend(name="local")
    monkeypatch.setattr(BackendProvider, "_build", lambda self, name, settings: fake)
    provider = BackendProvider(_settings(tmp_path, backend="local"), catalog, LOG)
    await provider.close()  # nothing built yet: nothing to close
    assert fake.calls == []
    await provider.get()
    await provider.close()
    assert ("close", None) in fake.calls


def test_detection_thread_is_a_daemon(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    monkeypatch.setattr(
        backend_selection, "detect_aws", lambda settings: (gate.wait(5), AwsDetection(False, None, "no"))[1]
    )
    BackendProvider(_settings(tmp_path), catalog, LOG)
    threads = [t for t in threading.enumerate() if t.name == "llama-neuron-aws-detect"]
    assert threads
    assert all(t.daemon for t in threads)
    gate.set()
