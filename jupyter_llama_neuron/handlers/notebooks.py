"""``/notebooks``: write an example notebook for one step of the flow (201 ``{"path"}``)."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class NotebooksHandler(ApiHandler):
    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.notebooks.create(self.json_body(), self.username), status=201)
