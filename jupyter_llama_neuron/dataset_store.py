"""Datasets: streamed uploads, the preflight service, and storing rendered training files where training reads
them (S3 in SageMaker mode, ``<data_dir>/local/datasets`` in local mode).

Sources a request can name: pasted ``content`` (at most ``MAX_INLINE_BYTES``), ``upload://<id>/<filename>``
(a file streamed earlier to ``POST /datasets/uploads``) and, in SageMaker mode, ``s3://bucket/key-or-prefix``.
File and storage work runs in the backend's ``run_dataset_work`` (worker threads), never on the event loop;
reading and storing remote files (S3) is the backend's job.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from .catalog import Catalog
from .dataset_preflight import (
    FORMATS,
    DatasetFormat,
    ErrorLog,
    PreflightOptions,
    error_report,
    run_preflight,
)
from .errors import ApiError, BadRequest, InsufficientStorage, NotFound
from .prompt_template import parse_template
from .resource_rules import safe_filename, whole_number
from .settings import ExtensionSettings
from .token_counting import load_token_counter

if TYPE_CHECKING:
    from .backend_selection import BackendProvider
    from .backends.base import Backend

MAX_INLINE_BYTES = 1024 * 1024
MAX_HOLDOUT = 1000
TRAIN_FILE = "train.jsonl"
DEFAULT_MAX_INPUT_LENGTH = 2048
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


class PayloadTooLarge(ApiError):
    status = 413
    code = "PayloadTooLarge"




# ------------------------------------------------------------------------------------------------------------
# Streamed uploads


class Upload:
    """One upload being written chunk by chunk to ``<dir>/<filename>.part``, renamed when complete."""

    def __init__(self, root: Path, filename: str, limit_bytes: int) -> None:
        self.upload_id = uuid.uuid4().hex
        self.filename = filename
        self.limit_bytes = limit_bytes
        self.directory = root / self.upload_id
        self.directory.mkdir(parents=True)
        self.path = self.directory / filename
        self._part = self.directory / (filename + ".part")
        self._file: IO[bytes] | None = self._part.open("wb")
        self.bytes = 0

    def write(self, chunk: bytes) -> None:
        """Append a chunk; over the limit the partial file is deleted and PayloadTooLarge raised.

        Writes run on the event loop on purpose: Tornado hands over chunks of at most 64 KiB, and a local
        disk absorbs that in microseconds (the same as Tornado's own body buffering)."""
        if self._file is None:
            return
        self.bytes += len(chunk)
        if self.bytes > self.limit_bytes:
            self.abort()
            raise too_large(self.limit_bytes)
        try:
            self._file.write(chunk)
        except OSError as err:  # a full disk (ENOSPC), a quota: nothing half-stored, and say so
            self.abort()
            raise storage_failed(err) from err

    def finish(self) -> dict[str, Any]:
        if self._file is None:
            raise too_large(self.limit_bytes)
        if self.bytes == 0:
            self.abort()
            raise BadRequest(
                "The upload is empty: the request had no body.",
                hint="Send the file's bytes as the request body.",
                code="EmptyUpload",
            )
        try:
            self._file.close()
            self._file = None
            os.replace(self._part, self.path)
        except OSError as err:
            self.abort()
            raise storage_failed(err) from err
        return {
            "upload_id": self.upload_id,
            "uri": f"upload://{self.upload_id}/{self.filename}",
            "bytes": self.bytes,
            "filename": self.filename,
        }

    def abort(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):  # closing flushes, which fails again on a full disk
                self._file.close()
            self._file = None
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def aborted(self) -> bool:
        return self._file is None


def storage_failed(err: OSError) -> InsufficientStorage:
    return InsufficientStorage(
        f"The server could not store the upload ({err.strerror or err}); nothing was kept.",
        hint="Free disk space on the Jupyter server (or ask its administrator to), then upload again.",
    )


def too_large(limit_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The upload is larger than the limit of {_megabytes(limit_bytes)}; nothing was kept.",
        hint="Upload a smaller file, store it in S3 and give its s3:// URI, or ask the administrator to "
        "raise c.LlamaNeuronApp.max_upload_mb.",
    )


def _megabytes(limit_bytes: int) -> str:
    return f"{limit_bytes / (1024 * 1024):.3g} MB"


# ------------------------------------------------------------------------------------------------------------
# Request bodies


@dataclass(frozen=True)
class DatasetRequest:
    options: PreflightOptions
    filename: str | None = None
    content: bytes | None = None
    uri: str | None = None


def max_input_length_spec(catalog: Catalog) -> dict[str, Any]:
    """The ``max_input_length`` hyperparameter of the first fine-tunable model (the same for all of them)."""
    for model_id in catalog.ids():
        for hp in catalog.hyperparameters(model_id):
            if hp["name"] == "max_input_length":
                return hp
    return {"default": DEFAULT_MAX_INPUT_LENGTH, "min": 1, "max": None}


def parse_request(body: dict[str, Any], catalog: Catalog) -> DatasetRequest:
    """Validate a preflight/datasets body; every problem is a 400 (413 for oversized pasted content)."""
    known = {"filename", "content", "uri", "dataset_format", "template", "max_input_length", "holdout"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(
            f"Unknown fields: {', '.join(unknown)}.",
            hint="Allowed: " + ", ".join(sorted(known)),
            code="InvalidBody",
        )
    dataset_format = body.get("dataset_format")
    if dataset_format not in FORMATS:
        raise BadRequest(
            f"Unknown dataset_format {dataset_format!r}.",
            hint='"domain": plain text (.txt) or JSON Lines with a text field; "instruction": JSON Lines '
            "with instruction, context and response fields, rendered through the prompt template.",
            code="UnknownFormat",
        )
    template = body.get("template")
    if template is not None and not isinstance(template, str):
        raise BadRequest("template must be a string.", code="InvalidTemplate")
    parsed_template = parse_template(template) if dataset_format == "instruction" else None

    spec = max_input_length_spec(catalog)
    max_input_length = body.get("max_input_length", spec["default"])
    if max_input_length is None:
        max_input_length = spec["default"]
    low, high = spec.get("min") or 1, spec.get("max")
    max_input_length = whole_number(max_input_length)
    if (
        max_input_length is None
        or max_input_length < low
        or (high is not None and max_input_length > high)
    ):
        raise BadRequest(
            f"max_input_length must be an integer from {low} to {high if high is not None else 'any'}.",
            code="InvalidMaxInputLength",
        )
    holdout = whole_number(body.get("holdout", 0))
    if holdout is None or not 0 <= holdout <= MAX_HOLDOUT:
        raise BadRequest(f"holdout must be an integer from 0 to {MAX_HOLDOUT}.", code="InvalidHoldout")
    options = PreflightOptions(
        cast(DatasetFormat, dataset_format), parsed_template, max_input_length, holdout
    )

    has_content, has_uri = "content" in body, "uri" in body
    if has_content == has_uri:
        raise BadRequest(
            "Give either content (with filename) or uri.",
            hint="Paste small data as {filename, content}; upload files to POST /datasets/uploads and send "
            "the returned upload:// uri; or give an s3:// uri.",
            code="InvalidBody",
        )
    if has_content:
        content = body["content"]
        if not isinstance(content, str):
            raise BadRequest("content must be a string (the file's text).", code="InvalidBody")
        data = content.encode("utf-8", errors="surrogatepass")
        if len(data) > MAX_INLINE_BYTES:
            raise PayloadTooLarge(
                f"Pasted content is limited to {_megabytes(MAX_INLINE_BYTES)}; this is "
                f"{len(data) / (1024 * 1024):.1f} MB.",
                hint="Upload the file instead (the Upload button, POST /datasets/uploads), or give an s3:// "
                "URI.",
            )
        return DatasetRequest(options, filename=safe_filename(body.get("filename")), content=data)
    uri = body["uri"]
    if not isinstance(uri, str) or not uri.startswith(("upload://", "s3://")):
        raise BadRequest(
            f"Unsupported dataset uri {uri!r}.",
            hint="Use upload://<id>/<file> (from POST /datasets/uploads) or s3://bucket/key-or-prefix.",
            code="InvalidUri",
        )
    return DatasetRequest(options, uri=uri)


# ------------------------------------------------------------------------------------------------------------
# The service


class DatasetService:
    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: Catalog,
        backends: BackendProvider,
        log: logging.Logger | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.backends = backends
        self.log = log or logging.getLogger("jupyter_llama_neuron")
        self.uploads_dir = settings.data_dir / "uploads"

    # -- uploads ---------------------------------------------------------------------------------------------

    @property
    def upload_limit_bytes(self) -> int:
        return max(1, int(self.settings.max_upload_mb * 1024 * 1024))

    def start_upload(self, filename: Any, content_length: int | None) -> Upload:
        name = safe_filename(filename)
        if content_length is not None and content_length > self.upload_limit_bytes:
            raise too_large(self.upload_limit_bytes)
        return Upload(self.uploads_dir, name, self.upload_limit_bytes)

    def _upload_path(self, uri: str) -> tuple[Path, str]:
        rest = uri[len("upload://") :]
        upload_id, _, filename = rest.partition("/")
        if not _UPLOAD_ID.match(upload_id) or safe_filename(filename) != filename:
            raise BadRequest(f"{uri!r} is not an upload URI this server issued.", code="InvalidUri")
        path = self.uploads_dir / upload_id / filename
        if not path.is_file():
            raise NotFound(
                f"No completed upload at {uri}.",
                hint="Uploads are kept on this Jupyter server only; upload the file again.",
                code="UploadNotFound",
            )
        return path, filename

    # -- preflight and store ---------------------------------------------------------------------------------
    #
    # File and storage work is blocking: it runs inside the backend's ``run_dataset_work`` (a worker thread),
    # and reads ``s3://`` (or whatever the backend stores remotely) through the backend.

    async def preflight(self, body: dict[str, Any]) -> dict[str, Any]:
        request = parse_request(body, self.catalog)
        backend = await self.backends.get()
        return await backend.run_dataset_work(self._run, request, backend, None)

    async def store(self, body: dict[str, Any]) -> dict[str, Any]:
        request = parse_request(body, self.catalog)
        backend = await self.backends.get()
        return await backend.run_dataset_work(self._store_sync, request, backend)

    def _run(
        self,
        request: DatasetRequest,
        backend: Backend,
        sink: Callable[[str], object] | None,
        heldout: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        counter = load_token_counter()
        with self._open_source(request, backend) as (stream, filename, source):
            if stream is None:
                report = error_report(request.options, counter, source["errors"])
            else:
                report = run_preflight(stream, filename, request.options, counter, sink, heldout)
        report["source"] = {key: value for key, value in source.items() if key != "errors"}
        return report

    @contextmanager
    def _open_source(
        self, request: DatasetRequest, backend: Backend
    ) -> Iterator[tuple[IO[bytes] | None, str, dict[str, Any]]]:
        if request.content is not None:
            filename = request.filename or "pasted.jsonl"
            yield (
                io.BytesIO(request.content),
                filename,
                {"kind": "pasted", "filename": filename, "bytes": len(request.content)},
            )
            return
        uri = request.uri or ""
        if uri.startswith("upload://"):
            path, filename = self._upload_path(uri)
            with path.open("rb") as stream:
                yield (
                    stream,
                    filename,
                    {"kind": "upload", "uri": uri, "filename": filename, "bytes": path.stat().st_size},
                )
            return
        files = backend.dataset_files(uri)
        if len(files) != 1:
            errors = ErrorLog()
            if files:
                names = ", ".join(_key(name) for name, _ in files[:10]) + (" …" if len(files) > 10 else "")
                errors.add(
                    "MoreThanOneFile",
                    f"{uri} holds {len(files)} files ({names}); the Neuron training container reads "
                    "exactly one.",
                    "Give the URI of one file, or merge the files into one .jsonl (or .txt) file.",
                )
            else:
                errors.add(
                    "NoFile",
                    f"No file was found at {uri}.",
                    "Check the bucket and key; give the URI of one .jsonl or .txt file.",
                )
            yield (
                None,
                "",
                {
                    "kind": "s3",
                    "uri": uri,
                    "files": [_key(name) for name, _ in files[:100]],
                    "errors": errors,
                },
            )
            return
        file_uri, size = files[0]
        filename = file_uri.rsplit("/", 1)[-1]
        with backend.open_dataset_file(file_uri) as stream:
            yield stream, filename, {"kind": "s3", "uri": file_uri, "filename": filename, "bytes": size}

    def _store_sync(self, request: DatasetRequest, backend: Backend) -> dict[str, Any]:
        dataset_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        staging = self.settings.data_dir / "staging" / dataset_id
        staging.mkdir(parents=True)
        target = staging / TRAIN_FILE
        try:
            with target.open("w", encoding="utf-8", newline="\n") as out:
                heldout: list[dict[str, str]] = []
                report = self._run(request, backend, out.write, heldout)
            if not report["ok"]:
                raise BadRequest(
                    f"The dataset has {report['error_count']} error(s); nothing was stored."
                    if report["error_count"]
                    else "The dataset holds no records; nothing was stored.",
                    hint="Run the preflight, fix the listed lines and try again.",
                    code="DatasetHasErrors",
                    details={"error_count": report["error_count"], "errors": report["errors"][:20]},
                )
            size = target.stat().st_size
            stored = backend.store_dataset(staging, TRAIN_FILE, dataset_id)
            if report["holdout"]:  # kept on this server for "Evaluate on held-out rows" (evaluation_rows.py)
                from .evaluation_rows import save_heldout_rows

                save_heldout_rows(self.settings.data_dir, dataset_id, heldout)
            return {
                "dataset_id": dataset_id,
                "records": report["train_records"],
                "heldout_records": report["holdout"],
                "dataset_format": report["dataset_format"],
                "bytes": size,
                "token_count_method": report["token_count_method"],
                "truncated_share": report["truncated_share"],
                "heldout_prompts": report["heldout_prompts"],
                "uri": stored.uri,
                "train_channel_uri": stored.train_channel_uri,
                "backend": backend.name,
            }
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _key(uri: str) -> str:
    """The object key of an ``s3://bucket/key`` URI (how the preflight names the files it found)."""
    return uri.split("/", 3)[3] if uri.count("/") >= 3 else uri
