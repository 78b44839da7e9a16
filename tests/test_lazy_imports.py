"""Importing the extension (what Jupyter does at start-up) must not import the heavy SDKs or ML libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupyter_llama_neuron
from jupyter_llama_neuron.handlers.routes import ROUTES

HEAVY = ("sagemaker", "torch", "transformers", "peft")
PACKAGE_DIR = Path(jupyter_llama_neuron.__file__).parent

SCRIPT = """
import importlib, json, sys
import jupyter_llama_neuron, jupyter_llama_neuron.app
points = jupyter_llama_neuron._jupyter_server_extension_points()
from jupyter_llama_neuron.handlers.routes import ROUTES
import jupyter_llama_neuron.services
for name in sys.argv[1:]:
    importlib.import_module(name)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY_MODULES))
print(json.dumps({"heavy": heavy, "routes": len(ROUTES), "app": points[0]["app"].__name__}))
""".replace("HEAVY_MODULES", repr(HEAVY))


def _run(*modules: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_extension_import_stays_light() -> None:
    found = _run()
    # Every route module imports in a clean process (the count follows the route table as it grows).
    assert found == {"heavy": [], "routes": len(ROUTES), "app": "LlamaNeuronApp"}


def test_backend_modules_import_lazily() -> None:
    # The backends are imported when the first request needs one; even then the SDK/torch must wait.
    modules = [
        f"jupyter_llama_neuron.backends.{name}"
        for name in ("local", "sagemaker")
        if (PACKAGE_DIR / "backends" / f"{name}.py").exists() or (PACKAGE_DIR / "backends" / name).is_dir()
    ]
    assert len(modules) == 2
    assert _run(*modules)["heavy"] == []


def test_training_modules_import_lazily() -> None:
    # The trainer subprocess imports torch/peft inside train(); the server side only reads its constants.
    modules = [
        "jupyter_llama_neuron.training_service",
        "jupyter_llama_neuron.backends.local.training",
        "jupyter_llama_neuron.backends.local.trainer",
    ]
    assert _run(*modules)["heavy"] == []


def test_the_check_detects_a_heavy_import(tmp_path: Path) -> None:
    # A stand-in "torch" on the path keeps this check fast while proving a heavy import would be seen.
    (tmp_path / "torch.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    assert _run("json", "torch", env=env)["heavy"] == ["torch"]
