"""Fixtures (a pytest plugin): the catalog, and a SageMaker backend on the AWS emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend
from jupyter_llama_neuron.catalog import Catalog, load_catalog
from tests.sagemaker_settings import LOG, make_settings

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
async def backend(
    aws_emulator: AwsEmulator, tmp_path: Path, catalog: Catalog
) -> AsyncIterator[SageMakerBackend]:
    instance = SageMakerBackend(make_settings(tmp_path), catalog, LOG)
    yield instance
    await instance.close()
