"""Server configuration for the Galata UI tests (test-only: no token, XSRF off, root allowed).

By default the extension runs in local mode with its state in a throw-away data dir, so tests never touch
the user's data or AWS; the first deploy converts the bundled SmolLM2 model into that dir (about 25 s).
With LLAMA_NEURON_UI_BACKEND=sagemaker the server runs on port 8889 against the in-process AWS emulator
that the pytest suite uses (moto plus the additions this flow needs, and local JumpStart specs).
"""

import os
import sys
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.allow_root = True  # type: ignore[name-defined]  # noqa: F821  (CI runs as root)
c.FileContentsManager.delete_to_trash = False  # type: ignore[name-defined]  # noqa: F821

backend = os.environ.get("LLAMA_NEURON_UI_BACKEND", "local")
data_dir = os.environ.get("LLAMA_NEURON_UI_DATA_DIR") or tempfile.mkdtemp(prefix="llama-neuron-ui-")
c.LlamaNeuronApp.backend = backend  # type: ignore[name-defined]  # noqa: F821
c.LlamaNeuronApp.data_dir = data_dir  # type: ignore[name-defined]  # noqa: F821

if backend == "sagemaker":
    # The repository root first: the sagemaker package drags in an unrelated top-level `tests` package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.aws_emulator import ServerHandle

    emulator = ServerHandle().start()  # sets AWS_ENDPOINT_URL, dummy credentials, region, JumpStart spec dirs
    c.ServerApp.port = 8889  # type: ignore[name-defined]  # noqa: F821
    c.LlamaNeuronApp.region = emulator.region  # type: ignore[name-defined]  # noqa: F821
    c.LlamaNeuronApp.role_arn = emulator.role_arn  # type: ignore[name-defined]  # noqa: F821

# Tripwire: nothing started by this server may reach the internet (or real AWS).
os.environ.setdefault("HTTPS_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
