#!/usr/bin/env bash
# The SageMaker Studio install, checked: a fresh Python 3.12 venv stands in for the image (the newest sagemaker
# 3.x, jupyterlab 4.5.10, jupyter_server 2.20.0: SageMaker Distribution 4.4.1's versions); studio/on-start.sh
# installs the built wheel with the [sagemaker] extra into it, which must change no package already there;
# pip check passes, the labextension is listed enabled and OK, and a server started the way Studio starts it
# (base_url /jupyterlab/default/, no token) answers /llama-neuron/api/v1/status.
# Usage: scripts/studio_check.sh  (env: STUDIO_CHECK_PORT, default 18891; STUDIO_CHECK_PYTHON, default 3.12)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${STUDIO_CHECK_PORT:-18891}"
BASE_URL="/jupyterlab/default/"
VENV="$ROOT/.venv-studio-check"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PYTHON="${STUDIO_CHECK_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.12 "$(pyenv root 2>/dev/null)/versions/3.12"*/bin/python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      PYTHON="$candidate"
      break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "studio_check: Python 3.12 not found (set STUDIO_CHECK_PYTHON)" >&2; exit 1; }

echo "--> building the wheel"
BUILD_PY="$ROOT/.venv/bin/python"
[ -x "$BUILD_PY" ] || BUILD_PY=python3
"$BUILD_PY" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$ROOT"
WHEEL="$(ls "$WORK"/dist/jupyter_llama_neuron-*.whl)"
unzip -l "$WHEEL" | grep -q "share/jupyter/labextensions/jupyter-llama-neuron/package.json" \
  || { echo "studio_check: the wheel has no prebuilt labextension" >&2; exit 1; }

echo "--> the \"image\": a fresh $("$PYTHON" --version) venv with sagemaker 3.x, jupyterlab 4.5.10, jupyter_server 2.20.0"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "sagemaker>=3.12,<4" "jupyterlab==4.5.10" "jupyter_server==2.20.0"
"$VENV/bin/python" -m pip freeze --all | sort > "$WORK/before.txt"

echo "--> studio/on-start.sh installs $(basename "$WHEEL")[sagemaker]"
LLAMA_NEURON_PIP="$VENV/bin/pip" LLAMA_NEURON_SOURCE="$WHEEL" LLAMA_NEURON_RESTART=0 bash "$ROOT/studio/on-start.sh"
"$VENV/bin/python" -m pip freeze --all | sort > "$WORK/after.txt"
changed="$(comm -23 "$WORK/before.txt" "$WORK/after.txt")"
[ -z "$changed" ] || { echo "studio_check: the install changed the image's packages:"; echo "$changed"; exit 1; } >&2
echo "added: $(comm -13 "$WORK/before.txt" "$WORK/after.txt" | tr '\n' ' ')"
"$VENV/bin/python" -m pip list 2>/dev/null | grep -iE "^(sagemaker|sagemaker-core|jupyterlab|jupyter_server|jupyter-server) " || true

echo "--> pip check"
"$VENV/bin/python" -m pip check

echo "--> jupyter labextension list"
# A clean environment: nothing from the developer's Jupyter paths.
export JUPYTER_PATH="" JUPYTER_CONFIG_DIR="$WORK/config" JUPYTER_DATA_DIR="$WORK/data" PYTHONPATH=""
"$VENV/bin/jupyter" labextension list > "$WORK/labext.txt" 2>&1
cat "$WORK/labext.txt"
grep -E "jupyter-llama-neuron v[0-9.]+ .*enabled.*OK" "$WORK/labext.txt" >/dev/null \
  || { echo "studio_check: the labextension is not listed as enabled and OK" >&2; exit 1; }
"$VENV/bin/jupyter" server extension list 2>&1 | grep -E "jupyter_llama_neuron.*enabled" >/dev/null \
  || { echo "studio_check: the server extension is not enabled" >&2; exit 1; }

echo "--> the server as Studio starts it, on 127.0.0.1:$PORT$BASE_URL"
mkdir -p "$WORK/root"
ROOT_FLAG=()
[ "$(id -u)" != 0 ] || ROOT_FLAG=(--allow-root)  # containers run as root; Studio itself runs as sagemaker-user
# No AWS here (and a proxy tripwire): the extension falls back to local mode and /status says so.
env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
  AWS_SHARED_CREDENTIALS_FILE="$WORK/none" AWS_CONFIG_FILE="$WORK/none" AWS_EC2_METADATA_DISABLED=true \
  HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
  "$VENV/bin/jupyter" lab --no-browser --ip=127.0.0.1 --port="$PORT" --port-retries=0 "${ROOT_FLAG[@]}" \
  --ServerApp.base_url="$BASE_URL" --ServerApp.token='' --ServerApp.allow_origin='*' \
  --ServerApp.root_dir="$WORK/root" --LlamaNeuronApp.data_dir="$WORK/llama-neuron" \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
STATUS_URL="http://127.0.0.1:$PORT${BASE_URL}llama-neuron/api/v1/status"
for _ in $(seq 1 120); do
  if curl --noproxy '*' -fsS "$STATUS_URL" -o "$WORK/status.json" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "studio_check: the server exited" >&2; exit 1; }
  sleep 1
done
[ -s "$WORK/status.json" ] || { cat "$WORK/server.log"; echo "studio_check: no answer from $STATUS_URL" >&2; exit 1; }
echo "GET $STATUS_URL -> $(cat "$WORK/status.json")"
"$VENV/bin/python" -c 'import json, sys; s = json.load(open(sys.argv[1])); assert s["version"] and s["backend"] in ("local", "sagemaker"), s' "$WORK/status.json"
code="$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT${BASE_URL}lab")"
[ "$code" = 200 ] || { echo "studio_check: ${BASE_URL}lab answered $code" >&2; exit 1; }
echo "studio_check: OK"
