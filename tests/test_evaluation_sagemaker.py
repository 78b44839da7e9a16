"""An evaluation with the SageMaker backend, end to end against the AWS emulator: the rows reach both
endpoints as InvokeEndpoint calls with the same parameters (through the playground's invocation path), and
the answers the emulator returns are scored."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.rest_client import accept_eula, call, sagemaker_config

from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
ROWS = [
    {"prompt": "What is the capital of Velmor?", "reference": "The capital of Velmor is Zorka."},
    {"prompt": "What currency is used in Tavind?", "reference": "Tavind uses the dorin."},
]


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator)


async def test_evaluation_invokes_both_sagemaker_endpoints(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.state.endpoint_creating_polls = 0
    for name in ("sm-base", "sm-tuned"):
        code, created = await call(jp_fetch, "POST", "endpoints",
                                   body={"model_id": MODEL_7B, "endpoint_name": name})
        assert code == 202, created
        code, endpoint = await call(jp_fetch, "GET", "endpoints", name)
        assert endpoint["status"] == "InService", endpoint
    # One result per InvokeEndpoint, in call order: row 1 base, row 1 tuned, row 2 base, row 2 tuned.
    aws_emulator.queue_results(
        [{"generated_text": " I do not know."}],
        [{"generated_text": " The capital of Velmor is Zorka."}],
        [{"generated_text": " Tavind uses the dorin."}],
        [{"generated_text": " Tavind uses the dorin."}],
    )
    aws_calls.clear()
    parameters = {"max_new_tokens": 32, "do_sample": False, "stop": ["\n"]}
    code, started = await call(jp_fetch, "POST", "evaluations",
                               body={"endpoints": ["sm-base", "sm-tuned"], "rows": ROWS,
                                     "parameters": parameters})
    assert code == 202, started
    deadline = time.monotonic() + 60
    while True:
        code, report = await call(jp_fetch, "GET", "evaluations", started["id"])
        if report["status"] != "running":
            break
        assert time.monotonic() < deadline, report
        await asyncio.sleep(0.1)
    assert_matches("Evaluation", report)
    assert report["status"] == "completed", report["reason"]
    invokes = aws_calls.of("InvokeEndpoint")
    assert [c["EndpointName"] for c in invokes] == ["sm-base", "sm-tuned", "sm-base", "sm-tuned"]
    bodies = [json.loads(c["Body"]) for c in invokes]
    assert [b["inputs"] for b in bodies] == [ROWS[0]["prompt"]] * 2 + [ROWS[1]["prompt"]] * 2
    assert all(b["parameters"] == parameters for b in bodies)
    assert report["summary"]["sm-base"]["exact_match"]["mean"] == 0.5
    assert report["summary"]["sm-tuned"]["exact_match"]["mean"] == 1.0
    assert report["wins"]["wins"] == 1
    assert report["wins"]["ties"] == 1
    assert report["endpoints"][0]["backend"] == "sagemaker"
