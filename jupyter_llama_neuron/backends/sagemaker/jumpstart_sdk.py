"""Which SageMaker Python SDK adapter creates endpoints and training jobs: the installed ``sagemaker`` major
decides (v3 in SageMaker Studio's current images, v2 while AWS supports it). Both adapters are imported
lazily, and only the one that matches, because each imports its SDK (seconds) on first use."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from ...errors import ServiceUnavailable
from ...sagemaker_sdk import SUPPORTED_MAJORS, installed_major
from ..base import EndpointRequest
from .session import SdkSession

__all__ = [
    "SUPPORTED_MAJORS",
    "adapter",
    "deploy_fine_tuned_model",
    "deploy_jumpstart_model",
    "import_sdk",
    "installed_major",
    "start_jumpstart_training",
]
INSTALL_HINT = (
    "pip install 'jupyter_llama_neuron[sagemaker]' (sagemaker 2.257+ or 3.x), then restart Jupyter."
)


def adapter() -> ModuleType:
    major = installed_major()
    if major is None:
        raise ServiceUnavailable(
            "The SageMaker Python SDK is not installed.", hint=INSTALL_HINT, code="SageMakerSdkMissing"
        )
    if major not in SUPPORTED_MAJORS:
        raise ServiceUnavailable(
            f"SageMaker Python SDK {major}.x is not supported (2.257+ and 3.x are).",
            hint=INSTALL_HINT,
            code="SageMakerSdkUnsupported",
        )
    return importlib.import_module(f"{__package__}.jumpstart_sdk_v{major}")


def import_sdk(region: str | None = None) -> None:
    module = adapter()
    if module.__name__.endswith("_v3"):
        module.import_sdk(region)
    else:
        module.import_sdk()


def deploy_jumpstart_model(session: SdkSession, **kwargs: Any) -> None:
    adapter().deploy_jumpstart_model(session, **kwargs)


def start_jumpstart_training(session: SdkSession, **kwargs: Any) -> None:
    adapter().start_jumpstart_training(session, **kwargs)


def deploy_fine_tuned_model(session: SdkSession, request: EndpointRequest, **kwargs: Any) -> EndpointRequest:
    """A training job's output as an endpoint; returns the request with the configuration it really gets."""
    result: EndpointRequest = adapter().deploy_fine_tuned_model(session, request, **kwargs)
    return result
