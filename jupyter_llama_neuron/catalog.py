"""The model catalog: packaged data checked against a strict JSON Schema and semantic rules at load.

The catalog is the single source of the facts the UI and the services rely on: which Llama 2 Neuron models
exist, which precompiled Neuron configurations each can be deployed with, training hyperparameters and their
ranges, instance facts and indicative prices. Anything not confirmed by a source says so in the data itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema

from .backends.base import DeploymentConfig
from .errors import ApiError, BadRequest, NotFound
from .inference_parameters import validate_parameters

DATA_DIR = Path(__file__).parent / "data"
CATALOG_PATH = DATA_DIR / "catalog.json"
SCHEMA_PATH = DATA_DIR / "catalog.schema.json"

CONFIG_FIELDS: tuple[str, ...] = (
    "instance_type",
    "n_positions",
    "max_rolling_batch_size",
    "tensor_parallel_degree",
    "dtype",
)
_INT_FIELDS = ("n_positions", "max_rolling_batch_size", "tensor_parallel_degree")
MODEL_ID_PREFIX = "meta-textgenerationneuron-"


class CatalogError(ValueError):
    """The packaged catalog is invalid: a packaging bug, not user input. It stops the extension loading."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid model catalog:\n- " + "\n- ".join(problems))
        self.problems = problems


def config_from_row(row: dict[str, Any]) -> DeploymentConfig:
    return DeploymentConfig(
        instance_type=row["instance_type"],
        n_positions=row["n_positions"],
        max_rolling_batch_size=row["max_rolling_batch_size"],
        tensor_parallel_degree=row["tensor_parallel_degree"],
        dtype=row["dtype"],
    )


def describe_config(config: DeploymentConfig) -> str:
    """Human-readable tuple used in error messages, e.g. ``(n_positions=1024, ..., dtype=fp16)``."""
    return (
        f"(n_positions={config.n_positions}, max_rolling_batch_size={config.max_rolling_batch_size}, "
        f"tensor_parallel_degree={config.tensor_parallel_degree}, dtype={config.dtype})"
    )


def short_model_name(model_id: str) -> str:
    """``meta-textgenerationneuron-llama-2-7b-f`` -> ``llama-2-7b-f`` (used for default resource names)."""
    return model_id.removeprefix(MODEL_ID_PREFIX)


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_catalog(data: Any, schema: dict[str, Any] | None = None) -> None:
    """Raise ``CatalogError`` listing every schema violation, then every broken semantic rule."""
    validator = jsonschema.Draft202012Validator(schema if schema is not None else load_schema())
    schema_problems = [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if schema_problems:
        # Semantic checks assume the shape is right; running them on broken data would only add noise.
        raise CatalogError(schema_problems)
    problems = _semantic_problems(data)
    if problems:
        raise CatalogError(problems)


def _semantic_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    instances: dict[str, dict[str, Any]] = data["instances"]
    prices: dict[str, Any] = data["prices"]["items"]
    gpu: dict[str, str] = data["gpu_instances"]
    hyperparameters = {hp["name"]: hp for hp in data["training_hyperparameters"]}

    for name in [*instances, *gpu]:
        if name not in prices:
            problems.append(
                f"instance {name} has no price entry (give a price or an explicit null with a note)"
            )
    for name, price in prices.items():
        if price["price_per_hour"] is None and not price["note"].strip():
            problems.append(f"price of {name} is null without a note saying why")
        if name not in instances and name not in gpu:
            problems.append(f"price entry {name} is not a known instance")

    if len(hyperparameters) != len(data["training_hyperparameters"]):
        problems.append("training_hyperparameters has duplicate names")
    for hp in data["training_hyperparameters"]:
        problems.extend(
            _hyperparameter_problems(hp, hp["default"], hp["options"], f"hyperparameter {hp['name']}")
        )

    seen_ids: set[str] = set()
    for model in data["models"]:
        mid = model["id"]
        where = f"model {mid}"
        if mid in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(mid)
        if model["chat"] != mid.endswith("-f"):
            problems.append(f"{where}: 'chat' must be true exactly for the -f ids")

        for name in model["instance_types"]:
            facts = instances.get(name)
            if facts is None or facts["kind"] != "inference":
                problems.append(f"{where}: {name} is not a known inference instance")
        if model["default_instance_type"] not in model["instance_types"]:
            problems.append(f"{where}: default_instance_type is not in instance_types")

        rows = [config_from_row(row) for row in model["precompiled_configs"]]
        if len(set(rows)) != len(rows):
            problems.append(f"{where}: duplicate precompiled configurations")
        for row, config in zip(model["precompiled_configs"], rows, strict=True):
            if config.instance_type not in model["instance_types"]:
                problems.append(
                    f"{where}: precompiled {config.to_tag()} uses an instance outside instance_types"
                )
                continue
            cores = instances.get(config.instance_type, {}).get("neuron_cores", 0)
            if config.tensor_parallel_degree > cores:
                problems.append(
                    f"{where}: {config.to_tag()} needs {config.tensor_parallel_degree} NeuronCores but "
                    f"{config.instance_type} has {cores}"
                )
            if config.n_positions > model["context_window"]:
                problems.append(
                    f"{where}: {config.to_tag()} exceeds the context window {model['context_window']}"
                )
            if not row["confirmed"] and len(model["config_note"]) < 40:
                problems.append(f"{where}: an unconfirmed configuration needs a config_note explaining it")
        for name in model["instance_types"]:
            if not any(config.instance_type == name for config in rows):
                problems.append(f"{where}: {name} is offered but has no precompiled configuration")

        default = config_from_row(model["default_config"])
        if default not in rows:
            problems.append(
                f"{where}: default_config {default.to_tag()} is not one of its precompiled configurations"
            )
        if default.instance_type != model["default_instance_type"]:
            problems.append(f"{where}: default_config is not on default_instance_type")

        training = model["training"]
        if training["supported"]:
            if not training["instance_types"]:
                problems.append(f"{where}: fine-tuning is supported but no training instance types are given")
            if training["default_instance_type"] not in training["instance_types"]:
                problems.append(f"{where}: training default_instance_type is not in its instance_types")
        elif (
            training["instance_types"]
            or training["default_instance_type"]
            or training["hyperparameter_overrides"]
        ):
            problems.append(
                f"{where}: fine-tuning is not supported, so it must list no training instances or overrides"
            )
        for name in training["instance_types"]:
            facts = instances.get(name)
            if facts is None or facts["kind"] != "training":
                problems.append(f"{where}: {name} is not a known training instance")
        for override in training["hyperparameter_overrides"]:
            base = hyperparameters.get(override["name"])
            if base is None:
                problems.append(f"{where}: override of unknown hyperparameter {override['name']}")
                continue
            problems.extend(
                _hyperparameter_problems(
                    base, override["default"], override["options"], f"{where}: override {override['name']}"
                )
            )

        for name in model["gpu_comparison"]:
            if name not in gpu:
                problems.append(f"{where}: GPU comparison {name} is not in gpu_instances")

        for prompt in model["example_prompts"]:
            try:
                validate_parameters(prompt["parameters"], context_length=default.n_positions)
            except ApiError as err:
                problems.append(f"{where}: example prompt {prompt['title']!r}: {err.message}")
    return problems


def _hyperparameter_problems(
    hp: dict[str, Any], default: Any, options: list[str] | None, where: str
) -> list[str]:
    problems: list[str] = []
    kind = hp["type"]
    if kind == "int" and (not isinstance(default, int) or isinstance(default, bool)):
        problems.append(f"{where}: default must be an integer")
    elif kind == "float" and not isinstance(default, (int, float)):
        problems.append(f"{where}: default must be a number")
    elif kind == "text" and not isinstance(default, str):
        problems.append(f"{where}: default must be a string")
    if kind == "text" and (hp["min"] is not None or hp["max"] is not None):
        problems.append(f"{where}: a text hyperparameter has no min/max")
    if isinstance(default, (int, float)):
        if hp["min"] is not None and default < hp["min"]:
            problems.append(f"{where}: default {default} is below min {hp['min']}")
        if hp["max"] is not None and default > hp["max"]:
            problems.append(f"{where}: default {default} is above max {hp['max']}")
    if options is not None and default not in options:
        problems.append(f"{where}: default {default!r} is not one of its options {options}")
    return problems


class Catalog:
    """Read-only view over validated catalog data. Methods return copies so callers cannot alter it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._models: dict[str, dict[str, Any]] = {m["id"]: m for m in data["models"]}
        self._hyperparameters: list[dict[str, Any]] = data["training_hyperparameters"]

    # --- lookups --------------------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return list(self._models)

    def model(self, model_id: str) -> dict[str, Any]:
        entry = self._models.get(model_id)
        if entry is None:
            raise NotFound(
                f"Unknown model id {model_id!r}.",
                hint="Known models: " + ", ".join(self._models),
                code="ModelNotFound",
            )
        return copy.deepcopy(entry)

    def display_name(self, model_id: str) -> str:
        entry = self._models.get(model_id)
        return str(entry["display_name"]) if entry else model_id

    def model_version(self, model_id: str) -> str:
        return str(self.model(model_id)["model_version"])

    def precompiled(self, model_id: str) -> list[DeploymentConfig]:
        return [config_from_row(row) for row in self.model(model_id)["precompiled_configs"]]

    def default_config(self, model_id: str) -> DeploymentConfig:
        return config_from_row(self.model(model_id)["default_config"])

    def is_confirmed(self, model_id: str, config: DeploymentConfig) -> bool:
        """False for a row that is JumpStart's default but not confirmed as precompiled (70B). Backends should
        then leave the OPTION_* settings to JumpStart instead of forcing these values."""
        for row in self.model(model_id)["precompiled_configs"]:
            if config_from_row(row) == config:
                return bool(row["confirmed"])
        return False

    def instance(self, instance_type: str) -> dict[str, Any] | None:
        facts = self._data["instances"].get(instance_type)
        return copy.deepcopy(facts) if facts is not None else None

    def typical_minutes(self, instance_type: str, *, local: bool = False) -> int | None:
        if local:
            return int(self._data["local_typical_minutes"])
        facts = self._data["instances"].get(instance_type)
        minutes = facts.get("typical_minutes") if facts else None
        return int(minutes) if minutes is not None else None

    def typical_minutes_note(self) -> str:
        return str(self._data["typical_minutes_note"])

    def local_stand_in(self) -> str:
        return str(self._data["local_stand_in"])

    def hyperparameters(self, model_id: str) -> list[dict[str, Any]]:
        """The training hyperparameters with this model's overrides (empty when it is not fine-tunable)."""
        training = self.model(model_id)["training"]
        if not training["supported"]:
            return []
        overrides = {o["name"]: o for o in training["hyperparameter_overrides"]}
        result = []
        for hp in self._hyperparameters:
            item = dict(hp)
            override = overrides.get(hp["name"])
            if override is not None:
                item["default"] = override["default"]
                item["options"] = override["options"]
                item["description"] = f"{hp['description']} {override['note']}"
            result.append(item)
        return copy.deepcopy(result)

    # --- prices ---------------------------------------------------------------------------------------------

    def price_per_hour(self, instance_type: str) -> float | None:
        item = self._data["prices"]["items"].get(instance_type)
        if item is None or item["price_per_hour"] is None:
            return None
        return float(item["price_per_hour"])

    def price_note(self, instance_type: str) -> str:
        item = self._data["prices"]["items"].get(instance_type)
        return str(item["note"]) if item else ""

    def price_label(self) -> str:
        prices = self._data["prices"]
        return f"{prices['basis']}, {prices['date']}"

    def price_source(self) -> str:
        return str(self._data["prices"]["source"])

    # --- validation of user choices -------------------------------------------------------------------------

    def find_config(self, model_id: str, config: Any) -> DeploymentConfig:
        """The precompiled configuration equal to ``config``; else ``BadRequest`` naming what is allowed."""
        model = self.model(model_id)
        rows = [config_from_row(row) for row in model["precompiled_configs"]]
        field_list = ", ".join(CONFIG_FIELDS)
        if not isinstance(config, dict):
            raise BadRequest(
                "config must be an object with " + field_list + ".",
                hint="Omit config to use the model's default precompiled configuration.",
                code="InvalidConfig",
            )
        unknown = sorted(set(config) - set(CONFIG_FIELDS))
        if unknown:
            raise BadRequest(
                f"Unknown config field(s): {', '.join(unknown)}. A config has exactly: {field_list}.",
                code="InvalidConfig",
            )
        instance_type = config.get("instance_type")
        if not isinstance(instance_type, str) or instance_type not in model["instance_types"]:
            shown = instance_type if isinstance(instance_type, str) else repr(instance_type)
            raise BadRequest(
                f"{model['display_name']} cannot be deployed on {shown}. "
                f"Allowed instance types: {', '.join(model['instance_types'])}.",
                hint="Choose one of the allowed instance types; each has precompiled Neuron configurations.",
                code="InstanceTypeNotOffered",
                details={"allowed_instance_types": list(model["instance_types"])},
            )
        allowed = [row for row in rows if row.instance_type == instance_type]
        allowed_text = "; ".join(describe_config(row) for row in allowed)
        missing = [name for name in CONFIG_FIELDS if name not in config]
        bad_types = [name for name in _INT_FIELDS if name in config and not _is_int(config[name])]
        if "dtype" in config and not isinstance(config["dtype"], str):
            bad_types.append("dtype")
        if missing or bad_types:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if bad_types:
                parts.append(
                    f"wrong type for {', '.join(bad_types)} "
                    "(integers for the three sizes, a string for dtype)"
                )
            raise BadRequest(
                f"Incomplete config: {'; '.join(parts)}. Allowed on {instance_type}: {allowed_text}.",
                code="InvalidConfig",
                details={"allowed": [row.to_json() for row in allowed]},
            )
        wanted = DeploymentConfig(
            instance_type=instance_type,
            n_positions=config["n_positions"],
            max_rolling_batch_size=config["max_rolling_batch_size"],
            tensor_parallel_degree=config["tensor_parallel_degree"],
            dtype=config["dtype"],
        )
        if wanted not in rows:
            raise BadRequest(
                f"{model['display_name']} has no precompiled Neuron configuration {describe_config(wanted)} "
                f"on {instance_type}. Allowed on {instance_type}: {allowed_text}.",
                hint="Pick one of the allowed tuples: any other combination would make the endpoint compile "
                "the model for Neuron at start-up, which can take hours or fail.",
                code="ConfigNotPrecompiled",
                details={"allowed": [row.to_json() for row in allowed]},
            )
        return wanted

    # --- views ----------------------------------------------------------------------------------------------

    def summaries(self) -> list[dict[str, Any]]:
        return [self._summary(model) for model in self._data["models"]]

    def _summary(self, model: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": model["id"],
            "display_name": model["display_name"],
            "params": model["params"],
            "size_b": model["size_b"],
            "chat": model["chat"],
            "gated": model["gated"],
            "fine_tunable": model["training"]["supported"],
            "default_instance_type": model["default_instance_type"],
            "price_per_hour": self.price_per_hour(model["default_instance_type"]),
            "description": model["description"],
            "keywords": list(model["keywords"]),
        }

    def card(self, model_id: str) -> dict[str, Any]:
        model = self.model(model_id)
        default = config_from_row(model["default_config"])
        training = model["training"]
        instances = self._data["instances"]
        card = self._summary(model)
        card.update(
            {
                "version": model["model_version"],
                "license": model["license"],
                "eula_url": model["eula_url"],
                "aup_url": model["aup_url"],
                "context_window": model["context_window"],
                "precompiled_configs": [
                    {
                        **config_from_row(row).to_json(),
                        "price_per_hour": self.price_per_hour(row["instance_type"]),
                        "is_default": config_from_row(row) == default,
                        "confirmed": row["confirmed"],
                    }
                    for row in model["precompiled_configs"]
                ],
                "config_note": model["config_note"],
                "instance_types": [
                    {
                        "instance_type": name,
                        "price_per_hour": self.price_per_hour(name),
                        "neuron_cores": instances[name]["neuron_cores"],
                        "vcpus": instances[name]["vcpus"],
                        "memory_gib": instances[name]["memory_gib"],
                        "accelerator_memory_gib": instances[name]["accelerator_memory_gib"],
                        "typical_minutes": instances[name]["typical_minutes"],
                    }
                    for name in model["instance_types"]
                ],
                "typical_minutes_note": self.typical_minutes_note(),
                "gpu_comparison": [
                    {
                        "instance_type": name,
                        "price_per_hour": self.price_per_hour(name),
                        "note": self._data["gpu_instances"][name],
                    }
                    for name in model["gpu_comparison"]
                ],
                "training": {
                    "supported": training["supported"],
                    "note": training["note"],
                    "default_instance_type": training["default_instance_type"],
                    "instance_types": [
                        {
                            "instance_type": name,
                            "price_per_hour": self.price_per_hour(name),
                            "price_note": self.price_note(name),
                        }
                        for name in training["instance_types"]
                    ],
                    "hyperparameters": self.hyperparameters(model_id),
                },
                "example_prompts": copy.deepcopy(model["example_prompts"]),
                "price_label": self.price_label(),
                "price_source": self.price_source(),
                "local_stand_in": self.local_stand_in(),
                "sources": list(model["sources"]),
            }
        )
        return card


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate the packaged catalog (or ``path``); ``CatalogError`` if it breaks any rule."""
    source = path or CATALOG_PATH
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CatalogError([f"{source}: {err}"]) from err
    validate_catalog(data)
    return Catalog(data)
