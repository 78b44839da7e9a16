"""Local training data: stored training files live in ``<data_dir>/local/datasets/<id>/``; there is no remote
storage to read (no AWS account), so ``s3://`` datasets are refused with what to do instead."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from ...errors import BadRequest, NotFound
from ..base import StoredDataset


def remote_dataset_refused(uri: str) -> BadRequest:
    return BadRequest(
        f"Local mode cannot read {uri.split('://', 1)[0]}:// datasets.",
        hint="Local mode has no AWS account: upload the file (POST /datasets/uploads) or paste it.",
        code="S3InLocalMode",
    )


def store_locally(datasets_dir: Path, folder: Path, filename: str, dataset_id: str) -> StoredDataset:
    """Move the staged folder into ``datasets_dir/<id>`` (one rename, never half a file)."""
    final = datasets_dir / dataset_id
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(folder, final)
    return StoredDataset(
        uri=(final / filename).resolve().as_uri(), train_channel_uri=final.resolve().as_uri()
    )


def resolve_stored_dataset(datasets_dir: Path, uri: str) -> Path:
    """The stored dataset file a ``file://`` URI (or path) names; only the local dataset store counts."""
    parsed = urlparse(uri)
    raw = unquote(parsed.path) if parsed.scheme == "file" else uri
    path = Path(raw).expanduser()
    root = datasets_dir.resolve()
    try:
        resolved = path.resolve()
    except OSError as err:
        raise BadRequest(
            f"dataset_uri {uri!r} is not a usable path: {err}", code="InvalidDatasetUri"
        ) from err
    if resolved != root and root not in resolved.parents:
        raise BadRequest(
            f"dataset_uri {uri!r} is not a dataset stored by this server.",
            hint="In local mode, store the dataset first (POST /datasets) and use the uri it returns "
            f"(file://…/local/datasets/<id>/train.jsonl under {root}).",
            code="InvalidDatasetUri",
        )
    if resolved.is_dir():
        files = sorted(p for p in resolved.iterdir() if p.suffix.lower() in (".jsonl", ".txt"))
        if len(files) != 1:
            raise BadRequest(
                f"{uri} holds {len(files)} .jsonl/.txt files; training reads exactly one.",
                code="InvalidDataset",
            )
        resolved = files[0]
    if not resolved.is_file():
        raise NotFound(
            f"No stored dataset at {uri}.",
            hint="Store the dataset again (POST /datasets); local datasets live in this server's data "
            "dir.",
            code="DatasetNotFound",
        )
    return resolved
