"""Jupyter server start-up time with the extension enabled vs disabled (goal: ratio <= 1.05).

Each run starts `jupyter server` on a free loopback port and measures the time until `/api/status` answers.
Runs alternate between the two settings so background load affects both alike; prints medians and the ratio.
Usage: python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_once(enabled: bool, data_dir: str) -> float:
    port = free_port()
    token = "bench"
    config = {"ServerApp": {"jpserver_extensions": {"jupyter_llama_neuron": enabled}}}
    with tempfile.TemporaryDirectory() as cfg_dir:
        with open(os.path.join(cfg_dir, "jupyter_server_config.json"), "w") as handle:
            json.dump(config, handle)
        env = {**os.environ, "JUPYTER_CONFIG_DIR": cfg_dir, "HTTPS_PROXY": "http://127.0.0.1:9",
               "NO_PROXY": "127.0.0.1,localhost"}
        args = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                f"--IdentityProvider.token={token}", "--allow-root", f"--LlamaNeuronApp.data_dir={data_dir}",
                "--LlamaNeuronApp.backend=local"]
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/api/status?token={token}"
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            while True:
                try:
                    opener.open(url, timeout=1).read()
                    return time.perf_counter() - start
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if proc.poll() is not None:
                        raise RuntimeError("jupyter server exited during start-up") from None
                    time.sleep(0.02)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        start_once(True, data_dir)  # warm the OS file cache for both settings
        start_once(False, data_dir)
        with_ext: list[float] = []
        without_ext: list[float] = []
        for _ in range(args.runs):
            without_ext.append(start_once(False, data_dir))
            with_ext.append(start_once(True, data_dir))
    on, off = statistics.median(with_ext), statistics.median(without_ext)
    print(f"start-up without extension: median {off:.3f} s  runs {[round(x, 3) for x in without_ext]}")
    print(f"start-up with extension:    median {on:.3f} s  runs {[round(x, 3) for x in with_ext]}")
    print(f"ratio with/without: {on / off:.3f}  (goal <= 1.05)")


if __name__ == "__main__":
    main()
