"""Which SageMaker Python SDK major this server's environment has (without importing it): it picks the
backend's SDK adapter and the default ``sdk`` of generated SageMaker notebooks."""

from __future__ import annotations

from importlib import metadata
from typing import Literal

SUPPORTED_MAJORS = (2, 3)
DEFAULT_NOTEBOOK_SDK: Literal["v2", "v3"] = "v3"  # v2 is in maintenance since 2026-07-06 (docs/sdk-v3.md)


def installed_major() -> int | None:
    """The installed ``sagemaker`` distribution's major version, None when it is not installed."""
    try:
        version = metadata.version("sagemaker")
    except metadata.PackageNotFoundError:
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def notebook_sdk() -> Literal["v2", "v3"]:
    """The SDK generated SageMaker notebooks target by default: the installed major, else v3."""
    return "v2" if installed_major() == 2 else DEFAULT_NOTEBOOK_SDK
