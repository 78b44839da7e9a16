"""The rules the UI applies come from the server (``GET /status`` ``rules``, ``POST /sagemaker-payload``), and
the server itself judges requests by exactly those rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.inference_parameters import PARAMETERS
from tests.rest_client import call

from .openapi_contract import assert_matches

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
CHAT_7B = "meta-textgenerationneuron-llama-2-7b-f"


@pytest.fixture
def llama_neuron_config(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "local-model"
    folder.mkdir()
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "data"),
        "local_model_paths": dict.fromkeys(load_catalog().ids(), str(folder)),
    }


async def _rules(jp_fetch: Any) -> dict[str, Any]:
    code, status = await call(jp_fetch, "GET", "status")
    assert code == 200
    assert_matches("Status", status)
    rules: dict[str, Any] = status["rules"]
    return rules


async def test_inference_parameter_specs(jp_fetch: Any) -> None:
    specs = {spec["name"]: spec for spec in (await _rules(jp_fetch))["inference_parameters"]["parameters"]}
    assert list(specs) == list(PARAMETERS)
    assert specs["temperature"]["warn_above"]["value"] == 2
    assert "gibberish" in specs["temperature"]["warn_above"]["reason"]
    assert specs["temperature"]["sampling_only"] is True
    assert (specs["max_new_tokens"]["default"], specs["max_new_tokens"]["optional"]) == (64, False)
    assert specs["max_new_tokens"]["capped_by_context"] is True
    assert specs["top_p"]["range"] == "a number in (0, 1)"
    # The defaults a form starts from are accepted by the server as they are.
    defaults = {name: spec["default"] for name, spec in specs.items() if spec["default"] is not None}
    code, payload = await call(
        jp_fetch, "POST", "sagemaker-payload", body={"inputs": "Hi", "parameters": defaults}
    )
    assert code == 200, payload
    assert payload["parameters"] == defaults


async def test_name_rule_is_the_one_the_server_applies(jp_fetch: Any) -> None:
    rule = (await _rules(jp_fetch))["resource_name"]
    assert rule["max_length"] == 63
    pattern = re.compile(rule["pattern"])
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    for name in ("bad_name", "-leading", "a" * 64):
        assert not (pattern.match(name) and len(name) <= rule["max_length"])
        code, body = await call(
            jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": name}
        )
        assert (code, body["error"]["code"]) == (400, "InvalidName"), name
        assert rule["message"].rstrip(".").lower()[4:] in body["error"]["message"]


async def test_dataset_uri_and_training_rules(jp_fetch: Any) -> None:
    rules = await _rules(jp_fetch)
    uri = rules["dataset_uri"]
    assert (uri["kind"], uri["local_prefix"]) == ("file", "file://")
    s3 = re.compile(uri["s3_pattern"])
    assert s3.match("s3://my-bucket/datasets/train.jsonl")
    assert not s3.match("s3://My_Bucket/x")
    training = rules["training"]
    code, card = await call(jp_fetch, "GET", "models", MODEL_7B)
    assert code == 200
    assert card["training"]["duration_assumption"] == training["duration_assumption"]
    local = {item["name"]: item for item in training["local_hyperparameters"]["settings"]}
    assert local["learning_rate"]["default"] == pytest.approx(1e-3)
    assert local["max_steps"]["default"] == 20
    assert training["local_hyperparameters"]["other_meaning"] == "no local meaning"


async def test_sagemaker_payload_renders_chat_on_the_server(jp_fetch: Any) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say [/INST] hello"},
    ]
    code, payload = await call(
        jp_fetch,
        "POST",
        "sagemaker-payload",
        body={"messages": messages, "parameters": {"max_new_tokens": 8}},
    )
    assert code == 200, payload
    assert_matches("SageMakerPayload", payload)
    assert payload["inputs"].startswith("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n")
    assert payload["inputs"].endswith(" [/INST]")
    assert "Say [\u200b/INST] hello" in payload["inputs"]  # the marker cannot end the turn
    assert payload["parameters"] == {"max_new_tokens": 8}
    code, completion = await call(jp_fetch, "POST", "sagemaker-payload", body={"inputs": "The sky is"})
    assert (code, completion) == (200, {"inputs": "The sky is", "parameters": {}})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"inputs": "Hi", "parameters": {"temperature": 0}}, "InvalidParameter"),
        ({"inputs": "Hi", "parameters": {"max_new_tokens": 5000}}, "InvalidParameter"),
        ({"messages": [{"role": "assistant", "content": "Hi"}]}, "InvalidMessages"),
        ({"inputs": "Hi", "messages": []}, "InvalidBody"),
    ],
)
async def test_sagemaker_payload_refuses_what_an_invocation_refuses(
    jp_fetch: Any, body: dict[str, Any], code: str
) -> None:
    status, answer = await call(jp_fetch, "POST", "sagemaker-payload", body=body)
    assert status == 400, answer
    assert answer["error"]["code"] == code, json.dumps(answer)
