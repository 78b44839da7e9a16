"""Shared handler behaviour: authentication, JSON bodies, the JSON error shape, service access."""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import ApiError, BadRequest, TooManyRequests

if TYPE_CHECKING:
    from ..services import Services

API_PREFIX = "llama-neuron/api/v1"


class ApiHandler(ExtensionHandlerMixin, APIHandler):
    """Base for every route. Subclasses decorate each verb with ``@web.authenticated``."""

    @property
    def services(self) -> Services:
        services: Services = self.settings["jupyter_llama_neuron.services"]
        return services

    @property
    def username(self) -> str:
        user = self.current_user
        name = getattr(user, "username", None) or getattr(user, "name", None)
        return str(name or "anonymous")

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 that says what is wrong."""
        raw = self.request.body
        if not raw:
            raise BadRequest("The request body is empty.", hint="Send a JSON object.", code="InvalidBody")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as err:  # RecursionError: absurdly deep JSON
            raise BadRequest(
                f"The request body is not valid JSON: {err}.", hint="Send a JSON object.", code="InvalidJSON"
            ) from err
        if not isinstance(body, dict):
            raise BadRequest(
                "The request body must be a JSON object.", hint="Send {...}.", code="InvalidBody"
            )
        return body

    def send_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, default=str))

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The verbs this route implements itself (jupyter_server's inherited ``options`` is not ours)."""
        return [
            verb
            for verb in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
            if inspect.unwrap(getattr(cls, verb.lower())).__module__.startswith("jupyter_llama_neuron.")
        ]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error, ours or Tornado's, leaves as ``{"error": {"code", "message", "hint"}}``."""
        exc_info = kwargs.get("exc_info")
        err = exc_info[1] if exc_info else None
        self.set_header("Content-Type", "application/json")
        if isinstance(err, ApiError):
            self.set_status(err.status)
            if isinstance(err, TooManyRequests):
                self.set_header("Retry-After", str(err.retry_after_s))
            self.finish(json.dumps(err.to_json()))
            return
        if isinstance(err, web.HTTPError):
            if status_code == 405:
                # RFC 9110: a 405 lists the methods the resource does support.
                self.set_header("Allow", ", ".join(self.allowed_methods()))
            message = err.log_message or self._reason
            code = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed"}.get(
                status_code, "HTTPError"
            )
            self.finish(
                json.dumps(
                    {
                        "error": {
                            "code": code,
                            "message": message % err.args if err.args and err.log_message else message,
                            "hint": "",
                        }
                    }
                )
            )
            return
        self.log.error("Unexpected error in %s", self.request.path, exc_info=exc_info)
        self.finish(
            json.dumps(
                {
                    "error": {
                        "code": "InternalError",
                        "message": f"The server failed unexpectedly: {err!r}",
                        "hint": "See the Jupyter server log for the traceback.",
                    }
                }
            )
        )

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, ApiError):
            # Expected user-facing errors: no traceback in the log.
            self.log.info("%s %s -> %s %s", self.request.method, self.request.path, e.status, e.code)
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)
