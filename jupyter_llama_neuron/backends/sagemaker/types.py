"""What the SageMaker backend needs from its collaborators (structural types, no imports of services)."""

from __future__ import annotations

from typing import Protocol

from ..base import DeploymentConfig


class CatalogLike(Protocol):
    """What this backend needs from ``catalog.Catalog``."""

    def display_name(self, model_id: str) -> str: ...

    def is_confirmed(self, model_id: str, config: DeploymentConfig) -> bool: ...
