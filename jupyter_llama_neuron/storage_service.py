"""``/storage``: what this server keeps on the machine's disk, with sizes, and deleting what nothing uses.

The backend lists its own (``Backend.local_storage``: in local mode the converted model, stored datasets and
training outputs; nothing in SageMaker mode, where they are in S3). This service adds what the server keeps
whichever the backend: streamed uploads (``<data_dir>/uploads/<id>/``, only needed until the dataset is
stored; those older than a day are removed at start) and held-out rows (``<data_dir>/heldout/<id>.jsonl``,
counted with their dataset when the backend lists it, and deleted with it).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backends.base import STORAGE_KINDS, StorageItem
from .errors import BadRequest, Conflict, NotFound
from .evaluation_rows import HELDOUT_DIR
from .settings import ExtensionSettings
from .timestamps import iso

if TYPE_CHECKING:
    from .backend_selection import BackendProvider

UPLOAD_MAX_AGE_S = 24 * 3600.0
PART_SUFFIX = ".part"  # an upload still being written (dataset_store.Upload)
_ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


class StorageService:
    def __init__(
        self, settings: ExtensionSettings, backends: BackendProvider, log: logging.Logger | None = None
    ) -> None:
        self.settings = settings
        self.backends = backends
        self.log = log or logging.getLogger("jupyter_llama_neuron")

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    @property
    def heldout_dir(self) -> Path:
        return self.settings.data_dir / HELDOUT_DIR

    # -- GET /storage ----------------------------------------------------------------------------------------

    async def list_items(self) -> dict[str, Any]:
        backend = await self.backends.get()
        items = await backend.local_storage()
        items = await asyncio.to_thread(self._with_server_files, items)
        return {
            "backend": backend.name,
            "data_dir": str(self.settings.data_dir),
            "total_bytes": sum(item.bytes for item in items),
            "items": [_view(item) for item in items],
        }

    def _with_server_files(self, items: list[StorageItem]) -> list[StorageItem]:
        merged = list(items)
        datasets = {item.id: index for index, item in enumerate(merged) if item.kind == "dataset"}
        if self.heldout_dir.is_dir():
            for path in sorted(self.heldout_dir.glob("*.jsonl")):
                dataset_id, size = path.stem, path.stat().st_size
                if dataset_id in datasets:
                    index = datasets[dataset_id]
                    merged[index] = replace(merged[index], bytes=merged[index].bytes + size)
                else:
                    merged.append(
                        StorageItem(
                            "heldout", dataset_id, f"held-out rows of dataset {dataset_id}", str(path), size,
                            _modified(path),
                        )
                    )  # fmt: skip
        if self.uploads_dir.is_dir():
            for folder in sorted(p for p in self.uploads_dir.iterdir() if p.is_dir()):
                files = [p for p in folder.iterdir() if p.is_file()]
                writing = any(p.name.endswith(PART_SUFFIX) for p in files)
                name = files[0].name.removesuffix(PART_SUFFIX) if files else folder.name
                merged.append(
                    StorageItem(
                        "upload", folder.name, f"upload {name}", str(folder), _size(folder),
                        _modified(folder), ("an upload in progress",) if writing else (),
                    )
                )  # fmt: skip
        return merged

    # -- DELETE /storage/{kind}/{item_id} -------------------------------------------------------------------

    async def delete(self, kind: str, item_id: str) -> dict[str, Any]:
        """Delete one item, then answer with the new listing."""
        if kind not in STORAGE_KINDS:
            raise BadRequest(
                f"Unknown storage kind {kind!r}.",
                hint="Use one of: " + ", ".join(STORAGE_KINDS) + ".",
                code="InvalidStorageKind",
            )
        if not _ITEM_ID.match(item_id) or ".." in item_id:
            raise BadRequest(f"{item_id!r} is not a storage item id.", code="InvalidStorageItem")
        if kind == "upload":
            await asyncio.to_thread(self._delete_upload, item_id)
        elif kind == "heldout":
            await asyncio.to_thread(self._delete_heldout, item_id, required=True)
        else:
            backend = await self.backends.get()
            await backend.delete_local_storage(kind, item_id)
            if kind == "dataset":
                await asyncio.to_thread(self._delete_heldout, item_id, required=False)
        return await self.list_items()

    def _delete_upload(self, upload_id: str) -> None:
        folder = self.uploads_dir / upload_id
        if not folder.is_dir():
            raise NotFound(
                f"There is no upload {upload_id!r}.",
                hint="List local storage again: it may have been deleted already.",
                code="StorageItemNotFound",
            )
        if any(p.name.endswith(PART_SUFFIX) for p in folder.iterdir()):
            raise Conflict(
                f"Upload {upload_id} is still being written.",
                hint="Wait until the upload has finished (or cancel it), then delete it.",
                code="StorageItemInUse",
            )
        if folder.is_symlink():
            folder.unlink()  # a link planted among the uploads: remove the link, never what it points to
        else:
            shutil.rmtree(folder, ignore_errors=True)

    def _delete_heldout(self, dataset_id: str, *, required: bool) -> None:
        path = self.heldout_dir / f"{dataset_id}.jsonl"
        if not path.is_file():
            if required:
                raise NotFound(
                    f"There are no held-out rows of dataset {dataset_id!r}.",
                    hint="List local storage again: they may have been deleted already.",
                    code="StorageItemNotFound",
                )
            return
        path.unlink(missing_ok=True)

    # -- at start --------------------------------------------------------------------------------------------

    def collect_old_uploads(self, max_age_s: float = UPLOAD_MAX_AGE_S) -> int:
        """Remove uploads not touched for ``max_age_s`` (blocking; called once at start). An upload is only
        needed until its dataset is stored; one a day old was abandoned. Returns the bytes freed."""
        if not self.uploads_dir.is_dir():
            return 0
        cutoff = time.time() - max_age_s
        freed = 0
        for folder in list(self.uploads_dir.iterdir()):
            try:
                newest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.rglob("*"))])
            except OSError:
                continue
            if newest >= cutoff:
                continue
            size = _size(folder) if folder.is_dir() and not folder.is_symlink() else 0
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)  # a file, or a link (never what it points to)
            freed += size
        if freed:
            self.log.info("jupyter_llama_neuron: removed uploads older than a day (%d bytes)", freed)
        return freed


def _view(item: StorageItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "id": item.id,
        "label": item.label,
        "path": item.path,
        "bytes": item.bytes,
        "modified_at": iso(item.modified_at),
        "in_use_by": list(item.in_use_by),
        "deletable": item.deletable,
    }
