"""``SageMakerBackend``: the ``backends.base.Backend`` of an AWS account, composed of one module per job
(session and executor, endpoints, invocation, training, datasets). Construction is cheap: no AWS call.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import boto3

from ...errors import ApiError, Conflict, NotFound
from ...settings import ExtensionSettings
from ..base import (
    BackendFacts,
    BackendName,
    Endpoint,
    EndpointRequest,
    InvocationResult,
    StorageItem,
    StoredDataset,
    TrainingJob,
    TrainingRequest,
)
from .datasets import S3Datasets
from .endpoints import SageMakerEndpoints
from .invocation import SageMakerInvoker
from .jumpstart_sdk import import_sdk
from .session import STUDIO_METADATA_FILE, AwsSession
from .training import SageMakerTraining
from .types import CatalogLike

T = TypeVar("T")


class SageMakerBackend:
    """``backends.base.Backend`` on SageMaker."""

    name: BackendName = "sagemaker"
    facts = BackendFacts(
        name="sagemaker",
        has_account=True,
        bills=True,
        activity_on_record=False,
        renders_chat=False,
        dataset_uri_kind="s3",
        reports_training_steps=False,
        restarts_failed_endpoints=False,
    )

    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: CatalogLike,
        log: logging.Logger | None = None,
        *,
        boto_session: boto3.Session | None = None,
        studio_metadata_path: Path = STUDIO_METADATA_FILE,
    ) -> None:
        self._log = log or logging.getLogger("jupyter_llama_neuron")
        self.aws = AwsSession(
            settings, self._log, boto_session=boto_session, studio_metadata_path=studio_metadata_path
        )
        self.region = self.aws.region
        self.endpoints = SageMakerEndpoints(self.aws, catalog, self._log)
        self._invoker = SageMakerInvoker(self.aws, self.endpoints.ensure_ours, self._log)
        self._training = SageMakerTraining(self.aws, catalog, self._log)
        self._datasets = S3Datasets(self.aws, self._log)
        # Warm up off the event loop: building the SageMaker client loads a large service model (~0.5 s) and
        # the SDK import takes 2-4 s; neither should land on the user's first request.
        self._warmups: list[Future[Any]] = [
            self.aws.submit(self.aws.warm_clients),
            self.aws.submit(self._warm_sdk),
        ]

    def _warm_sdk(self) -> None:
        try:
            import_sdk(self.aws.region)
        except ApiError as err:  # reported again, to the user, on the first create
            self._log.warning("jupyter_llama_neuron: %s", err.message)

    # -- identity --------------------------------------------------------------------------------------------

    async def identity(self) -> dict[str, Any]:
        return await self.aws.run(self.aws.caller_identity)

    # -- endpoints -------------------------------------------------------------------------------------------

    async def list_endpoints(self) -> list[Endpoint]:
        return await self.endpoints.list_endpoints()

    async def describe_endpoint(self, name: str) -> Endpoint:
        return await self.endpoints.describe_endpoint(name)

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        return await self.endpoints.create_endpoint(request)

    async def delete_endpoint(self, name: str) -> None:
        await self.endpoints.delete_endpoint(name)

    async def restart_endpoint(self, name: str) -> Endpoint:
        # SageMaker has no restart: "DeleteEndpoint is the only operation that can be performed on a failed
        # endpoint" (DescribeEndpoint EndpointStatus, botocore data/sagemaker/2017-07-24/service-2.json;
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).
        endpoint = await self.endpoints.describe_endpoint(name)  # NotFound first, as for every other call
        raise Conflict(
            f"Endpoint {name} ({endpoint.status}) cannot be restarted: SageMaker allows only deleting a "
            "Failed endpoint.",
            hint="Delete it in Resources and deploy the model again.",
            code="RestartUnsupported",
        )

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        return await self.endpoints.endpoint_activity(endpoints, start, end)

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        return await self.endpoints.set_auto_delete(name, idle_minutes)

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        return await self.endpoints.set_keep_until(name, until)

    # -- invocation ------------------------------------------------------------------------------------------

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        return await self._invoker.invoke(name, payload)

    def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncGenerator[str, None]:
        return self._invoker.invoke_stream(name, payload)

    def invoke_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncGenerator[dict[str, Any], None]:
        return self._invoker.invoke_events(name, payload, stream=stream)

    def model_readiness(self) -> dict[str, Any] | None:
        return None  # models run on SageMaker: nothing to prepare here

    # -- training --------------------------------------------------------------------------------------------

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        return await self._training.create_training_job(request)

    async def list_training_jobs(self) -> list[TrainingJob]:
        return await self._training.list_training_jobs()

    async def check_training_dataset(self, uri: str) -> None:
        return None  # S3 access is checked by SageMaker when the job starts (with the job's role)

    async def describe_training_job(self, name: str) -> TrainingJob:
        return await self._training.describe_training_job(name)

    async def stop_training_job(self, name: str) -> TrainingJob:
        return await self._training.stop_training_job(name)

    # -- datasets (blocking methods run inside ``run_dataset_work``) -----------------------------------------

    async def run_dataset_work(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.aws.run_dataset(fn, *args)

    def dataset_files(self, uri: str) -> list[tuple[str, int]]:
        return self._datasets.files(uri)

    def open_dataset_file(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        return self._datasets.open(uri)

    def store_dataset(self, folder: Path, filename: str, dataset_id: str) -> StoredDataset:
        return self._datasets.store(folder, filename, dataset_id)

    # -- local disk ------------------------------------------------------------------------------------------

    async def local_storage(self) -> list[StorageItem]:
        """Nothing: SageMaker mode keeps datasets and training outputs in S3 (what the server itself keeps,
        uploads and held-out rows, the storage service lists)."""
        return []

    async def delete_local_storage(self, kind: str, item_id: str) -> None:
        raise NotFound(
            f"SageMaker mode keeps no {kind} {item_id} on this machine.",
            hint="Datasets and training outputs are in S3; delete them there.",
            code="StorageItemNotFound",
        )

    # -- shutdown --------------------------------------------------------------------------------------------

    async def close(self) -> None:
        self.aws.close()
