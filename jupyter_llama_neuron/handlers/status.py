"""``GET /status``: which backend serves, where, and whether the local model is ready."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class StatusHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.status.status())
