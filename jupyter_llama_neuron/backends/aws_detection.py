"""Whether this machine can reach AWS: credentials and a region, resolved the way boto3 resolves them.

Used to choose the backend (``backend_selection``) before any backend exists, so it lives beside the backends
(it is the only AWS code outside ``backends/sagemaker``) and imports boto3 only inside its functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..settings import ExtensionSettings


@dataclass(frozen=True)
class AwsDetection:
    ok: bool
    region: str | None
    reason: str


def resolve_region(settings: ExtensionSettings, profile_region: str | None) -> str | None:
    """settings.region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region."""
    for candidate in (
        settings.region,
        os.environ.get("AWS_REGION"),
        os.environ.get("AWS_DEFAULT_REGION"),
        profile_region,
    ):
        if candidate:
            return candidate
    return None


def detect_aws(settings: ExtensionSettings) -> AwsDetection:
    """Blocking: do AWS credentials and a region resolve? Never raises."""
    try:
        import boto3  # deferred: importing boto3 costs a few hundred milliseconds

        session = boto3.Session()
        region = resolve_region(settings, session.region_name)
        credentials = session.get_credentials()
        if credentials is None:
            return AwsDetection(
                False,
                region,
                "No AWS credentials were found (environment, shared credentials "
                "file, SSO, container or instance role).",
            )
        # Refreshable providers (SSO, assumed roles) only fetch here; a failure means no usable credentials.
        credentials.get_frozen_credentials()
    except Exception as err:  # any botocore failure means "no AWS", which auto mode must survive
        return AwsDetection(False, None, f"AWS credentials could not be resolved: {err}")
    if not region:
        return AwsDetection(
            False,
            None,
            "AWS credentials were found but no region: set LlamaNeuronApp.region, "
            "AWS_REGION or AWS_DEFAULT_REGION.",
        )
    return AwsDetection(True, region, f"AWS credentials and region {region} were found.")


def detect_region(settings: ExtensionSettings) -> str | None:
    """Blocking: the region only (no credential resolution), for an explicit ``backend = "sagemaker"``."""
    try:
        import boto3

        return resolve_region(settings, boto3.Session().region_name)
    except Exception:  # a broken profile must not stop the server; SageMaker calls will then explain
        return resolve_region(settings, None)
