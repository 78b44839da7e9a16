"""The settings the SageMaker backend tests use (plain helpers; fixtures: ``sagemaker_fixtures``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jupyter_llama_neuron.settings import ExtensionSettings

ROLE_ARN = "arn:aws:iam::123456789012:role/jupyter-llama-neuron-test"
LOG = logging.getLogger("test-sagemaker-backend")


def make_settings(tmp_path: Path, **overrides: Any) -> ExtensionSettings:
    values: dict[str, Any] = {
        "backend": "sagemaker",
        "region": "us-east-1",
        "role_arn": ROLE_ARN,
        "data_dir": tmp_path,
        "aws_executor_workers": 2,
    }
    values.update(overrides)
    return ExtensionSettings(**values)
