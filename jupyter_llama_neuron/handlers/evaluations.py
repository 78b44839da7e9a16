"""``/evaluations``: start (202), list, describe, stop, delete; export a report; write its notebook."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class EvaluationsHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.evaluations.list())

    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.evaluations.create(self.json_body(), self.username), status=202)


class EvaluationHandler(ApiHandler):
    @web.authenticated
    async def get(self, evaluation_id: str) -> None:
        self.send_json(await self.services.evaluations.describe(evaluation_id))

    @web.authenticated
    async def delete(self, evaluation_id: str) -> None:
        self.send_json(await self.services.evaluations.delete(evaluation_id))


class EvaluationStopHandler(ApiHandler):
    @web.authenticated
    async def post(self, evaluation_id: str) -> None:
        self.send_json(await self.services.evaluations.stop(evaluation_id, self.username))


class EvaluationExportHandler(ApiHandler):
    @web.authenticated
    async def get(self, evaluation_id: str) -> None:
        filename, content_type, text = self.services.evaluations.export(
            evaluation_id, self.get_query_argument("format", ""), self.get_query_argument("endpoint", None)
        )
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(text, set_content_type=content_type)  # APIHandler would label it application/json


class EvaluationNotebookHandler(ApiHandler):
    @web.authenticated
    async def post(self, evaluation_id: str) -> None:
        self.send_json(await self.services.evaluation_notebooks.create(evaluation_id), status=201)
