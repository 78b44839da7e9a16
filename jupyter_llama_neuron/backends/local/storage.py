"""What local mode keeps on disk, with sizes and users, and deleting what nothing uses.

* ``<data_dir>/local/models/<folder>``: the converted stand-in (about 517 MB); listed, never deleted here
  (every local deploy of a catalog id needs it; it would only be converted again);
* ``<data_dir>/local/datasets/<id>/``: stored training files; in use while a training job reads one;
* ``<data_dir>/local/training/<job>/merged`` (and unfinished ``.tmp-*`` folders): a job's fine-tuned model
  (about 517 MB for the stand-in); in use while the job runs or an endpoint serves it. Deleting it keeps
  the job's record, loss curve and log (a few KB), so the job stays listed, no longer deployable.

Everything here is blocking file-system work: the backend runs it in a thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...errors import Conflict, NotFound
from ..base import StorageItem, TrainingJob
from .datasets import resolve_stored_dataset
from .trainer import TMP_PREFIX

MERGED_DIR = "merged"
# Endpoint statuses whose worker reads its model folder (a Failed endpoint's folder is free).
SERVING = ("Creating", "InService")
TRAINING = ("InProgress", "Stopping")


def tree_size(path: Path) -> int:
    """Bytes of the files under ``path`` (symlinks not followed; files vanishing meanwhile skipped)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def modified_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def _children(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def list_local_storage(
    data_dir: Path,
    endpoints: Sequence[Mapping[str, Any]],
    jobs: Iterable[TrainingJob],
) -> list[StorageItem]:
    """The models, datasets and training outputs under ``<data_dir>/local`` with who uses each."""
    local = data_dir / "local"
    serving = [e for e in endpoints if e.get("status") in SERVING]
    jobs = list(jobs)
    items: list[StorageItem] = []

    for folder in _children(local / "models"):
        users = tuple(str(e["name"]) for e in serving if _inside(e.get("model_dir"), folder)) + tuple(
            job.name for job in jobs if job.status in TRAINING and _inside(_base_path(job), folder)
        )
        items.append(
            StorageItem(
                "model", folder.name, f"converted model {folder.name}", str(folder), tree_size(folder),
                modified_at(folder), users, deletable=False,
            )
        )  # fmt: skip

    datasets_dir = local / "datasets"
    for folder in _children(datasets_dir):
        users = tuple(
            job.name
            for job in jobs
            if job.status in TRAINING
            and job.dataset_uri
            and _dataset_folder(datasets_dir, job.dataset_uri) == folder
        )
        items.append(
            StorageItem(
                "dataset", folder.name, f"dataset {folder.name}", str(folder), tree_size(folder),
                modified_at(folder), users,
            )
        )  # fmt: skip

    for folder in _children(local / "training"):
        outputs = [folder / MERGED_DIR, *sorted(folder.glob(TMP_PREFIX + "*"))]
        present = [path for path in outputs if path.exists()]
        if not present:
            continue
        name = folder.name
        users = tuple(job.name for job in jobs if job.name == name and job.status in TRAINING) + tuple(
            str(e["name"]) for e in serving if e.get("training_job") == name
        )
        items.append(
            StorageItem(
                "training_output", name, f"fine-tuned model of training job {name}", str(folder / MERGED_DIR),
                sum(tree_size(path) for path in present), modified_at(present[0]), users,
            )
        )  # fmt: skip
    return items


def delete_local_item(items: Sequence[StorageItem], kind: str, item_id: str) -> None:
    """Delete one listed item, refusing what is in use or not deletable."""
    item = next((i for i in items if i.kind == kind and i.id == item_id), None)
    if item is None:
        raise NotFound(
            f"There is no local {kind.replace('_', ' ')} {item_id!r}.",
            hint="List local storage again (GET /storage): it may have been deleted already.",
            code="StorageItemNotFound",
        )
    if not item.deletable:
        raise Conflict(
            f"The {item.label} is not deleted from here: local deploys and training need it, and it would "
            "only be converted again.",
            hint=f"To free its space, stop the server and delete {item.path}.",
            code="StorageItemKept",
        )
    if item.in_use_by:
        raise Conflict(
            f"The {item.label} is in use by {', '.join(item.in_use_by)}.",
            hint="Delete the endpoints that serve it, or wait until the training job has finished (or stop "
            "it), then delete it.",
            code="StorageItemInUse",
        )
    path = Path(item.path)
    if kind == "training_output":
        for extra in path.parent.glob(TMP_PREFIX + "*"):
            shutil.rmtree(extra, ignore_errors=True)
    if path.is_symlink():
        path.unlink()  # a link planted in the data dir: remove the link, never what it points to
    else:
        shutil.rmtree(path, ignore_errors=True)


def _inside(path: object, folder: Path) -> bool:
    if not isinstance(path, str) or not path:
        return False
    candidate = Path(path)
    return candidate == folder or folder in candidate.parents


def _base_path(job: TrainingJob) -> str | None:
    base = job.extra.get("base_model")
    return str(base.get("path")) if isinstance(base, dict) and base.get("path") else None


def _dataset_folder(datasets_dir: Path, uri: str) -> Path | None:
    try:
        return resolve_stored_dataset(datasets_dir, uri).parent
    except Exception:  # a job whose dataset is gone or invalid uses no folder
        return None
