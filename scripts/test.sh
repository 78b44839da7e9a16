#!/usr/bin/env bash
# Set everything up and run the whole suite: lints, pytest, jest, and the Galata UI tests in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the UI tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "==> Lint: ruff, mypy, import-linter (layer contracts), eslint, prettier, stylelint, generated API types"
ruff check .
mypy
lint-imports
jlpm lint:check
jlpm check:api-types

echo "==> pytest"
# One torch thread per process: many processes share 2 cores.
OMP_NUM_THREADS=1 python -m pytest -q -p no:cacheprovider

echo "==> pytest: the SageMaker path again under SDK v3 (.venv-sdk3)"
# Deploy with every precompiled tuple, fine-tune, deploy fine-tuned, the notebooks run by nbclient, the Hub
# emulation; the local-mode tests need torch, which this venv leaves out.
OMP_NUM_THREADS=1 .venv-sdk3/bin/python -m pytest -q -p no:cacheprovider \
  tests/test_sagemaker_sdk_majors.py tests/test_sagemaker_backend.py tests/test_sagemaker_session.py \
  tests/test_training_sagemaker.py tests/test_sagemaker_fidelity.py tests/test_iam_policy.py \
  tests/test_handlers_endpoints_sagemaker.py tests/test_aws_emulator_sdk3.py tests/test_notebooks.py \
  tests/test_notebooks_execute.py::test_sagemaker_deploy_notebook_runs_against_the_emulator \
  tests/test_notebooks_execute.py::test_sagemaker_train_notebook_fine_tunes_deploys_and_cleans_up \
  tests/test_server_kill.py::test_sagemaker_server_killed_mid_deploy_mid_stream_and_mid_training \
  tests/test_aws_storms.py tests/test_studio.py

echo "==> SageMaker Studio install check (wheel + sagemaker 3.x + JupyterLab 4.5.10 on Python 3.12)"
bash scripts/studio_check.sh

echo "==> jest"
jlpm test

echo "==> Galata UI tests"
cd ui-tests
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install
jlpm playwright test
