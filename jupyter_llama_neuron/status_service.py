"""``GET /status``: the version, which backend serves and where, and the rules the UI applies as the user
types (so the UI copies none of them): inference parameters, resource names, dataset URIs, training."""

from __future__ import annotations

from typing import Any

from . import inference_parameters, resource_rules, training_rules
from .backend_selection import BackendProvider

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


def rules_json() -> dict[str, Any]:
    return {
        "inference_parameters": inference_parameters.rules_json(),
        **resource_rules.rules_json(),
        "training": training_rules.rules_json(),
    }


class StatusService:
    def __init__(self, backends: BackendProvider) -> None:
        self.backends = backends

    async def status(self) -> dict[str, Any]:
        status = await self.backends.status()
        rules = rules_json()
        # What this server's training reads: s3:// URIs (SageMaker) or stored local datasets (file://).
        rules["dataset_uri"]["kind"] = (await self.backends.get()).facts.dataset_uri_kind
        return {"version": __version__, **status, "rules": rules}
