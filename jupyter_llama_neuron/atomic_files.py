"""The one way the extension writes a state file (records, tokens, reports, licence records, ...).

A state file is replaced whole or not at all: the text goes to a temporary file in the same directory
(``.<name>.<random>.tmp``, so no reader's ``*.json`` / ``*.jsonl`` pattern ever matches it), is flushed and
fsynced, then renamed over the target with ``os.replace``, which POSIX makes atomic within one file system. A
server killed at any point leaves either the previous file or the new one, never half of one; a temporary
file it leaves behind is never read as state (``is_temporary`` names them for clean-ups).

``tests/test_atomic_files.py`` fails when a module of the package writes a file any other way, except for the
listed writes that are not state files.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"


def write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, creating its directory if needed.

    ``durable=False`` skips the fsync (about 6 ms here, blocking): the rename is still atomic for a killed
    process, only a power loss may lose the write. For bookkeeping written on the event loop at every request
    or training step, where the previous value is an acceptable loss."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())  # the data is on disk before the rename makes it the file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any, *, durable: bool = True, **dumps: Any) -> None:
    """``write_text`` of ``data`` as JSON: ``indent=2`` unless ``dumps`` says otherwise, a final newline."""
    dumps.setdefault("indent", 2)
    write_text(path, json.dumps(data, **dumps) + "\n", durable=durable)


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is a temporary file ``write_text`` left (a write interrupted by a kill)."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)
