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

echo "==> Lint: ruff, mypy, import-linter (layer contracts), eslint, prettier, stylelint"
ruff check .
mypy
lint-imports
jlpm lint:check

echo "==> pytest"
# One torch thread per process: many processes share 2 cores.
OMP_NUM_THREADS=1 python -m pytest -q -p no:cacheprovider

echo "==> jest"
jlpm test

echo "==> Galata UI tests"
cd ui-tests
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install
jlpm playwright test
