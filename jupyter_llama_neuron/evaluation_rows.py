"""The rows an evaluation answers: ``{prompt, reference}`` pairs from a request body, from the held-out rows
of a stored dataset, or from an uploaded JSON Lines file.

Held-out rows: when ``POST /datasets`` stores a training file with ``holdout`` > 0, every held-out record
(the rendered prompt without the response, as Compare gets it in ``heldout_prompts``, and the response as the
reference) is kept in ``<data_dir>/heldout/<dataset_id>.jsonl`` on this server, whichever backend stored the
training file. A training job names its dataset by the training file's URI
(``file://…/local/datasets/<id>/train.jsonl`` or ``s3://…/jupyter-llama-neuron/datasets/<id>/train.jsonl``),
so a job's rows are found from its ``dataset_uri``.

Blocking file work: callers run ``load_*``/``save_*`` in a thread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic_files import write_text
from .errors import BadRequest, NotFound
from .resource_rules import safe_filename

MAX_ROWS = 1000  # as many prompts as one Amazon Bedrock evaluation job takes
MAX_TEXT_CHARS = 20_000
MAX_UPLOAD_LINE_BYTES = 1 << 20
HELDOUT_DIR = "heldout"
# The dataset id of a stored training file (dataset_store: "<UTC stamp>-<8 hex>"), in either backend's URI.
_DATASET_URI = re.compile(r"/datasets/(\d{8}-\d{6}-[0-9a-f]{8})(?:/(?:train\.jsonl)?)?$")
_UPLOAD_URI = re.compile(r"^upload://([0-9a-f]{32})/(.+)$")  # as DatasetService issues them
PROMPT_KEYS = ("prompt",)
# "referenceResponse" is the name Amazon Bedrock's evaluation datasets use, so their files load as they are.
REFERENCE_KEYS = ("reference", "referenceResponse", "response")


@dataclass(frozen=True)
class Row:
    prompt: str
    reference: str

    def to_json(self) -> dict[str, str]:
        return {"prompt": self.prompt, "reference": self.reference}


def _text(value: Any, what: str, where: str, *, allow_empty: bool) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise BadRequest(
            f"{where}: {what} must be a {'string' if allow_empty else 'non-empty string'}.",
            hint='Each row is {"prompt": "...", "reference": "..."}.',
            code="InvalidRows",
        )
    if len(value) > MAX_TEXT_CHARS:
        raise BadRequest(
            f"{where}: {what} is longer than {MAX_TEXT_CHARS} characters.",
            hint="Shorten it; evaluation rows are single prompts with short reference answers.",
            code="InvalidRows",
        )
    return value


def _row(item: Any, where: str) -> Row:
    if not isinstance(item, dict):
        raise BadRequest(f"{where} is not an object.", hint='Send {"prompt": ..., "reference": ...}.',
                         code="InvalidRows")
    prompt = next((item[key] for key in PROMPT_KEYS if key in item), None)
    reference = next((item[key] for key in REFERENCE_KEYS if key in item), None)
    if reference is None:
        raise BadRequest(
            f"{where} has no reference answer.",
            hint="Give each row a reference (also accepted: referenceResponse, response).",
            code="InvalidRows",
        )
    return Row(_text(prompt, "prompt", where, allow_empty=False),
               _text(reference, "reference", where, allow_empty=True))


def _check_count(count: int, source: str) -> None:
    if count == 0:
        raise BadRequest(f"{source} holds no rows.",
                         hint="Give at least one row with a prompt and a reference.", code="InvalidRows")
    if count > MAX_ROWS:
        raise BadRequest(f"{source} holds {count} rows; at most {MAX_ROWS} are evaluated at once.",
                         hint="Split the rows into several evaluations.", code="TooManyRows")


def parse_rows(raw: Any) -> list[Row]:
    """``rows`` of a request body: a list of ``{prompt, reference}`` objects."""
    if not isinstance(raw, list):
        raise BadRequest("rows must be a list of {prompt, reference} objects.", code="InvalidRows")
    _check_count(len(raw), "rows")
    return [_row(item, f"rows[{index}]") for index, item in enumerate(raw)]


# --- held-out rows of stored datasets -----------------------------------------------------------------------


def dataset_id_of(uri: str) -> str | None:
    match = _DATASET_URI.search(uri)
    return match.group(1) if match else None


def save_heldout_rows(data_dir: Path, dataset_id: str, rows: list[dict[str, Any]]) -> None:
    """Keep the held-out ``{prompt, reference}`` rows of a stored dataset (atomically; blocking)."""
    directory = data_dir / HELDOUT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps({"prompt": row["prompt"], "reference": row["reference"]}, ensure_ascii=False) + "\n"
        for row in rows
    )
    write_text(directory / f"{dataset_id}.jsonl", text)


def load_heldout_rows(data_dir: Path, dataset_uri: str) -> list[Row]:
    """The held-out rows kept for the stored dataset ``dataset_uri`` names (404 with what to do otherwise)."""
    dataset_id = dataset_id_of(dataset_uri)
    if dataset_id is None:
        raise BadRequest(
            f"{dataset_uri!r} is not a dataset stored by this extension, nor an upload.",
            hint="Give the uri POST /datasets returned (a training job's dataset_uri), or upload a JSON "
            "Lines file with prompt and reference fields and give its upload:// uri.",
            code="InvalidDatasetUri",
        )
    path = data_dir / HELDOUT_DIR / f"{dataset_id}.jsonl"
    if not path.is_file():
        raise NotFound(
            f"No held-out rows are known for dataset {dataset_id}.",
            hint="Held-out rows are kept when a dataset is stored with holdout > 0 on this server. Store the "
            "dataset again with held-out rows, or upload a JSON Lines file with prompt and reference fields.",
            code="HeldoutRowsNotFound",
        )
    rows = [_row(json.loads(line), f"held-out row {number}")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if line]
    _check_count(len(rows), f"The held-out rows of dataset {dataset_id}")
    return rows


# --- uploaded JSON Lines ------------------------------------------------------------------------------------


def upload_path(uploads_dir: Path, uri: str) -> Path:
    match = _UPLOAD_URI.match(uri)
    if not match or safe_filename(match.group(2)) != match.group(2):
        raise BadRequest(f"{uri!r} is not an upload URI this server issued.", code="InvalidDatasetUri")
    path = uploads_dir / match.group(1) / match.group(2)
    if not path.is_file():
        raise NotFound(f"No completed upload at {uri}.", hint="Upload the file again.", code="UploadNotFound")
    return path


def load_upload_rows(uploads_dir: Path, uri: str) -> list[Row]:
    """An uploaded JSON Lines file, one ``{prompt, reference}`` object a line (errors name the line)."""
    path = upload_path(uploads_dir, uri)
    rows: list[Row] = []
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if len(raw) > MAX_UPLOAD_LINE_BYTES:
                raise BadRequest(f"Line {number} is longer than 1 MB.", code="InvalidRows")
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError as err:
                raise BadRequest(f"Line {number} is not UTF-8 text.", hint="Save the file as UTF-8.",
                                 code="InvalidRows") from err
            if not line:
                continue
            try:
                item = json.loads(line)
            except ValueError as err:
                raise BadRequest(
                    f"Line {number} is not valid JSON: {err}.",
                    hint='JSON Lines: one object a line, e.g. {"prompt": "...", "reference": "..."}.',
                    code="InvalidRows",
                ) from err
            rows.append(_row(item, f"Line {number}"))
            if len(rows) > MAX_ROWS:
                break
    _check_count(len(rows), path.name)
    return rows
