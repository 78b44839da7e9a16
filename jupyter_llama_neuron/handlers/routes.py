"""The route table (relative to ``/llama-neuron/api/v1``); kept in sync with ``openapi.yaml`` by a test."""

from __future__ import annotations

from typing import Any

from .endpoints import EndpointHandler, EndpointInvocationsHandler, EndpointsHandler
from .models import ModelEulaHandler, ModelHandler, ModelsHandler
from .status import StatusHandler

MODEL_ID = r"(?P<model_id>[^/]+)"
RESOURCE_NAME = r"(?P<name>[^/]+)"

ROUTES: list[tuple[str, Any]] = [
    (r"/status", StatusHandler),
    (r"/models", ModelsHandler),
    (rf"/models/{MODEL_ID}", ModelHandler),
    (rf"/models/{MODEL_ID}/eula", ModelEulaHandler),
    (r"/endpoints", EndpointsHandler),
    (rf"/endpoints/{RESOURCE_NAME}", EndpointHandler),
    (rf"/endpoints/{RESOURCE_NAME}/invocations", EndpointInvocationsHandler),
]
