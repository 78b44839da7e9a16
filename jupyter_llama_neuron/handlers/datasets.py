"""``/datasets``: streamed uploads, the preflight report, and storing the rendered training file."""

from __future__ import annotations

from typing import Any

from tornado import web

from ..dataset_store import Upload
from .base import ApiHandler


class DatasetPreflightHandler(ApiHandler):
    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.datasets.preflight(self.json_body()))


class DatasetsHandler(ApiHandler):
    @web.authenticated
    async def post(self) -> None:
        self.send_json(await self.services.datasets.store(self.json_body()), status=201)


@web.stream_request_body
class DatasetUploadsHandler(ApiHandler):
    """``POST /datasets/uploads?filename=...``: the raw file as the body, written to disk as it arrives."""

    _upload: Upload | None = None
    _failure: BaseException | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()  # authentication and XSRF, before a single byte is stored
        if self.current_user is None:  # allow_unauthenticated_access: only the decorator would stop it
            raise web.HTTPError(403)
        if self.request.method != "POST":
            return
        datasets = self.services.datasets
        length = self.request.headers.get("Content-Length")
        self._upload = datasets.start_upload(
            # Raw: Tornado's get_query_argument turns control characters into spaces, which would accept
            # names the contract refuses.
            self.request.query_arguments.get("filename", [b""])[-1].decode("utf-8", "replace"),
            int(length) if length and length.isdigit() else None,
        )
        # Chunked bodies have no Content-Length: let Tornado read somewhat past the limit so the handler can
        # answer 413 itself; far beyond it the connection is simply closed.
        self.request.connection.set_max_body_size(2 * datasets.upload_limit_bytes + (1 << 20))  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        if self._upload is None or self._failure is not None:
            return
        try:
            self._upload.write(chunk)
        except Exception as err:  # reported by post(); raising here would drop the connection unanswered
            self._failure = err

    def on_connection_close(self) -> None:
        if self._upload is not None and not self._upload.aborted:
            self._upload.abort()
        super().on_connection_close()

    @web.authenticated
    def post(self) -> None:
        upload = self._upload
        if upload is None:  # pragma: no cover - prepare always starts one for POST
            raise web.HTTPError(400)
        if self._failure is not None:
            upload.abort()
            raise self._failure
        result: dict[str, Any] = upload.finish()
        self.send_json(result, status=201)
