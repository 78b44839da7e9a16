#!/bin/bash
# SageMaker Studio lifecycle configuration (JupyterLab space, on start): install jupyter-llama-neuron into the
# image's Python environment without upgrading or downgrading any package the image ships, then restart the
# Jupyter server so the panel appears. Attach it to a domain or user profile as a JupyterLab LCC (AWS docs:
# "Lifecycle configurations with JupyterLab"; at most 16,384 characters).
#
# Settings (edit here, or set them in the environment):
#   LLAMA_NEURON_SOURCE  what to install: a wheel in S3 (s3://bucket/jupyter_llama_neuron-<v>-py3-none-any.whl),
#                        a local wheel path, or a pip requirement. Default: the package from the package index.
#   LLAMA_NEURON_PIP     the image environment's pip. Default: /opt/conda/bin/pip (SageMaker Distribution).
#   LLAMA_NEURON_RESTART 1 (default) restarts the Jupyter server when done; 0 leaves it to you.
set -euo pipefail

SOURCE="${LLAMA_NEURON_SOURCE:-jupyter_llama_neuron}"
PIP="${LLAMA_NEURON_PIP:-/opt/conda/bin/pip}"
RESTART="${LLAMA_NEURON_RESTART:-1}"
LOG_PREFIX="[jupyter-llama-neuron on-start]"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say() { echo "$LOG_PREFIX $*"; }

[ -x "$PIP" ] || PIP="$(command -v pip || true)"
[ -n "$PIP" ] || { say "no pip found; set LLAMA_NEURON_PIP to the image environment's pip"; exit 1; }
PYTHON="$(dirname "$PIP")/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

# 1. Where the package comes from.
case "$SOURCE" in
  s3://*)
    say "downloading $SOURCE"
    aws s3 cp --only-show-errors "$SOURCE" "$WORK/"
    SOURCE="$WORK/$(basename "$SOURCE")"
    ;;
esac
case "$SOURCE" in
  *.whl) REQUIREMENT="${SOURCE}[sagemaker]" ;;
  *"["*) REQUIREMENT="$SOURCE" ;;
  *) REQUIREMENT="${SOURCE}[sagemaker]" ;;
esac

# 2. Every package the image has stays at its version: its pip freeze becomes a constraints file. The
#    [sagemaker] extra accepts the image's SDK (2.257+ or 3.x); local mode (torch, transformers 5) is not part
#    of a Studio install, the panel explains that and uses the SageMaker backend.
"$PIP" freeze --all 2>/dev/null | grep -E '^[A-Za-z0-9_.-]+==[^ ]+$' | grep -viE '^jupyter[-_]llama[-_]neuron==' \
  > "$WORK/image-constraints.txt" || true
say "installing $REQUIREMENT with $PIP ($(wc -l < "$WORK/image-constraints.txt") image packages pinned)"
if ! "$PIP" install --quiet --no-input --constraint "$WORK/image-constraints.txt" "$REQUIREMENT"; then
  say "pip could not install $REQUIREMENT without changing the image's packages (see above); nothing changed."
  exit 1
fi

# 3. The extension is enabled by its own config files; check what Jupyter sees.
JUPYTER="$(dirname "$PIP")/jupyter"
if [ -x "$JUPYTER" ]; then
  "$JUPYTER" labextension list 2>&1 | grep -E "jupyter-llama-neuron .*enabled.*OK" >/dev/null \
    && say "labextension enabled and OK" || say "warning: the labextension is not listed as enabled and OK"
  "$JUPYTER" server extension list 2>&1 | grep -E "jupyter_llama_neuron.*enabled" >/dev/null \
    && say "server extension enabled" || say "warning: the server extension is not enabled"
fi
"$PYTHON" - <<'PY' || true
from importlib.metadata import version
print("[jupyter-llama-neuron on-start] jupyter_llama_neuron", version("jupyter_llama_neuron"),
      "with sagemaker", version("sagemaker"))
PY

# 4. Restart the server so it loads the extension (Studio's image ships restart-jupyter-server).
if [ "$RESTART" = "1" ]; then
  if command -v restart-jupyter-server >/dev/null 2>&1; then
    say "restarting the Jupyter server"
    nohup restart-jupyter-server >/dev/null 2>&1 &
  else
    say "restart-jupyter-server not found: restart the space (or the Jupyter server) to load the panel"
  fi
fi
say "done: open the Llama 2 Neuron panel from the launcher or the command palette"
