"""``GET /status``: the version, and which backend serves and where."""

from __future__ import annotations

from typing import Any

from .backend_selection import BackendProvider


class StatusService:
    def __init__(self, backends: BackendProvider) -> None:
        self.backends = backends

    async def status(self) -> dict[str, Any]:
        from . import __version__

        return {"version": __version__, **(await self.backends.status())}
