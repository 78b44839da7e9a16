"""Names and URIs: the one place their rules live. The server checks them, and ``GET /status`` hands them to
the UI (``rules``), which checks the same patterns as the user types.

* Resource names (endpoints, training jobs): SageMaker's rule, 1-63 letters, digits and hyphens, starting and
  ending with a letter or digit (``CreateEndpoint`` / ``CreateTrainingJob`` ``EndpointName`` /
  ``TrainingJobName`` pattern ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``). Local mode uses the same rule, and the
  names become file names there, which also rules out path tricks.
* Dataset URIs: SageMaker training reads ``s3://bucket/key-or-prefix`` (bucket names: 3-63 lower-case
  letters, digits, dots and hyphens); local training reads a dataset stored on this server, named by its
  ``file://`` URI (``POST /datasets`` returns it).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from .errors import BadRequest

RESOURCE_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"
RESOURCE_NAME_MAX = 63
RESOURCE_NAME_RULE = (
    f"1 to {RESOURCE_NAME_MAX} letters, digits and hyphens, starting and ending with a letter or digit"
)
S3_URI_PATTERN = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"
LOCAL_DATASET_URI_PREFIX = "file://"

DatasetUriKind = Literal["s3", "file"]

NAME_RE = re.compile(RESOURCE_NAME_PATTERN)
S3_URI_RE = re.compile(S3_URI_PATTERN)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def is_resource_name(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name) <= RESOURCE_NAME_MAX and NAME_RE.match(name) is not None


def check_resource_name(
    name: Any, what: str = "endpoint_name", *, kind: str = "SageMaker name", example: str = "llama-2-7b-demo"
) -> str:
    """``name`` itself, or a 400 naming the rule."""
    if not is_resource_name(name):
        raise BadRequest(
            f"{what} {name!r} is not a valid {kind}: use {RESOURCE_NAME_RULE}.",
            hint=f"For example {example}.",
            code="InvalidName",
        )
    return str(name)


def is_s3_uri(uri: str) -> bool:
    return S3_URI_RE.match(uri) is not None


def check_dataset_uri(kind: DatasetUriKind, uri: str) -> None:
    """A 400 unless ``uri`` is of the kind the active backend's training reads."""
    if kind == "s3":
        if not is_s3_uri(uri):
            raise BadRequest(
                f"dataset_uri {uri!r} is not an s3:// URI; SageMaker training reads its data from S3.",
                hint="Store the dataset first (POST /datasets) and use the s3://…/train.jsonl URI.",
                code="InvalidDatasetUri",
            )
        return
    if not uri.startswith(LOCAL_DATASET_URI_PREFIX):
        scheme = "s3://" if uri.startswith("s3://") else ("a bare path" if not _SCHEME.match(uri) else "it")
        raise BadRequest(
            f"dataset_uri {uri!r} cannot be read in local mode ({scheme} is not a stored local dataset).",
            hint="Local mode has no AWS account: store the dataset (POST /datasets) and use the file://… uri "
            "it returns.",
            code="InvalidDatasetUri",
        )


def rules_json() -> dict[str, Any]:
    """The ``rules.resource_name`` and ``rules.dataset_uri`` parts of ``GET /status``."""
    return {
        "resource_name": {
            "pattern": RESOURCE_NAME_PATTERN,
            "max_length": RESOURCE_NAME_MAX,
            "message": f"Use {RESOURCE_NAME_RULE}.",
        },
        "dataset_uri": {
            "s3_pattern": S3_URI_PATTERN,
            "local_prefix": LOCAL_DATASET_URI_PREFIX,
        },
    }


# Uploaded and stored file names: a bare name, never a path (no traversal, no hidden files).
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ ()+-]{0,199}$")


def whole_number(value: Any) -> int | None:
    """``value`` as an int when JSON Schema calls it an integer (168 and 168.0, never true); else None.

    A client generated from the contract may send ``168.0`` for ``type: integer``: that must not be a 400."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def safe_filename(name: Any) -> str:
    """``name`` when it is a bare, safe file name; else a 400 explaining which names are accepted."""
    if not isinstance(name, str) or not name:
        raise BadRequest("Give the file name (filename), e.g. train.jsonl.", code="InvalidFilename")
    # A bare name only: "../x", "a/b" or "C:\\x" is refused, never silently cut to its last part (a name is
    # joined to a server directory, so a path in it is a traversal attempt or a client bug).
    if not _SAFE_FILENAME.fullmatch(name):
        raise BadRequest(
            f"The file name {name!r} is not accepted.",
            hint="Use letters, digits, spaces and . _ - ( ) + (at most 200 characters, not starting with a "
            "dot).",
            code="InvalidFilename",
        )
    return name
