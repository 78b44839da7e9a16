#!/usr/bin/env bash
# Set everything up (first run: a few minutes) and start JupyterLab with the extension on 127.0.0.1.
# Without AWS credentials and a region the extension runs in local mode.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
EXTRA=()
# Containers often run as root, and Jupyter refuses to start as root unless told so explicitly.
[ "$(id -u)" = 0 ] && EXTRA+=(--allow-root)
exec "$ROOT/.venv/bin/jupyter" lab --ip=127.0.0.1 --no-browser "${EXTRA[@]}" "$@"
