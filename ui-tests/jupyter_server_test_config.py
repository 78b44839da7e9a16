"""Server configuration for the Galata UI tests (test-only: no token, XSRF off, root allowed).

By default the extension runs in local mode with its state in a throw-away data dir, so tests never touch
the user's data or AWS; the first deploy converts the bundled SmolLM2 model into that dir (about 25 s).
It listens on LLAMA_NEURON_UI_PORT (default 18888, never the 8888 a user's JupyterLab takes); with
LLAMA_NEURON_UI_BACKEND=sagemaker it listens on the next port, against the in-process AWS emulator
that the pytest suite uses (moto plus the additions this flow needs, and local JumpStart specs). With
LLAMA_NEURON_UI_STUDIO=1 it runs local mode as SageMaker Studio runs Jupyter, two ports up: base URL
/jupyterlab/default/, no token, and the XSRF check on (the panel must send the cookie's token on writes).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

# argv: the server's PID and the data dir. Polls once a second; a local worker may still be exiting when the
# server is gone (it ends when its stdin closes), so the removal is retried for a few seconds.
_REMOVE_WHEN_GONE = """
import os, shutil, sys, time
pid, folder = int(sys.argv[1]), sys.argv[2]
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    except PermissionError:
        pass
    time.sleep(1)
for _ in range(10):
    shutil.rmtree(folder, ignore_errors=True)
    if not os.path.exists(folder):
        break
    time.sleep(1)
"""

configure_jupyter_server(c)  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.allow_root = True  # type: ignore[name-defined]  # noqa: F821  (CI runs as root)
c.FileContentsManager.delete_to_trash = False  # type: ignore[name-defined]  # noqa: F821

backend = os.environ.get("LLAMA_NEURON_UI_BACKEND", "local")
port = int(os.environ.get("LLAMA_NEURON_UI_PORT", "18888"))
studio = os.environ.get("LLAMA_NEURON_UI_STUDIO") == "1"
c.ServerApp.port = port + (1 if backend == "sagemaker" else 2 if studio else 0)  # type: ignore[name-defined]  # noqa: F821
if studio:
    c.ServerApp.base_url = "/jupyterlab/default/"  # type: ignore[name-defined]  # noqa: F821
    c.ServerApp.disable_check_xsrf = False  # type: ignore[name-defined]  # noqa: F821
    c.ServerApp.allow_origin = "*"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.port_retries = 0  # type: ignore[name-defined]  # noqa: F821  (a taken port fails, never drifts)
data_dir = os.environ.get("LLAMA_NEURON_UI_DATA_DIR") or ""
if not data_dir:
    # A throw-away dir holds the converted model (~0.5 GB) and whatever the tests deploy or train (~1 GB).
    # Playwright ends this server with SIGKILL, so no exit handler would run: a small watcher in its own
    # session removes the dir once this server's process is gone.
    data_dir = tempfile.mkdtemp(prefix="llama-neuron-ui-")
    subprocess.Popen(
        [sys.executable, "-c", _REMOVE_WHEN_GONE, str(os.getpid()), data_dir],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
c.LlamaNeuronApp.backend = backend  # type: ignore[name-defined]  # noqa: F821
c.LlamaNeuronApp.data_dir = data_dir  # type: ignore[name-defined]  # noqa: F821

if backend == "sagemaker":
    # The repository root first: the sagemaker package drags in an unrelated top-level `tests` package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.aws_emulator import ServerHandle

    emulator = ServerHandle().start()  # sets AWS_ENDPOINT_URL, dummy credentials, region, JumpStart spec dirs
    c.LlamaNeuronApp.region = emulator.region  # type: ignore[name-defined]  # noqa: F821
    c.LlamaNeuronApp.role_arn = emulator.role_arn  # type: ignore[name-defined]  # noqa: F821

# Tripwire: nothing started by this server may reach the internet (or real AWS).
os.environ.setdefault("HTTPS_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
