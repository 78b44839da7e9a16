"""``/sagemaker-payload``: the InvokeEndpoint body for an invocation request (chat rendered with the Llama 2
template on the server), for "copy as code" before anything is sent."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class SageMakerPayloadHandler(ApiHandler):
    @web.authenticated
    def post(self) -> None:
        self.send_json(self.services.endpoints.sagemaker_payload(self.json_body()))
