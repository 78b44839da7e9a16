"""The route table (relative to ``/llama-neuron/api/v1``); a test keeps it in sync with ``openapi/``."""

from __future__ import annotations

from typing import Any

from .cost_guard import CostGuardHandler, EndpointAutoDeleteHandler, EndpointKeepHandler
from .datasets import DatasetPreflightHandler, DatasetsHandler, DatasetUploadsHandler
from .endpoints import (
    EndpointHandler,
    EndpointInvocationsHandler,
    EndpointRestartHandler,
    EndpointsHandler,
)
from .evaluations import (
    EvaluationExportHandler,
    EvaluationHandler,
    EvaluationNotebookHandler,
    EvaluationsHandler,
    EvaluationStopHandler,
)
from .models import ModelEulaHandler, ModelHandler, ModelsHandler
from .notebooks import NotebooksHandler
from .sagemaker_payload import SageMakerPayloadHandler
from .status import StatusHandler
from .storage import StorageHandler, StorageItemHandler
from .training_jobs import TrainingJobHandler, TrainingJobsHandler, TrainingJobStopHandler

MODEL_ID = r"(?P<model_id>[^/]+)"
RESOURCE_NAME = r"(?P<name>[^/]+)"
EVALUATION_ID = r"(?P<evaluation_id>[^/]+)"
STORAGE_ITEM = r"(?P<kind>[^/]+)/(?P<item_id>[^/]+)"

ROUTES: list[tuple[str, Any]] = [
    (r"/status", StatusHandler),
    (r"/models", ModelsHandler),
    (rf"/models/{MODEL_ID}", ModelHandler),
    (rf"/models/{MODEL_ID}/eula", ModelEulaHandler),
    (r"/endpoints", EndpointsHandler),
    (rf"/endpoints/{RESOURCE_NAME}", EndpointHandler),
    (rf"/endpoints/{RESOURCE_NAME}/invocations", EndpointInvocationsHandler),
    (rf"/endpoints/{RESOURCE_NAME}/restart", EndpointRestartHandler),
    (rf"/endpoints/{RESOURCE_NAME}/auto-delete", EndpointAutoDeleteHandler),
    (rf"/endpoints/{RESOURCE_NAME}/keep", EndpointKeepHandler),
    (r"/sagemaker-payload", SageMakerPayloadHandler),
    (r"/cost-guard", CostGuardHandler),
    (r"/datasets", DatasetsHandler),
    (r"/datasets/preflight", DatasetPreflightHandler),
    (r"/datasets/uploads", DatasetUploadsHandler),
    (r"/training-jobs", TrainingJobsHandler),
    (rf"/training-jobs/{RESOURCE_NAME}", TrainingJobHandler),
    (rf"/training-jobs/{RESOURCE_NAME}/stop", TrainingJobStopHandler),
    (r"/notebooks", NotebooksHandler),
    (r"/evaluations", EvaluationsHandler),
    (rf"/evaluations/{EVALUATION_ID}", EvaluationHandler),
    (rf"/evaluations/{EVALUATION_ID}/stop", EvaluationStopHandler),
    (rf"/evaluations/{EVALUATION_ID}/export", EvaluationExportHandler),
    (rf"/evaluations/{EVALUATION_ID}/notebook", EvaluationNotebookHandler),
    (r"/storage", StorageHandler),
    (rf"/storage/{STORAGE_ITEM}", StorageItemHandler),
]
