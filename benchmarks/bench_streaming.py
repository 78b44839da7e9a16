"""Local streaming through the extension vs ``generate`` called directly on the same model, in one process.

Goals: tokens/s ratio extension/direct >= 0.9, time-to-first-token ratio extension/direct <= 1.2.

* extension: a real ``jupyter server`` subprocess on 127.0.0.1 (local backend, temp config and runtime dirs),
  one deployed chat endpoint served by the bundled SmolLM2-135M-Instruct stand-in (1 torch thread, as
  configured), and ``POST /endpoints/{name}/invocations`` with ``Accept: text/event-stream`` read with
  ``http.client``. TTFT = request sent -> first ``token`` event received; tokens/s = the ``done`` event's
  tokens_out / (request sent -> ``done`` received). So the extension's numbers include HTTP, JSON, the
  server, the worker's JSON-line protocol and SSE framing.
* direct: this process loads the same converted folder with transformers (fp32, 1 thread, like the worker),
  applies the same chat template and calls ``model.generate`` greedily with a streamer that only records
  the time of the first new token. TTFT and tokens/s are measured from before tokenisation.

Runs alternate (direct, extension, direct, ...) after one warm-up each, so background load affects both
alike; prints per-run numbers, the medians and the ratios. No assertions. The stand-in is converted once
(about 25 s) into the cache dir and reused. Usage:
    python benchmarks/bench_streaming.py [--tokens 64] [--repeats 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

from jupyter_llama_neuron.backends.local.model_store import ModelStore  # noqa: E402
from jupyter_llama_neuron.settings import ExtensionSettings  # noqa: E402

MODEL_ID = "meta-textgenerationneuron-llama-2-7b-f"
ENDPOINT = "bench-stream"
TOKEN = "bench-streaming"
API = "/llama-neuron/api/v1"
MESSAGES = [{"role": "user", "content": "Write a long story about a lighthouse keeper and a storm."}]
THREADS = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def convert_stand_in(data_dir: Path) -> Path:
    store = ModelStore(ExtensionSettings(backend="local", data_dir=data_dir, local_torch_threads=THREADS))
    if not store.stand_in_converted():
        print("converting SmolLM2-135M-Instruct once (about 25 s) ...", flush=True)
    return asyncio.run(store.ensure_stand_in())


# -- the extension -------------------------------------------------------------------------------------------


class Server:
    def __init__(self, data_dir: Path, work_dir: Path) -> None:
        self.port = free_port()
        config_dir = work_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        config = {"ServerApp": {"jpserver_extensions": {"jupyter_llama_neuron": True}}}
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_RUNTIME_DIR": str(work_dir / "runtime"),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        args = [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            f"--IdentityProvider.token={TOKEN}", "--allow-root", "--LlamaNeuronApp.backend=local",
            f"--LlamaNeuronApp.data_dir={data_dir}", f"--LlamaNeuronApp.local_torch_threads={THREADS}",
        ]  # fmt: skip
        self.log = (work_dir / "server.log").open("wb")
        self.process = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.worker_ttft: list[float] = []

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{API}{path}", data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("jupyter server exited; see server.log")
            try:
                if self.call("GET", "/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("jupyter server did not start")

    def deploy(self) -> None:
        code, body = self.call("POST", f"/models/{MODEL_ID}/eula", {"accept": True})
        assert code == 200, body
        code, body = self.call("POST", "/endpoints", {"model_id": MODEL_ID, "endpoint_name": ENDPOINT})
        assert code == 202, body
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            code, body = self.call("GET", f"/endpoints/{ENDPOINT}")
            if body["status"] == "InService":
                print(f"endpoint: {body['serving_label']}")
                return
            if body["status"] != "Creating":
                raise RuntimeError(f"deploy failed: {body}")
            time.sleep(0.25)
        raise RuntimeError("deploy timed out")

    def stream(self, max_new_tokens: int) -> tuple[float, float, int]:
        """(ttft_s, total_s, tokens_out) for one streamed chat request, timed by the client. The worker's own
        TTFT (from the done event: request received by the worker -> first token) goes to ``worker_ttft``."""
        body = json.dumps({"messages": MESSAGES, "parameters": {"max_new_tokens": max_new_tokens}})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {
            "Authorization": f"token {TOKEN}",
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
        }
        started = time.perf_counter()
        connection.request("POST", f"{API}/endpoints/{ENDPOINT}/invocations", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        first: float | None = None
        event = ""
        try:
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event == "token" and first is None:
                        first = time.perf_counter()
                    elif event == "done":
                        total = time.perf_counter() - started
                        assert first is not None
                        self.worker_ttft.append(float(data["ttft_s"]))
                        return first - started, total, int(data["tokens_out"])
                    elif event == "error":
                        raise RuntimeError(data)
        finally:
            connection.close()
        raise RuntimeError("the stream ended without a done event")

    def stop(self) -> None:
        self.call("DELETE", f"/endpoints/{ENDPOINT}")
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# -- direct --------------------------------------------------------------------------------------------------


class Direct:
    def __init__(self, model_dir: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(THREADS)
        self.torch = torch
        # Any: transformers' own annotations are too loose for strict mypy (as in local/worker.py).
        self.tokenizer: Any = cast(Any, AutoTokenizer.from_pretrained(model_dir))
        self.model: Any = cast(Any, AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32))
        self.model.eval()

    def generate(self, max_new_tokens: int) -> tuple[float, float, int]:
        from transformers.generation.streamers import BaseStreamer

        started = time.perf_counter()
        marks: list[float] = []

        class FirstToken(BaseStreamer):
            """put() gets the prompt first, then each new token: record when the first new one arrives."""

            calls = 0

            def put(self, value: Any) -> None:
                self.calls += 1
                if self.calls == 2:
                    marks.append(time.perf_counter())

            def end(self) -> None:
                pass

        prompt = self.tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
        ids = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with self.torch.inference_mode():
            output = self.model.generate(
                input_ids=ids,
                attention_mask=self.torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                streamer=FirstToken(),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        total = time.perf_counter() - started
        return marks[0] - started, total, int(output.shape[1] - ids.shape[1])


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jupyter-llama-neuron-bench-streaming",
        help="where the converted stand-in is cached between runs",
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ["HF_HUB_OFFLINE"] = "1"

    model_dir = convert_stand_in(args.data_dir)
    # A previous run's endpoint records would be relaunched by the new server: start from none.
    shutil.rmtree(args.data_dir / "local" / "endpoints", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="jln-bench-streaming-") as work:
        server = Server(args.data_dir, Path(work))
        try:
            server.wait_ready()
            server.deploy()
            direct = Direct(model_dir)
            direct.generate(args.tokens)  # warm-ups: first-call allocations, lazy imports
            server.stream(args.tokens)
            results: dict[str, list[tuple[float, float, int]]] = {"direct": [], "extension": []}
            for run in range(args.repeats):
                results["direct"].append(direct.generate(args.tokens))
                results["extension"].append(server.stream(args.tokens))
                d, e = results["direct"][-1], results["extension"][-1]
                print(
                    f"run {run + 1}: direct ttft {d[0] * 1000:6.1f} ms, {d[2] / d[1]:6.1f} tok/s "
                    f"({d[2]} tok) | extension ttft {e[0] * 1000:6.1f} ms, {e[2] / e[1]:6.1f} tok/s "
                    f"({e[2]} tok)",
                    flush=True,
                )
        finally:
            server.stop()

    def medians(rows: list[tuple[float, float, int]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in rows), statistics.median(r[2] / r[1] for r in rows)

    d_ttft, d_rate = medians(results["direct"])
    e_ttft, e_rate = medians(results["extension"])
    print(f"\nSmolLM2-135M-Instruct, {args.tokens} new tokens, {THREADS} thread, median of {args.repeats}:")
    print(f"  direct generate : ttft {d_ttft * 1000:7.1f} ms   {d_rate:7.1f} tok/s")
    print(f"  extension (SSE) : ttft {e_ttft * 1000:7.1f} ms   {e_rate:7.1f} tok/s")
    worker_ttft = statistics.median(server.worker_ttft[1:])  # without the warm-up
    print(f"    of the ttft, inside the worker (template, tokenise, prefill): {worker_ttft * 1000:.1f} ms")
    print(f"  tokens/s ratio extension/direct = {e_rate / d_rate:.3f}  (goal >= 0.9)")
    print(f"  ttft ratio     extension/direct = {e_ttft / d_ttft:.3f}  (goal <= 1.2)")


if __name__ == "__main__":
    main()
