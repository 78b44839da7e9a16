"""The packaged catalog: facts match the reference table exactly, and broken data is refused at load."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jupyter_llama_neuron.backends.base import DeploymentConfig
from jupyter_llama_neuron.catalog import (
    CATALOG_PATH,
    Catalog,
    CatalogError,
    load_catalog,
    load_schema,
    validate_catalog,
)
from jupyter_llama_neuron.errors import BadRequest, NotFound

PREFIX = "meta-textgenerationneuron-llama-2-"
IDS = [PREFIX + s for s in ("7b", "7b-f", "13b", "13b-f", "70b", "70b-f")]

# The JumpStart example notebook's tables (reference §2.1), as (instance, n_positions, batch, tp, dtype).
TABLE_7B = [
    ("ml.inf2.xlarge", 1024, 1, 2, "fp16"),
    ("ml.inf2.8xlarge", 2048, 1, 2, "fp16"),
    ("ml.inf2.24xlarge", 4096, 4, 4, "fp16"),
    ("ml.inf2.24xlarge", 4096, 4, 8, "fp16"),
    ("ml.inf2.24xlarge", 4096, 4, 12, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 4, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 8, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 12, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 24, "fp16"),
]
TABLE_13B = [
    ("ml.inf2.8xlarge", 1024, 1, 2, "fp16"),
    ("ml.inf2.24xlarge", 2048, 4, 4, "fp16"),
    ("ml.inf2.24xlarge", 4096, 4, 8, "fp16"),
    ("ml.inf2.24xlarge", 4096, 4, 12, "fp16"),
    ("ml.inf2.48xlarge", 2048, 4, 4, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 8, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 12, "fp16"),
    ("ml.inf2.48xlarge", 4096, 4, 24, "fp16"),
]
NOT_CONFIRMED = "we found no AWS documentation confirming that this model can be fine-tuned"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return loaded


def _model(data: dict[str, Any], suffix: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in data["models"] if m["id"] == PREFIX + suffix)
    return found


def _tuples(configs: list[DeploymentConfig]) -> list[tuple[str, int, int, int, str]]:
    return [
        (c.instance_type, c.n_positions, c.max_rolling_batch_size, c.tensor_parallel_degree, c.dtype)
        for c in configs
    ]


def _problems(data: Any) -> str:
    with pytest.raises(CatalogError) as info:
        validate_catalog(data)
    return "\n".join(info.value.problems)


# --- the facts ----------------------------------------------------------------------------------------------


def test_six_models_in_order(catalog: Catalog) -> None:
    assert catalog.ids() == IDS
    assert [s["id"] for s in catalog.summaries()] == IDS


@pytest.mark.parametrize("suffix", ["7b", "7b-f"])
def test_7b_tuples_are_the_reference_table(catalog: Catalog, suffix: str) -> None:
    assert _tuples(catalog.precompiled(PREFIX + suffix)) == TABLE_7B
    assert catalog.default_config(PREFIX + suffix) == DeploymentConfig("ml.inf2.xlarge", 1024, 1, 2, "fp16")


@pytest.mark.parametrize("suffix", ["13b", "13b-f"])
def test_13b_tuples_are_coupled_exactly(catalog: Catalog, suffix: str) -> None:
    rows = catalog.precompiled(PREFIX + suffix)
    assert _tuples(rows) == TABLE_13B
    for row in rows:
        if row.instance_type in {"ml.inf2.24xlarge", "ml.inf2.48xlarge"}:
            expected = 2048 if row.tensor_parallel_degree == 4 else 4096
            assert row.n_positions == expected
    assert catalog.default_config(PREFIX + suffix) == DeploymentConfig("ml.inf2.8xlarge", 1024, 1, 2, "fp16")
    assert "ml.inf2.xlarge" not in catalog.model(PREFIX + suffix)["instance_types"]


@pytest.mark.parametrize("suffix", ["70b", "70b-f"])
def test_70b_is_honest_about_its_single_unconfirmed_row(catalog: Catalog, suffix: str) -> None:
    model_id = PREFIX + suffix
    card = catalog.card(model_id)
    assert [row["instance_type"] for row in card["precompiled_configs"]] == ["ml.inf2.48xlarge"]
    row = card["precompiled_configs"][0]
    assert row["confirmed"] is False
    assert row["is_default"] is True
    assert "not confirmed" in card["config_note"]
    assert "JumpStart's default" in card["config_note"]
    assert catalog.is_confirmed(model_id, catalog.default_config(model_id)) is False
    assert card["instance_types"][0]["instance_type"] == "ml.inf2.48xlarge"


def test_every_7b_and_13b_row_is_confirmed(catalog: Catalog) -> None:
    for suffix in ("7b", "7b-f", "13b", "13b-f"):
        model_id = PREFIX + suffix
        assert all(catalog.is_confirmed(model_id, c) for c in catalog.precompiled(model_id))
    assert (
        catalog.is_confirmed(PREFIX + "7b", DeploymentConfig("ml.inf2.xlarge", 4096, 1, 2, "fp16")) is False
    )


def test_fine_tuning_only_for_7b_and_13b_base(catalog: Catalog) -> None:
    tunable = {s["id"] for s in catalog.summaries() if s["fine_tunable"]}
    assert tunable == {PREFIX + "7b", PREFIX + "13b"}
    for suffix in ("7b-f", "13b-f", "70b", "70b-f"):
        training = catalog.card(PREFIX + suffix)["training"]
        assert training["supported"] is False
        assert NOT_CONFIRMED in training["note"]
        assert training["instance_types"] == []
        assert training["hyperparameters"] == []
    training = catalog.card(PREFIX + "7b")["training"]
    assert training["default_instance_type"] == "ml.trn1.32xlarge"
    assert [t["instance_type"] for t in training["instance_types"]] == [
        "ml.trn1.32xlarge",
        "ml.trn1n.32xlarge",
    ]


def test_hyperparameters_follow_the_spec(catalog: Catalog) -> None:
    hps = {hp["name"]: hp for hp in catalog.hyperparameters(PREFIX + "7b")}
    assert len(hps) == 18
    assert hps["max_input_length"] | {"description": ""} == {
        "name": "max_input_length",
        "type": "int",
        "default": 2048,
        "min": 128,
        "max": 4096,
        "options": None,
        "description": "",
    }
    assert hps["learning_rate"]["default"] == 6e-06
    assert (hps["learning_rate"]["min"], hps["learning_rate"]["max"]) == (1e-08, 1)
    assert hps["max_steps"]["default"] == 20
    assert hps["max_steps"]["min"] == 2
    assert hps["tensor_parallel_degree"]["options"] == ["8"]
    assert hps["pipeline_parallel_degree"]["default"] == "1"
    assert "layer_norm_epilson" in hps  # the spec's own spelling
    assert all(hp["description"] for hp in hps.values())
    # The notebook runs 13B with pipeline parallelism 4.
    hps13 = {hp["name"]: hp for hp in catalog.hyperparameters(PREFIX + "13b")}
    assert hps13["pipeline_parallel_degree"]["default"] == "4"
    assert hps13["pipeline_parallel_degree"]["options"] == ["4"]


def test_prices_instances_and_gpu_comparison(catalog: Catalog) -> None:
    assert catalog.price_label() == "indicative, on-demand, 2024-12-01"
    assert catalog.price_per_hour("ml.inf2.xlarge") == 0.99
    assert catalog.price_per_hour("ml.inf2.48xlarge") == 15.58
    assert catalog.price_per_hour("ml.trn1n.32xlarge") is None
    assert "No SageMaker price" in catalog.price_note("ml.trn1n.32xlarge")
    assert catalog.price_per_hour("ml.m5.large") is None
    card = catalog.card(PREFIX + "13b")
    cores = {row["instance_type"]: row["neuron_cores"] for row in card["instance_types"]}
    assert cores == {"ml.inf2.8xlarge": 2, "ml.inf2.24xlarge": 12, "ml.inf2.48xlarge": 24}
    gpu = {row["instance_type"] for s in catalog.ids() for row in catalog.card(s)["gpu_comparison"]}
    assert gpu == {"ml.g5.2xlarge", "ml.g5.12xlarge", "ml.g5.48xlarge", "ml.p4d.24xlarge"}
    assert all(row["price_per_hour"] for s in catalog.ids() for row in catalog.card(s)["gpu_comparison"])


def test_licence_search_keywords_and_prompts(catalog: Catalog) -> None:
    for summary in catalog.summaries():
        card = catalog.card(summary["id"])
        assert card["gated"] is True
        assert card["license"] == "Llama 2 Community License"
        assert card["eula_url"] == "https://ai.meta.com/llama/license/"
        assert card["aup_url"] == "https://ai.meta.com/llama/use-policy/"
        assert card["version"] == "1.*"
        assert {"llama", "llama 2", "neuron", "inferentia"} <= set(summary["keywords"])
        assert summary["params"].lower() in summary["keywords"]
        assert ("chat" in summary["keywords"]) is summary["chat"]
        assert card["local_stand_in"]
        assert len(summary["description"]) > 80
    base = [p["inputs"] for p in catalog.card(PREFIX + "7b")["example_prompts"]]
    assert "I believe the meaning of life is" in base
    chat = [p["inputs"] for p in catalog.card(PREFIX + "7b-f")["example_prompts"]]
    assert not set(base) & set(chat)
    assert any(text.endswith("?") for text in chat)


def test_card_is_a_copy(catalog: Catalog) -> None:
    card = catalog.card(PREFIX + "7b")
    card["precompiled_configs"].clear()
    card["keywords"].append("tampered")
    catalog.model(PREFIX + "7b")["instance_types"].clear()
    assert len(catalog.card(PREFIX + "7b")["precompiled_configs"]) == 9
    assert "tampered" not in catalog.card(PREFIX + "7b")["keywords"]
    assert len(catalog.model(PREFIX + "7b")["instance_types"]) == 4


def test_unknown_model_is_not_found(catalog: Catalog) -> None:
    with pytest.raises(NotFound) as info:
        catalog.card("llama-3")
    assert info.value.status == 404
    assert PREFIX + "7b" in info.value.hint


# --- find_config --------------------------------------------------------------------------------------------


def _config(instance: Any, n: Any, batch: Any, tp: Any, dtype: Any = "fp16") -> dict[str, Any]:
    return {
        "instance_type": instance,
        "n_positions": n,
        "max_rolling_batch_size": batch,
        "tensor_parallel_degree": tp,
        "dtype": dtype,
    }


def test_find_config_accepts_each_row(catalog: Catalog) -> None:
    for model_id in catalog.ids():
        for row in catalog.precompiled(model_id):
            assert catalog.find_config(model_id, row.to_json()) == row


def test_find_config_names_the_allowed_tuples_for_that_instance(catalog: Catalog) -> None:
    with pytest.raises(BadRequest) as info:
        catalog.find_config(PREFIX + "13b", _config("ml.inf2.24xlarge", 2048, 4, 8))
    err = info.value
    assert err.code == "ConfigNotPrecompiled"
    assert "ml.inf2.24xlarge" in err.message
    for tp, n in ((4, 2048), (8, 4096), (12, 4096)):
        assert (
            f"n_positions={n}, max_rolling_batch_size=4, tensor_parallel_degree={tp}, dtype=fp16"
            in err.message
        )
    assert "tensor_parallel_degree=24" not in err.message  # 48xlarge-only row is not listed
    assert err.details["allowed"] == [
        _config("ml.inf2.24xlarge", 2048, 4, 4),
        _config("ml.inf2.24xlarge", 4096, 4, 8),
        _config("ml.inf2.24xlarge", 4096, 4, 12),
    ]


def test_find_config_names_the_allowed_instances(catalog: Catalog) -> None:
    with pytest.raises(BadRequest) as info:
        catalog.find_config(PREFIX + "13b", _config("ml.inf2.xlarge", 1024, 1, 2))
    assert info.value.code == "InstanceTypeNotOffered"
    assert "ml.inf2.8xlarge, ml.inf2.24xlarge, ml.inf2.48xlarge" in info.value.message
    with pytest.raises(BadRequest, match=r"Allowed instance types: ml\.inf2\.48xlarge"):
        catalog.find_config(PREFIX + "70b", _config("ml.g5.48xlarge", 4096, 4, 24))


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("ml.inf2.xlarge", "config must be an object"),
        ([1, 2], "config must be an object"),
        ({**_config("ml.inf2.xlarge", 1024, 1, 2), "quantize": "int8"}, "Unknown config field(s): quantize"),
        ({"instance_type": "ml.inf2.xlarge"}, "missing n_positions, max_rolling_batch_size"),
        (_config("ml.inf2.xlarge", "1024", 1, 2), "wrong type for n_positions"),
        (_config("ml.inf2.xlarge", 1024, True, 2), "wrong type for max_rolling_batch_size"),
        (_config("ml.inf2.xlarge", 1024, 1, 2, 16), "wrong type for dtype"),
        (_config("ml.inf2.xlarge", 1024, 1, 2, "bf16"), "no precompiled Neuron configuration"),
        (_config(None, 1024, 1, 2), "cannot be deployed on None"),
    ],
)
def test_find_config_rejects_bad_shapes(catalog: Catalog, config: Any, fragment: str) -> None:
    with pytest.raises(BadRequest) as info:
        catalog.find_config(PREFIX + "7b", config)
    assert fragment in info.value.message
    assert info.value.status == 400


# --- schema and semantic validation -------------------------------------------------------------------------


def test_schema_is_strict() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    objects: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                objects.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert len(objects) >= 10
    for node in objects:
        assert node.get("additionalProperties") is False, node
        assert set(node["required"]) == set(node["properties"]), node


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: _model(d, "7b").update(quantization="int8"), "Additional properties"),
        (lambda d: _model(d, "7b").pop("description"), "'description' is a required property"),
        (lambda d: _model(d, "7b")["precompiled_configs"][0].update(n_positions="1024"), "is not of type"),
        (lambda d: _model(d, "7b")["precompiled_configs"][0].update(dtype="int4"), "is not one of"),
        (lambda d: _model(d, "7b").update(id="meta-textgeneration-llama-2-7b"), "does not match"),
        (lambda d: d["prices"]["items"]["ml.inf2.xlarge"].pop("note"), "'note' is a required property"),
        (lambda d: d["training_hyperparameters"][0].update(type="integer"), "is not one of"),
        (lambda d: d.update(extra=True), "Additional properties"),
    ],
)
def test_schema_violations_are_refused(
    data: dict[str, Any], mutate: Callable[[dict[str, Any]], Any], fragment: str
) -> None:
    mutate(data)
    assert fragment in _problems(data)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        # TP 4 does not fit the 2 NeuronCores of an ml.inf2.xlarge.
        (
            lambda d: _model(d, "7b")["precompiled_configs"][0].update(tensor_parallel_degree=4),
            "needs 4 NeuronCores but ml.inf2.xlarge has 2",
        ),
        (
            lambda d: _model(d, "13b")["precompiled_configs"].append(
                {**_model(d, "13b")["precompiled_configs"][0], "instance_type": "ml.inf2.xlarge"}
            ),
            "uses an instance outside instance_types",
        ),
        (
            lambda d: _model(d, "7b")["default_config"].update(n_positions=2048),
            "is not one of its precompiled configurations",
        ),
        (
            lambda d: _model(d, "7b").update(default_instance_type="ml.inf2.8xlarge"),
            "default_config is not on default_instance_type",
        ),
        (lambda d: d["prices"]["items"].pop("ml.inf2.24xlarge"), "ml.inf2.24xlarge has no price entry"),
        (lambda d: d["prices"]["items"].pop("ml.g5.2xlarge"), "ml.g5.2xlarge has no price entry"),
        (lambda d: d["prices"]["items"]["ml.inf2.xlarge"].update(price_per_hour=None), "null without a note"),
        (
            lambda d: _model(d, "7b")["training"].update(instance_types=[], default_instance_type=None),
            "no training instance types",
        ),
        (
            lambda d: _model(d, "70b")["training"].update(instance_types=["ml.trn1.32xlarge"]),
            "must list no training instances",
        ),
        (lambda d: d["training_hyperparameters"][0].update(default=64), "default 64 is below min 128"),
        (
            lambda d: _model(d, "13b")["training"]["hyperparameter_overrides"][0].update(default="2"),
            "is not one of its options",
        ),
        (
            lambda d: _model(d, "7b")["example_prompts"][0]["parameters"].update(top_p=1.5),
            "Parameter top_p must be",
        ),
        (
            lambda d: _model(d, "7b")["example_prompts"][0]["parameters"].update(max_new_tokens=4096),
            "max_new_tokens must be an integer in [1, 1024]",
        ),
        (
            lambda d: _model(d, "7b")["instance_types"].append("ml.inf2.96xlarge"),
            "ml.inf2.96xlarge is not a known inference instance",
        ),
        (lambda d: _model(d, "7b").update(chat=True), "'chat' must be true exactly for the -f ids"),
        (lambda d: d["models"].append(copy.deepcopy(_model(d, "7b"))), "duplicate id"),
        (lambda d: _model(d, "7b")["gpu_comparison"].append("ml.g6.xlarge"), "not in gpu_instances"),
    ],
)
def test_semantic_rules_are_enforced(
    data: dict[str, Any], mutate: Callable[[dict[str, Any]], Any], fragment: str
) -> None:
    validate_catalog(copy.deepcopy(data))  # the untouched data passes
    mutate(data)
    assert fragment in _problems(data)


def test_load_catalog_reports_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"catalog\.json"):
        load_catalog(broken)
    with pytest.raises(CatalogError):
        load_catalog(tmp_path / "missing.json")
