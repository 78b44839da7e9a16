"""``/models`` through the running Jupyter server: catalog, cards, licence acceptance, JSON errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from .openapi_contract import assert_matches

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("llama-neuron", "api", "v1")
M7 = "meta-textgenerationneuron-llama-2-7b"
M13 = "meta-textgenerationneuron-llama-2-13b"


async def _json(fetch: Fetch, *path: str, **kwargs: Any) -> Any:
    response = await fetch(*API, *path, **kwargs)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def _error(fetch: Fetch, *path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as info:
        await fetch(*API, *path, **kwargs)
    assert info.value.response is not None
    body = json.loads(info.value.response.body)
    assert_matches("Error", body)
    return info.value.code, body["error"]


async def test_list_models(jp_fetch: Fetch) -> None:
    body = await _json(jp_fetch, "models")
    assert_matches("ModelList", body)
    models = body["models"]
    assert [m["id"] for m in models][:2] == [M7, M7 + "-f"]
    assert len(models) == 6
    assert all(m["eula_accepted"] is False and m["allowed"] is True for m in models)
    assert models[0]["price_per_hour"] == 0.99


async def test_model_card(jp_fetch: Fetch) -> None:
    card = await _json(jp_fetch, "models", M13)
    assert_matches("ModelCard", card)
    assert card["id"] == M13
    assert card["eula"] is None
    assert len(card["precompiled_configs"]) == 8
    assert [row["is_default"] for row in card["precompiled_configs"]].count(True) == 1
    assert all(row["allowed"] for row in card["precompiled_configs"])
    assert card["price_label"] == "indicative, on-demand, 2024-12-01"


async def test_unknown_model_is_a_json_404(jp_fetch: Fetch) -> None:
    code, error = await _error(jp_fetch, "models", "meta-textgenerationneuron-llama-3-8b")
    assert code == 404
    assert error["code"] == "ModelNotFound"
    assert "meta-textgenerationneuron-llama-3-8b" in error["message"]
    code, error = await _error(
        jp_fetch, "models", "nope", "eula", method="POST", body=json.dumps({"accept": True})
    )
    assert code == 404


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "InvalidBody"),
        ("{accept: true", "InvalidJSON"),
        ("[true]", "InvalidBody"),
        (json.dumps({"accept": False}), "InvalidBody"),
        (json.dumps({"accept": "true"}), "InvalidBody"),
        (json.dumps({"accept": 1}), "InvalidBody"),
        (json.dumps({"accept": True, "user": "someone-else"}), "InvalidBody"),
        (json.dumps({}), "InvalidBody"),
        ("[" * 100_000 + "]" * 100_000, "InvalidJSON"),  # deeper than the JSON parser's recursion limit
        (b"\xff\xfe{}", "InvalidJSON"),  # not UTF-8
    ],
)
async def test_malformed_eula_bodies_are_400(
    jp_fetch: Fetch, llama_services: Any, raw: str | bytes, code: str
) -> None:
    status, error = await _error(
        jp_fetch, "models", M7, "eula", method="POST", body=raw, allow_nonstandard_methods=True
    )
    assert status == 400
    assert error["code"] == code
    assert error["hint"]
    assert llama_services.eula.record(M7) is None  # nothing was recorded


async def test_accept_eula_then_it_is_recorded(jp_fetch: Fetch, llama_services: Any) -> None:
    record = await _json(jp_fetch, "models", M7, "eula", method="POST", body=json.dumps({"accept": True}))
    assert_matches("EulaRecord", record)
    assert record["model_id"] == M7
    assert record["eula_url"] == "https://ai.meta.com/llama/license/"
    assert record["user"]
    models = {m["id"]: m for m in (await _json(jp_fetch, "models"))["models"]}
    assert models[M7]["eula_accepted"] is True
    assert models[M13]["eula_accepted"] is False
    card = await _json(jp_fetch, "models", M7)
    assert card["eula"] == record
    assert card["eula_accepted"] is True
    stored = json.loads(await asyncio.to_thread(Path(llama_services.eula.path).read_text, encoding="utf-8"))
    assert stored["records"][M7] == record


async def test_accept_eula_for_all_models_under_the_same_licence(
    jp_fetch: Fetch, llama_services: Any
) -> None:
    body = json.dumps({"accept": True, "same_license": True})
    record = await _json(jp_fetch, "models", M7, "eula", method="POST", body=body)
    assert_matches("EulaRecord", record)
    assert record["model_id"] == M7
    models = (await _json(jp_fetch, "models"))["models"]
    assert record["covers"][0] == M7
    assert sorted(record["covers"]) == sorted(m["id"] for m in models)  # every catalog model is Llama 2
    assert all(m["eula_accepted"] is True for m in models)
    # The record file still names each model it covers, with the licence it accepted.
    stored = json.loads(await asyncio.to_thread(Path(llama_services.eula.path).read_text, encoding="utf-8"))
    assert set(stored["records"]) == set(record["covers"])
    for model_id, entry in stored["records"].items():
        assert entry["model_id"] == model_id
        assert entry["eula_url"] == "https://ai.meta.com/llama/license/"
        assert entry["user"] == record["user"]
    card = await _json(jp_fetch, "models", M13)
    assert card["eula"]["model_id"] == M13


async def test_same_license_must_be_a_boolean(jp_fetch: Fetch, llama_services: Any) -> None:
    body = json.dumps({"accept": True, "same_license": "yes"})
    status, error = await _error(jp_fetch, "models", M7, "eula", method="POST", body=body)
    assert (status, error["code"]) == (400, "InvalidBody")
    assert llama_services.eula.record(M13) is None


@pytest.mark.parametrize(
    "llama_neuron_config",
    [
        {
            "backend": "local",
            "allowed_model_ids": [M7],
            "allowed_instance_types": ["ml.inf2.xlarge"],
            "local_model_paths": {M7: "/models/Llama-2-7b-hf"},
        }
    ],
)
async def test_allow_lists_and_local_mapping_show_on_the_cards(jp_fetch: Fetch) -> None:
    models = {m["id"]: m for m in (await _json(jp_fetch, "models"))["models"]}
    assert models[M7]["allowed"] is True
    assert models[M13]["allowed"] is False
    card = await _json(jp_fetch, "models", M7)
    allowed = [row["instance_type"] for row in card["precompiled_configs"] if row["allowed"]]
    assert allowed == ["ml.inf2.xlarge"]
    assert "/models/Llama-2-7b-hf" in card["local_stand_in"]
