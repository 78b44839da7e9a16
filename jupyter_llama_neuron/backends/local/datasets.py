"""Local training data: stored training files live in ``<data_dir>/local/datasets/<id>/``; there is no remote
storage to read (no AWS account), so ``s3://`` datasets are refused with what to do instead."""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import BadRequest
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
