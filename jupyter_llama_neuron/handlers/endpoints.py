"""``/endpoints``: list, create (202), describe, delete and invoke."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class EndpointsHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.endpoints.list())

    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.endpoints.create(self.json_body(), self.username), status=202)


class EndpointHandler(ApiHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.send_json(await self.services.endpoints.describe(name))

    @web.authenticated
    async def delete(self, name: str) -> None:
        self.send_json(await self.services.endpoints.delete(name))


class EndpointInvocationsHandler(ApiHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.send_json(await self.services.endpoints.invoke(name, self.json_body()))
