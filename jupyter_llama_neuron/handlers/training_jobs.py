"""``/training-jobs``: list, start (202), describe and stop fine-tuning jobs."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class TrainingJobsHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.training.list())

    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.training.create(self.json_body(), self.username), status=202)


class TrainingJobHandler(ApiHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.send_json(await self.services.training.describe(name))


class TrainingJobStopHandler(ApiHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.send_json(await self.services.training.stop(name))
