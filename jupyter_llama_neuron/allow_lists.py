"""This server's allow-lists of models and instance types (empty = everything allowed), as 403 checks."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .errors import ApiError
from .settings import ExtensionSettings


def allowed_model(catalog: Catalog, settings: ExtensionSettings, model_id: str) -> dict[str, Any]:
    """The catalog entry (404 for unknown ids), or a 403 when this server does not allow the model."""
    model = catalog.model(model_id)  # 404 for unknown ids
    if settings.allowed_model_ids and model_id not in settings.allowed_model_ids:
        raise ApiError(
            f"{model['display_name']} is not allowed on this server.",
            hint="Allowed models: " + ", ".join(settings.allowed_model_ids),
            code="ModelNotAllowed",
            status=403,
        )
    return model


def require_allowed_instance_type(settings: ExtensionSettings, instance_type: str) -> None:
    allowed = settings.allowed_instance_types
    if allowed and instance_type not in allowed:
        raise ApiError(
            f"Instance type {instance_type} is not allowed on this server.",
            hint="Allowed instance types: " + ", ".join(allowed) + ".",
            code="InstanceTypeNotAllowed",
            status=403,
        )
