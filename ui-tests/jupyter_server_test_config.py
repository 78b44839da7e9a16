"""Server configuration for the Galata UI tests (test-only: no token, XSRF off, root allowed).

The extension runs in local mode with its state in a throw-away data dir, so tests never touch the
user's data or AWS. The first deploy converts the bundled SmolLM2 model into that dir (about 25 s).
"""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.allow_root = True  # type: ignore[name-defined]  # noqa: F821  (CI runs as root)
c.FileContentsManager.delete_to_trash = False  # type: ignore[name-defined]  # noqa: F821

data_dir = os.environ.get("LLAMA_NEURON_UI_DATA_DIR") or tempfile.mkdtemp(prefix="llama-neuron-ui-")
c.LlamaNeuronApp.backend = os.environ.get("LLAMA_NEURON_UI_BACKEND", "local")  # type: ignore[name-defined]  # noqa: F821
c.LlamaNeuronApp.data_dir = data_dir  # type: ignore[name-defined]  # noqa: F821

# Tripwire: nothing started by this server may reach the internet (or real AWS).
os.environ.setdefault("HTTPS_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
