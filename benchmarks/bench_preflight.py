"""Dataset preflight throughput: N Dolly-style instruction records through ``run_preflight`` (parse, validate,
render through the default template, count Llama 2 tokens, histogram) with the rendered file written to disk,
as ``POST /datasets`` does.

Prints records/s for the exact token counter (when ``jlpm build:tokenizer`` has run) and for the estimate, and
the peak traced memory of one run (the file is streamed, so it should not grow with N). No assertions. Usage:
    python benchmarks/bench_preflight.py [--records 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

from jupyter_llama_neuron.dataset_preflight import PreflightOptions, run_preflight  # noqa: E402
from jupyter_llama_neuron.prompt_template import parse_template  # noqa: E402
from jupyter_llama_neuron.token_counting import TokenCounter, load_token_counter  # noqa: E402

WORDS = [
    "the",
    "capital",
    "river",
    "population",
    "founded",
    "north",
    "language",
    "trade",
    "mountain",
    "king",
    "harbour",
    "festival",
    "of",
    "in",
    "and",
    "was",
    "is",
    "a",
    "by",
    "with",
    "{braces}",
    "###",
    "Response:",
    "émigré",
    "城市",
]


def make_dataset(path: Path, records: int) -> int:
    rng = random.Random(7)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    with path.open("w", encoding="utf-8") as out:
        for _ in range(records):
            row = {
                "instruction": sentence(rng.randint(6, 20)),
                "context": sentence(rng.randint(20, 300)),
                "response": sentence(rng.randint(5, 80)),
                "category": "closed_qa",
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path.stat().st_size


def run(path: Path, counter: TokenCounter, sink_path: Path) -> tuple[float, dict[str, object]]:
    options = PreflightOptions("instruction", parse_template(None), 2048)
    start = time.perf_counter()
    with path.open("rb") as stream, sink_path.open("w", encoding="utf-8") as sink:
        report = run_preflight(stream, path.name, options, counter, sink.write)
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "dolly.jsonl"
        size = make_dataset(data, args.records)
        print(f"dataset: {args.records} records, {size / 1e6:.1f} MB")
        counters = [load_token_counter(), load_token_counter(Path(tmp) / "none.json")]
        for counter in counters:
            times = []
            report: dict[str, object] = {}
            for _ in range(args.runs):
                elapsed, report = run(data, counter, Path(tmp) / "train.jsonl")
                times.append(elapsed)
            median = statistics.median(times)
            print(
                f"{counter.method:>8}: median {median:.2f} s over {args.runs} runs = "
                f"{args.records / median:,.0f} records/s (truncated share {report['truncated_share']})"
            )
        tracemalloc.start()
        run(data, counters[0], Path(tmp) / "train.jsonl")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"peak traced Python memory in one run: {peak / 1e6:.1f} MB (file: {size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
