"""State files are written whole or not at all (``atomic_files``), and nothing in the package writes one any
other way.

A write interrupted anywhere (an exception before the rename, or the process killed between the write and
the rename) leaves the previous file as it was; the temporary file a kill leaves behind is never read as
state. The source scan fails when a module writes a file outside ``atomic_files`` and outside the listed
exceptions, each of which says why it is not a state file.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_llama_neuron import atomic_files
from jupyter_llama_neuron.backends.local.records import EndpointRecords
from jupyter_llama_neuron.backends.sagemaker.created import CreatedRecord

PACKAGE = Path(atomic_files.__file__).resolve().parent
ROOT = PACKAGE.parent

# Calls that write, create or rename files. Reads are told apart by their mode (see _writes_a_file).
WRITING_CALLS = {
    ".write_text",
    ".write_bytes",
    "json.dump",
    "os.replace",
    "os.rename",
    "shutil.move",
    "shutil.copyfile",
    "shutil.copy",
    "shutil.copy2",
    "tempfile.mkstemp",
    "tempfile.NamedTemporaryFile",
}
OPENING_CALLS = {"open", ".open", "os.open", "os.fdopen"}

# (module, enclosing function, call) -> why it is not a state-file write that atomic_files must do.
NOT_STATE_FILES: dict[tuple[str, str, str], str] = {
    ("atomic_files.py", "write_text", "tempfile.mkstemp"): "the one atomic write itself",
    ("atomic_files.py", "write_text", "os.fdopen"): "the one atomic write itself",
    ("atomic_files.py", "write_text", "os.replace"): "the one atomic write itself",
    ("backends/local/convert.py", "make_4x_compatible", ".write_text"): (
        "edits files inside a model folder still being built (a temp folder published by one rename)"
    ),
    ("backends/local/convert.py", "main", ".write_text"): "the marker in the temp folder, before its rename",
    ("backends/local/convert.py", "main", "os.replace"): "publishes the converted folder with one rename",
    ("backends/local/convert.py", "main", "os.fdopen"): "the JSON-lines protocol on stdout",
    ("backends/local/trainer.py", "train", ".write_text"): "info in the temp merged folder, pre-rename",
    ("backends/local/trainer.py", "main", "os.replace"): "publishes the merged model folder with one rename",
    ("backends/local/trainer.py", "main", "os.fdopen"): "the JSON-lines protocol on stdout",
    ("backends/local/worker.py", "main", "os.fdopen"): "the JSON-lines protocol on stdout",
    ("backends/local/standby.py", "main", "os.open"): "appends to the worker's stderr log",
    ("backends/local/datasets.py", "store_locally", "os.replace"): "publishes a staged dataset folder",
    ("backends/local/training.py", "LocalTrainingJobs._append_log", ".open"): (
        "an append-only log (the UI shows its tail; a torn last line is just a short line)"
    ),
    ("backends/local/training.py", "_append_line.write", ".open"): (
        "progress.jsonl, append-only; its reader skips a line that is not whole JSON"
    ),
    ("dataset_store.py", "Upload.__init__", ".open"): "a streamed upload into <name>.part, renamed whole",
    ("dataset_store.py", "Upload.finish", "os.replace"): "renames the whole upload from <name>.part",
    ("dataset_store.py", "DatasetService._store_sync", ".open"): (
        "train.jsonl in a staging folder, published by one folder rename (store_locally) or an S3 upload"
    ),
    ("eula.py", "EulaStore._set_aside_if_corrupt", "os.replace"): "moves an unreadable file aside",
    ("notebooks.py", "NotebookService.write_notebook", "os.open"): (
        "a new user notebook in the Jupyter root (O_EXCL: never replaces a file), not state"
    ),
    ("notebooks.py", "NotebookService.write_notebook", "os.fdopen"): "the same new notebook",
}


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = func.value.id if isinstance(func.value, ast.Name) else None
        return f"{base}.{func.attr}" if base in ("os", "json", "shutil", "tempfile") else f".{func.attr}"
    return None


def _writes_a_file(name: str, node: ast.Call) -> bool:
    if name in WRITING_CALLS:
        return True
    if name not in OPENING_CALLS:
        return False
    if name == "os.open":
        return True  # flags decide; every os.open in the package creates or writes
    # open(path, mode) / path.open(mode) / os.fdopen(fd, mode): a mode with w, a, x or + writes.
    mode_args = [kw.value for kw in node.keywords if kw.arg == "mode"]
    position = 0 if name == ".open" else 1
    if len(node.args) > position:
        given = node.args[position]
        # Path.open's first argument is its mode, a literal here; another object's .open(x) (an URL opener,
        # S3) takes no mode.
        if name != ".open" or (isinstance(given, ast.Constant) and isinstance(given.value, str)):
            mode_args.append(given)
    for mode in mode_args:
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
            return any(flag in mode.value for flag in "wax+")
        return True  # a computed mode: treat as a write, so it must be listed
    return False


def file_writes(source: str) -> list[tuple[str, str, int]]:
    """``(enclosing function, call, line)`` of each file-writing call in a module's source."""
    found: list[tuple[str, str, int]] = []
    scope: list[str] = []

    class Visitor(ast.NodeVisitor):
        def _scoped(self, node: ast.AST, name: str) -> None:
            scope.append(name)
            self.generic_visit(node)
            scope.pop()

        def visit_ClassDef(self, node: ast.ClassDef) -> None:
            self._scoped(node, node.name)

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            self._scoped(node, node.name)

        def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
            self._scoped(node, node.name)

        def visit_Call(self, node: ast.Call) -> None:
            name = _call_name(node)
            if name is not None and _writes_a_file(name, node):
                found.append((".".join(scope), name, node.lineno))
            self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return found


def test_no_state_file_is_written_outside_atomic_files() -> None:
    unlisted = []
    used = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        for function, call, line in file_writes(path.read_text(encoding="utf-8")):
            key = (module, function, call)
            if key in NOT_STATE_FILES:
                used.add(key)
            else:
                unlisted.append(f"{module}:{line} {function}: {call}")
    assert not unlisted, (
        "Write state files with jupyter_llama_neuron.atomic_files (or list a non-state write in "
        "NOT_STATE_FILES with the reason): " + "; ".join(unlisted)
    )
    assert set(NOT_STATE_FILES) == used, f"stale exceptions: {sorted(set(NOT_STATE_FILES) - used)}"


@pytest.mark.parametrize(
    "source",
    [
        "def save(p):\n    p.write_text('x')\n",
        "import json\ndef save(p, d):\n    with open(p, 'w') as f:\n        json.dump(d, f)\n",
        "def save(p):\n    with p.open(mode='a') as f:\n        f.write('x')\n",
        "import os\ndef save(a, b):\n    os.replace(a, b)\n",
    ],
)
def test_the_scan_sees_direct_writes(source: str) -> None:
    assert file_writes(source), source


def test_the_scan_ignores_reads() -> None:
    source = "def load(p):\n    with open(p) as f, p.open('rb') as g, open(p, mode='r') as h:\n        pass\n"
    assert file_writes(source) == []


def test_an_interrupted_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state.json"
    atomic_files.write_json(target, {"version": 1})

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        atomic_files.write_json(target, {"version": 2})
    assert json.loads(target.read_text(encoding="utf-8")) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # the temporary file is removed


# A server SIGKILLed between writing the temporary file and renaming it: nothing of Python runs after that.
_KILLED_BEFORE_RENAME = """
import os, signal, sys
from pathlib import Path
from jupyter_llama_neuron.backends.local.records import EndpointRecords
records = EndpointRecords(Path(sys.argv[1]), "second-owner")
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
records.write({"name": "tiny", "status": "Failed", "note": "x" * 100000})
"""


def test_a_kill_between_write_and_rename_keeps_the_record_and_is_never_read(tmp_path: Path) -> None:
    records = EndpointRecords(tmp_path, "first-owner")
    records.write({"name": "tiny", "status": "InService"})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _KILLED_BEFORE_RENAME, str(tmp_path)], env=env, check=False)
    assert done.returncode == -9
    leftovers = [p for p in tmp_path.iterdir() if atomic_files.is_temporary(p)]
    assert len(leftovers) == 1
    assert leftovers[0].stat().st_size > 100000  # written in full, never renamed
    assert records.read("tiny") == {"name": "tiny", "status": "InService"}
    assert [r["name"] for r in records.all()] == ["tiny"]


def test_every_restart_relevant_store_goes_through_atomic_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Endpoint records and client tokens keep their previous content when the replace fails."""
    records = EndpointRecords(tmp_path / "endpoints", "owner")
    records.write({"name": "tiny", "status": "Creating"})
    tokens = CreatedRecord(tmp_path, "endpoint")
    tokens.created("first", "token-1")
    calls: list[object] = []

    def fail(*args: object) -> None:
        calls.append(args)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="Input/output"):
        records.update("tiny", status="InService")
    with pytest.raises(OSError, match="Input/output"):
        tokens.created("second", "token-2")
    monkeypatch.undo()
    assert len(calls) == 2
    assert (records.read("tiny") or {}).get("status") == "Creating"
    assert CreatedRecord(tmp_path, "endpoint").name_for("token-1") == "first"
    assert CreatedRecord(tmp_path, "endpoint").name_for("token-2") is None
    assert not [p for p in tmp_path.rglob("*") if atomic_files.is_temporary(p)]


@pytest.mark.parametrize("durable", [True, False])
def test_only_a_durable_write_waits_for_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    """Bookkeeping written at every request (``durable=False``) skips the fsync but is still atomic."""
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    target = tmp_path / "record.json"
    atomic_files.write_json(target, {"n": 1}, durable=durable)
    assert json.loads(target.read_text(encoding="utf-8")) == {"n": 1}
    assert len(synced) == (1 if durable else 0)
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]
