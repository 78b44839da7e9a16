"""The service container stored once in the Jupyter web app settings; handlers reach it through ``self.services``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .backend_selection import BackendProvider
from .catalog import Catalog, load_catalog
from .endpoint_service import EndpointService
from .eula import EulaStore
from .settings import ExtensionSettings


@dataclass
class Services:
    settings: ExtensionSettings
    catalog: Catalog
    eula: EulaStore
    backends: BackendProvider
    endpoints: EndpointService

    @classmethod
    def create(cls, settings: ExtensionSettings, log: logging.Logger | None = None) -> Services:
        log = log or logging.getLogger("jupyter_llama_neuron")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        catalog = load_catalog()
        eula = EulaStore(settings.data_dir / "eula.json", catalog)
        backends = BackendProvider(settings, catalog, log)
        endpoints = EndpointService(settings, catalog, eula, backends)
        return cls(settings, catalog, eula, backends, endpoints)

    async def status(self) -> dict[str, Any]:
        from . import __version__

        return {"version": __version__, **(await self.backends.status())}

    async def close(self) -> None:
        await self.backends.close()
