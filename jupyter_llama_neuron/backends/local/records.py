"""Local endpoint records: ``<data_dir>/local/endpoints/<name>.json``, one per endpoint, written atomically,
so endpoints survive a restart the way AWS resources do; ``<name>.log`` holds the worker's stderr.

Record files are a few hundred bytes on local disk, the one file I/O done on the event loop: a read costs
microseconds; a write (``atomic_files``: temp file, fsync, rename) about 6 ms on the dev machine's ext4 (fsync
dominates). A record changes a few times per deploy and once per invocation; written from a thread, it could
race the next read-modify-write of the same record.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...atomic_files import write_json
from ...errors import InsufficientStorage
from ...resource_rules import is_resource_name
from ...timestamps import iso, utc_now
from ..base import DeploymentConfig


def minutes_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def config_of(record: Mapping[str, Any]) -> DeploymentConfig | None:
    config = record.get("config")
    if not isinstance(config, dict):
        return None
    try:
        return DeploymentConfig(**config)
    except TypeError:  # a record edited by hand or written by another version: show it without a config
        return None


class EndpointRecords:
    def __init__(self, directory: Path, owner: str) -> None:
        self.directory = directory
        # Identifies this server: a worker exit only changes a record this instance owns (``only_if_owner``).
        self.owner = owner

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def log_path(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def read(self, name: str) -> dict[str, Any] | None:
        if not is_resource_name(name):
            return None
        try:
            data = json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write(self, record: dict[str, Any], *, durable: bool = True) -> None:
        try:
            # atomic: a reader never sees half a record
            write_json(self.path(record["name"]), record, durable=durable)
        except OSError as err:  # write_json removed its temp file; the previous record stays whole
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                raise InsufficientStorage(
                    f"The disk holding {self.directory} is full ({err.strerror}): the endpoint's record "
                    "could not be saved, and its previous state is unchanged. Free disk space there, then "
                    "try again.",
                    hint="Delete files on that disk, or point c.LlamaNeuronApp.data_dir at a disk with room.",
                ) from err
            raise

    def update(
        self, name: str, *, only_if_owner: bool = False, durable: bool = True, **changes: Any
    ) -> dict[str, Any] | None:
        record = self.read(name)
        if record is None:
            return None  # deleted meanwhile
        if only_if_owner and record.get("owner") != self.owner:
            return None
        record.update(changes)
        record["updated_at"] = iso(utc_now())
        self.write(record, durable=durable)
        return record

    def all(self) -> list[dict[str, Any]]:
        if not self.directory.is_dir():
            return []
        records = []
        for path in sorted(self.directory.glob("*.json")):
            record = self.read(path.stem)
            if record is not None:
                records.append(record)
        return records
