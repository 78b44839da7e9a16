"""``/models``: the catalog, one model card, and recording the licence acceptance."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class ModelsHandler(ApiHandler):
    @web.authenticated
    def get(self) -> None:
        self.send_json(self.services.models.list())


class ModelHandler(ApiHandler):
    @web.authenticated
    def get(self, model_id: str) -> None:
        self.send_json(self.services.models.card(model_id))


class ModelEulaHandler(ApiHandler):
    @web.authenticated
    def post(self, model_id: str) -> None:
        self.send_json(self.services.models.accept_eula(model_id, self.json_body(), self.username))
