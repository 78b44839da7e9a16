"""The cost guard: ``/cost-guard`` (burn, warnings, deletions) and per-endpoint auto-delete / keep."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class CostGuardHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.cost_guard.status())


class EndpointAutoDeleteHandler(ApiHandler):
    @web.authenticated
    async def put(self, name: str) -> None:
        self.send_json(await self.services.cost_guard.set_auto_delete(name, self.json_body()))


class EndpointKeepHandler(ApiHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.send_json(await self.services.cost_guard.keep(name, self.json_body()))
