"""``LocalBackend``: the ``backends.base.Backend`` of local mode. Endpoints are worker subprocesses
(``endpoints``), fine-tuning is LoRA in a trainer subprocess (``training``), models come from the model store
(``model_store``), training files stay on this machine (``datasets``)."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, TypeVar

from ...errors import BadRequest, NotFound, ServiceUnavailable
from ...resource_rules import is_resource_name
from ...settings import ExtensionSettings
from ..base import (
    BackendFacts,
    BackendName,
    StorageItem,
    StoredDataset,
    TrainingJob,
    TrainingRequest,
)
from .datasets import remote_dataset_refused, store_locally
from .endpoints import CatalogLike, LocalEndpoints
from .model_store import ModelStore
from .storage import delete_local_item, list_local_storage
from .training import LocalTrainingJobs

T = TypeVar("T")


class LocalBackend(LocalEndpoints):
    """``Backend`` implementation for local mode."""

    name: BackendName = "local"
    facts = BackendFacts(
        name="local",
        has_account=False,
        bills=False,
        activity_on_record=True,
        renders_chat=True,
        dataset_uri_kind="file",
        reports_training_steps=True,
        restarts_failed_endpoints=True,
    )

    def __init__(
        self, settings: ExtensionSettings, catalog: CatalogLike, log: logging.Logger | None = None
    ) -> None:
        log = log or logging.getLogger("jupyter_llama_neuron")
        super().__init__(settings, catalog, ModelStore(settings, log), log)
        # Training jobs (LoRA in a trainer subprocess), recorded in <data_dir>/local/training.
        self.training = LocalTrainingJobs(
            settings, self.store, self._display_name, self._log, owner=self._owner
        )

    async def identity(self) -> dict[str, Any]:
        return {
            "machine": platform.node(),
            "backend": "local",
            "cpus": os.cpu_count(),
            "torch_threads": self._settings.local_torch_threads,
            "model_readiness": self.model_readiness(),
        }

    # -- training jobs ---------------------------------------------------------------------------------------

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        """LoRA on the model that serves ``request.model_id`` here (the stand-in or a mapped folder)."""
        if not is_resource_name(request.name):
            raise BadRequest(f"Invalid training job name {request.name!r}.")
        resolved = self.store.resolve(request.model_id, self._display_name(request.model_id))
        if resolved.source == "stand-in":
            reason = self.store.stand_in_unavailable_reason()
            if reason:
                raise ServiceUnavailable(reason, code="LocalModeUnavailable")
        return await self.training.create(request, resolved, resolved.label)

    async def list_training_jobs(self) -> list[TrainingJob]:
        return await self.training.list()

    async def check_training_dataset(self, uri: str) -> None:
        await asyncio.to_thread(self.training.resolve_dataset, uri)

    async def describe_training_job(self, name: str) -> TrainingJob:
        if not is_resource_name(name):
            raise NotFound(f"Training job {name} does not exist.", code="TrainingJobNotFound")
        return await self.training.describe(name)

    async def stop_training_job(self, name: str) -> TrainingJob:
        if not is_resource_name(name):
            raise NotFound(f"Training job {name} does not exist.", code="TrainingJobNotFound")
        return await self.training.stop(name)

    # -- datasets (blocking methods run inside ``run_dataset_work``) -----------------------------------------

    @property
    def datasets_dir(self) -> Path:
        return self._settings.data_dir / "local" / "datasets"

    async def run_dataset_work(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    def dataset_files(self, uri: str) -> list[tuple[str, int]]:
        raise remote_dataset_refused(uri)

    def open_dataset_file(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        raise remote_dataset_refused(uri)

    def store_dataset(self, folder: Path, filename: str, dataset_id: str) -> StoredDataset:
        return store_locally(self.datasets_dir, folder, filename, dataset_id)

    # -- local disk ------------------------------------------------------------------------------------------

    async def local_storage(self) -> list[StorageItem]:
        await self._ensure_recovered()
        endpoints = self.records.all()
        jobs = await self.training.list()
        return await asyncio.to_thread(list_local_storage, self._settings.data_dir, endpoints, jobs)

    async def delete_local_storage(self, kind: str, item_id: str) -> None:
        items = await self.local_storage()
        await asyncio.to_thread(delete_local_item, items, kind, item_id)

    # -- model readiness -------------------------------------------------------------------------------------

    def model_readiness(self, model_id: str | None = None) -> dict[str, Any]:
        """The model store's readiness for ``model_id`` (or for the stand-in when no id is given).

        When the stand-in is needed and not converted yet, the first call starts the conversion in the
        background: that is what shows the first-time progress bar before anyone presses Deploy.
        """
        display = self._display_name(model_id) if model_id else None
        if model_id is None and not self._stand_in_needed():
            return {
                "state": "ready",
                "progress": 1.0,
                "label": "local models from LlamaNeuronApp.local_model_paths",
                "message": "Every catalog model is mapped to a local model folder.",
            }
        readiness = self.store.readiness(model_id, display)
        # After a failed conversion only a deploy retries it; a polling /status must not restart a 25 s,
        # 1.5 GB job every few seconds.
        if readiness["state"] == "missing" and not self._closed and not self.store.last_error:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return readiness  # called outside the event loop: report only
            self.store.start_conversion()
            readiness = self.store.readiness(model_id, display)
        return readiness

    def _stand_in_needed(self) -> bool:
        try:
            ids = [str(entry.get("id")) for entry in self._catalog.summaries()]
        except Exception:  # a broken catalog must not break /status; assume the stand-in is wanted
            return True
        return any(not self.store.is_mapped(model_id) for model_id in ids) or not ids

    async def close(self) -> None:
        """Stop every worker, trainer and conversion this backend started."""
        self._closed = True
        await self.training.close()
        await super().close()
        await self.store.close()
