"""The service container kept in the Jupyter web app settings; handlers reach it as ``self.services``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from .backend_selection import BackendProvider
from .catalog import Catalog, load_catalog
from .cost_guard import CostGuard
from .dataset_store import DatasetService
from .endpoint_activity import ActivityTracker
from .endpoint_service import EndpointService
from .eula import EulaStore
from .evaluation_notebook import EvaluationNotebooks
from .evaluation_service import EvaluationService
from .model_service import ModelService
from .notebooks import NotebookService
from .settings import ExtensionSettings
from .status_service import StatusService
from .storage_service import StorageService
from .training_service import TrainingService


@dataclass
class Services:
    settings: ExtensionSettings
    catalog: Catalog
    eula: EulaStore
    backends: BackendProvider
    endpoints: EndpointService
    datasets: DatasetService
    training: TrainingService
    cost_guard: CostGuard
    models: ModelService
    status: StatusService
    # Example notebooks (POST /notebooks); ``create`` gives it the Jupyter root directory.
    notebooks: NotebookService = field(init=False)
    # Evaluations of endpoints on held-out rows (POST /evaluations) and their notebooks.
    evaluations: EvaluationService = field(init=False)
    evaluation_notebooks: EvaluationNotebooks = field(init=False)
    # What is kept on this machine's disk (GET /storage).
    storage: StorageService = field(init=False)

    @classmethod
    def create(
        cls, settings: ExtensionSettings, log: logging.Logger | None = None, *, root_dir: Path | None = None
    ) -> Services:
        log = log or logging.getLogger("jupyter_llama_neuron")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        catalog = load_catalog()
        eula = EulaStore(settings.data_dir / "eula.json", catalog)
        backends = BackendProvider(settings, catalog, log)
        activity = ActivityTracker(settings)
        endpoints = EndpointService(settings, catalog, eula, backends, activity)
        datasets = DatasetService(settings, catalog, backends, log)
        training = TrainingService(settings, catalog, eula, backends)
        cost_guard = CostGuard(settings, catalog, backends, endpoints, activity, log)
        services = cls(
            settings,
            catalog,
            eula,
            backends,
            endpoints,
            datasets,
            training=training,
            cost_guard=cost_guard,
            models=ModelService(settings, catalog, eula),
            status=StatusService(backends),
        )
        services.notebooks = NotebookService(settings, catalog, root_dir or Path.cwd(), backends)
        services.evaluations = EvaluationService(settings, endpoints, log)
        services.evaluation_notebooks = EvaluationNotebooks(services.evaluations, services.notebooks)
        services.storage = StorageService(settings, backends, log)
        services.storage.collect_old_uploads()
        return services

    async def close(self) -> None:
        await self.cost_guard.stop()
        await self.evaluations.close()
        await self.backends.close()
