"""Records of the user accepting a gated model's licence (Llama 2 Community License + Acceptable Use Policy).

The record (model id, the exact licence and policy URLs, time, user) is kept in ``<data_dir>/eula.json`` so
the server can refuse deploy/training without it and can show the user what they accepted and when.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .atomic_files import write_json
from .catalog import Catalog
from .errors import EulaRequired, ServiceUnavailable

log = logging.getLogger(__name__)

FILE_VERSION = 1
ACCEPT_HINT = "Open the model card and accept the Llama 2 licence and Acceptable Use Policy"


class EulaStore:
    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = Path(path)
        self.catalog = catalog
        self._lock = threading.Lock()  # the notebook widgets may call from another thread
        self._warned_corrupt = False

    # --- file handling --------------------------------------------------------------------------------------

    def _read(self) -> dict[str, dict[str, Any]]:
        """Records by model id. No file means none; an unreadable one is set aside on the next write."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise ServiceUnavailable(
                f"The licence records in {self.path} cannot be read: {err}",
                hint="Check the permissions of the extension's data directory (LlamaNeuronApp.data_dir).",
                code="EulaStoreUnavailable",
            ) from err
        try:
            data = json.loads(raw)
            records = data["records"]
            if not isinstance(records, dict):
                raise TypeError("records is not an object")
        except (ValueError, KeyError, TypeError) as err:
            if self._warned_corrupt:
                return {}
            self._warned_corrupt = True
            log.warning(
                "jupyter_llama_neuron: %s is not a valid EULA record file (%s); treating it as empty",
                self.path,
                err,
            )
            return {}
        return {str(k): v for k, v in records.items() if isinstance(v, dict)}

    def _write(self, records: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._set_aside_if_corrupt()
        write_json(self.path, {"version": FILE_VERSION, "records": records}, sort_keys=True)

    def _set_aside_if_corrupt(self) -> None:
        """Keep an unreadable record file for inspection instead of silently overwriting it."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        try:
            data = json.loads(raw)
            if isinstance(data, dict) and isinstance(data.get("records"), dict):
                return
        except ValueError:
            pass
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, target)
        self._warned_corrupt = False
        log.warning("jupyter_llama_neuron: moved unreadable %s to %s", self.path, target)

    # --- API ------------------------------------------------------------------------------------------------

    def accept(self, model_id: str, user: str) -> dict[str, Any]:
        model = self.catalog.model(model_id)  # NotFound for unknown ids
        record = {
            "model_id": model_id,
            "eula_url": model["eula_url"],
            "aup_url": model["aup_url"],
            "accepted_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "user": user,
        }
        with self._lock:
            records = self._read()
            records[model_id] = record
            self._write(records)
        return dict(record)

    def accept_same_licence(self, model_id: str, user: str) -> list[dict[str, Any]]:
        """Accept ``model_id``'s licence for every catalog model under the same licence and policy URLs.

        One record per model, each naming its model, so the file still says exactly what was accepted.
        """
        model = self.catalog.model(model_id)  # NotFound for unknown ids
        same = [model_id] + [
            other_id
            for other_id in self.catalog.ids()
            if other_id != model_id
            and self.catalog.model(other_id)["eula_url"] == model["eula_url"]
            and self.catalog.model(other_id)["aup_url"] == model["aup_url"]
        ]
        accepted_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        created = [
            {
                "model_id": other_id,
                "eula_url": model["eula_url"],
                "aup_url": model["aup_url"],
                "accepted_at": accepted_at,
                "user": user,
            }
            for other_id in same
        ]
        with self._lock:
            records = self._read()
            for record in created:
                records[record["model_id"]] = record
            self._write(records)
        return [dict(record) for record in created]

    def record(self, model_id: str) -> dict[str, Any] | None:
        """The acceptance for ``model_id`` or None; a record for an older licence URL does not count."""
        model = self.catalog.model(model_id)
        with self._lock:
            record = self._read().get(model_id)
        if record is None:
            return None
        if record.get("eula_url") != model["eula_url"] or record.get("aup_url") != model["aup_url"]:
            return None
        return dict(record)

    def accepted(self, model_id: str) -> bool:
        return self.record(model_id) is not None

    def require(self, model_id: str) -> None:
        """Raise ``EulaRequired`` (403) unless the gated model's licence has been accepted."""
        model = self.catalog.model(model_id)
        if not model["gated"] or self.record(model_id) is not None:
            return
        raise EulaRequired(
            f"{model['display_name']} is gated: its licence ({model['license']}) and Acceptable Use Policy "
            f"have not been accepted on this server. {ACCEPT_HINT}.",
            hint=f"{ACCEPT_HINT}: {model['eula_url']} and {model['aup_url']}.",
            details={"model_id": model_id, "eula_url": model["eula_url"], "aup_url": model["aup_url"]},
        )
