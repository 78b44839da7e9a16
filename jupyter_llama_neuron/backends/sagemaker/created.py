"""What this server created, independent of SageMaker's Search index.

Search is a separate index with no documented freshness (docs/aws-fidelity.md): a resource created seconds ago
may be missing from it. So idempotency and listing do not rely on it alone:

* client tokens: ``token -> name`` for each create, kept in ``<data_dir>/sagemaker_client_tokens.json`` (so a
  retry after a restart finds the resource by name with one Describe);
* recent names: what was created in the last ``RECENT_S`` seconds, described by name and listed until Search
  returns it.

Thread-safe: used from the backend's worker threads.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from ...atomic_files import write_json

TOKENS_FILE = "sagemaker_client_tokens.json"
TOKENS_KEPT = 500
RECENT_S = 15 * 60.0


class CreatedRecord:
    def __init__(self, data_dir: Path, kind: str) -> None:
        self._path = data_dir / TOKENS_FILE
        self._kind = kind  # "endpoint", "training-job": one file, one section each
        self._lock = threading.Lock()
        self._tokens: dict[str, str] | None = None
        self._recent: dict[str, float] = {}

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {str(k): dict(v) for k, v in data.items() if isinstance(v, dict)}
            if isinstance(data, dict)
            else {}
        )

    def name_for(self, token: str) -> str | None:
        with self._lock:
            if self._tokens is None:
                self._tokens = self._load().get(self._kind, {})
            return self._tokens.get(token)

    def created(self, name: str, token: str | None) -> None:
        with self._lock:
            self._recent[name] = time.monotonic()
            if token is None:
                return
            if self._tokens is None:
                self._tokens = self._load().get(self._kind, {})
            self._tokens[token] = name
            while len(self._tokens) > TOKENS_KEPT:
                del self._tokens[next(iter(self._tokens))]
            everything = self._load()
            everything[self._kind] = dict(self._tokens)
            write_json(self._path, everything)

    def recent(self, indexed: set[str]) -> list[str]:
        """Names created lately that the index does not show yet (those it shows are forgotten)."""
        now = time.monotonic()
        with self._lock:
            for name in list(self._recent):
                if name in indexed or now - self._recent[name] > RECENT_S:
                    del self._recent[name]
            return list(self._recent)

    def forget(self, name: str) -> None:
        with self._lock:
            self._recent.pop(name, None)
