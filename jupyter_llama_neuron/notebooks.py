"""Example notebooks: ``POST /notebooks`` writes an ``.ipynb`` with the code for exactly the chosen step.

Everything is validated before a file is written: the step, the model (known, allowed), the configuration
(a precompiled tuple, ``catalog.find_config``), invocation parameters (``inference_parameters``), training
hyperparameters and instance (``training_service.check_hyperparameter``), names and prompts. The notebook goes
into the Jupyter server's root directory under a readable name that never overwrites a file
(``llama-2-7b-deploy.ipynb``, ``llama-2-7b-deploy-1.ipynb``, ...); the answer is its path relative to the
root, ready for JupyterLab's ``docmanager:open``.

Flavour: the active backend's (``sagemaker`` → SageMaker Python SDK code; ``local`` → the extension's client
driving the local backend), unless the body names one. SageMaker notebooks target ``sdk`` ("v2" or "v3"), by
default the SDK major installed with this server.
"""

from __future__ import annotations

import asyncio
import errno
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import nbformat
from nbformat.notebooknode import NotebookNode

from .allow_lists import allowed_model, require_allowed_instance_type
from .backend_selection import BackendProvider
from .backends.aws_detection import resolve_region
from .backends.base import DeploymentConfig, tag_value
from .catalog import Catalog, short_model_name
from .errors import ApiError, BadRequest, ServiceUnavailable
from .inference_parameters import validate_parameters
from .notebook_cells import (
    FLAVOURS,
    METADATA_KEY,
    SDKS,
    STEPS,
    EndpointRef,
    Flavour,
    NotebookPlan,
    Sdk,
    Step,
)
from .notebook_local import local_notebook
from .notebook_sagemaker import sagemaker_notebook
from .resource_rules import S3_URI_RE as S3_URI_PATTERN
from .resource_rules import check_resource_name
from .sagemaker_sdk import notebook_sdk
from .settings import ExtensionSettings
from .training_service import DATASET_FORMATS, check_hyperparameter, check_job_name

FIELDS = (
    "step",
    "flavour",
    "sdk",
    "model_id",
    "config",
    "endpoint_name",
    "training_job",
    "parameters",
    "prompts",
    "endpoints",
    "dataset_uri",
    "dataset_format",
    "hyperparameters",
    "instance_type",
)
MAX_PROMPTS = 20
MAX_PROMPT_CHARS = 20_000
MAX_NAME_ATTEMPTS = 1000
_WRITES: Any = nbformat.writes  # untyped
_V4: Any = nbformat.v4  # untyped
STEM_SUFFIX = {
    "deploy": "deploy",
    "invoke": "invoke",
    "train": "fine-tune",
    "compare": "compare",
    "cleanup": "cleanup",
}


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name} must be a non-empty string.", code="InvalidBody")
    return value.strip()


def _require(value: str | None, name: str, step: str, what: str) -> str:
    if value is None:
        raise BadRequest(f"A {step} notebook needs {name}: {what}.", code="InvalidBody")
    return value


def validate_prompts(raw: Any) -> tuple[str, ...] | None:
    """A clean tuple of prompts, None when absent, else ``BadRequest``."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise BadRequest("prompts must be a non-empty list of strings.", code="InvalidPrompts")
    if len(raw) > MAX_PROMPTS:
        raise BadRequest(
            f"prompts has {len(raw)} entries; a notebook takes at most {MAX_PROMPTS}.",
            hint="Keep a few representative prompts; the notebook's PROMPTS list can be edited later.",
            code="InvalidPrompts",
        )
    for index, prompt in enumerate(raw):
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest(f"prompts[{index}] must be a non-empty string.", code="InvalidPrompts")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise BadRequest(
                f"prompts[{index}] has {len(prompt)} characters; at most {MAX_PROMPT_CHARS} are accepted.",
                code="InvalidPrompts",
            )
    return tuple(raw)


def build_notebook(plan: NotebookPlan) -> NotebookNode:
    """The notebook (nbformat v4) for ``plan``."""
    cells = sagemaker_notebook(plan) if plan.flavour == "sagemaker" else local_notebook(plan)
    notebook: NotebookNode = _V4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {
        "step": plan.step,
        "flavour": plan.flavour,
        "model_id": plan.model_id,
        "generated_at": plan.generated_at,
    }
    return notebook


class NotebookService:
    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: Catalog,
        root_dir: Path,
        backends: BackendProvider | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.root_dir = Path(root_dir)
        self.backends = backends

    # --- the REST operation ---------------------------------------------------------------------------------

    async def create(self, body: Any, user: str = "unknown") -> dict[str, str]:
        """``POST /notebooks``: validate, write the notebook, return ``{"path"}`` relative to the root."""
        plan = await self.plan(body, user)
        path = await asyncio.to_thread(self.write, plan)
        return {"path": path}

    async def _flavour(self, requested: Any) -> Flavour:
        if requested is not None:
            if requested not in FLAVOURS:
                raise BadRequest(
                    f"flavour must be one of {', '.join(FLAVOURS)}; got {str(requested)[:40]!r}.",
                    hint="Omit it to get the notebook for the active backend.",
                    code="InvalidBody",
                )
            return cast(Flavour, requested)
        if self.backends is not None:
            backend = await self.backends.get()
            return backend.name
        return "local" if self.settings.backend == "local" else "sagemaker"

    @staticmethod
    def _sdk(requested: Any) -> Sdk:
        """The SageMaker flavour's SDK major: as asked, else the one in this server's environment."""
        if requested is None:
            return notebook_sdk()
        if requested not in SDKS:
            raise BadRequest(
                f"sdk must be one of {', '.join(SDKS)}; got {str(requested)[:40]!r}.",
                hint="Omit it to get code for the SageMaker Python SDK installed with this server.",
                code="InvalidBody",
            )
        return cast(Sdk, requested)

    # --- validation -----------------------------------------------------------------------------------------

    def _model(self, model_id: str) -> dict[str, Any]:
        return allowed_model(self.catalog, self.settings, model_id)

    def _config(self, model_id: str, raw: Any) -> DeploymentConfig:
        catalog = self.catalog
        config = catalog.default_config(model_id) if raw is None else catalog.find_config(model_id, raw)
        require_allowed_instance_type(self.settings, config.instance_type)
        return config

    def _hyperparameters(self, model_id: str, raw: Any) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise BadRequest("hyperparameters must be a JSON object {name: value}.", code="InvalidBody")
        specs = {spec["name"]: spec for spec in self.catalog.hyperparameters(model_id)}
        unknown = sorted(set(raw) - set(specs))
        if unknown:
            raise BadRequest(
                f"Unknown hyperparameter(s): {', '.join(map(str, unknown))}.",
                hint="Known: " + ", ".join(specs) + ".",
                code="UnknownHyperparameter",
            )
        return {name: check_hyperparameter(specs[name], value) for name, value in raw.items()}

    def _training_instance(self, model: dict[str, Any], raw: Any) -> str:
        training = model["training"]
        instance_type = training["default_instance_type"] if raw is None else raw
        if not isinstance(instance_type, str) or instance_type not in training["instance_types"]:
            raise BadRequest(
                f"instance_type {instance_type!r} is not a training instance for {model['display_name']}.",
                hint="Use one of: " + ", ".join(training["instance_types"]) + ".",
                code="InvalidTrainingInstance",
            )
        return instance_type

    def _compare_endpoints(self, raw: Any) -> tuple[EndpointRef, EndpointRef]:
        example = '[{"name": "base-endpoint", "model_id": "..."}, {"name": "fine-tuned", "model_id": "..."}]'
        if not isinstance(raw, list) or len(raw) != 2:
            raise BadRequest(
                "A compare notebook needs endpoints: exactly two {name, model_id} objects.",
                hint=f"For example {example}.",
                code="InvalidBody",
            )
        refs: list[EndpointRef] = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or set(item) != {"name", "model_id"}:
                raise BadRequest(
                    f"endpoints[{index}] must be an object with exactly the keys name and model_id.",
                    hint=f"For example {example}.",
                    code="InvalidBody",
                )
            name = check_resource_name(item["name"], f"endpoints[{index}].name")
            model_id = item["model_id"]
            if not isinstance(model_id, str) or not model_id:
                raise BadRequest(f"endpoints[{index}].model_id must be a model id.", code="InvalidBody")
            model = self._model(model_id)
            refs.append(EndpointRef(name, model_id, str(model["display_name"]), bool(model["chat"])))
        if refs[0].name == refs[1].name:
            raise BadRequest("Compare two different endpoints.", code="InvalidBody")
        return refs[0], refs[1]

    async def plan(self, body: Any, user: str = "unknown") -> NotebookPlan:
        """The validated plan for ``body`` (``BadRequest``/``NotFound``/403 otherwise)."""
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object.", code="InvalidBody")
        unknown = sorted(map(str, set(body) - set(FIELDS)))
        if unknown:
            raise BadRequest(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(FIELDS)}.", code="InvalidBody"
            )
        requested = body.get("step")
        if requested not in STEPS:
            raise BadRequest(
                f"step must be one of {', '.join(STEPS)}; got {str(requested)[:40]!r}.", code="InvalidStep"
            )
        step: Step = cast(Step, requested)
        model_id = _string(body, "model_id")
        endpoint_name = _string(body, "endpoint_name")
        if endpoint_name is not None:
            check_resource_name(endpoint_name)
        training_job = _string(body, "training_job")
        if training_job is not None:
            check_job_name(training_job)
        prompts = validate_prompts(body.get("prompts"))

        endpoints: tuple[EndpointRef, ...] = ()
        if step == "compare":
            endpoints = self._compare_endpoints(body.get("endpoints"))
            model_id = model_id or endpoints[0].model_id
        elif body.get("endpoints") is not None:
            raise BadRequest("endpoints is only used by the compare step.", code="InvalidBody")
        if step in ("invoke", "cleanup"):
            _require(endpoint_name, "endpoint_name", step, "the endpoint's name")
        if step in ("deploy", "invoke", "train"):
            _require(model_id, "model_id", step, "the catalog id of the model")

        model = self._model(model_id) if model_id is not None else None
        config: DeploymentConfig | None = None
        if model_id is not None and (step in ("deploy", "train") or body.get("config") is not None):
            config = self._config(model_id, body.get("config"))
        parameters = validate_parameters(
            body.get("parameters"), context_length=config.n_positions if config else None
        )
        if model is not None and body.get("parameters") is None and model["example_prompts"]:
            parameters = dict(model["example_prompts"][0]["parameters"])
        if prompts is None:
            examples = model["example_prompts"] if model is not None else []
            prompts = (str(examples[0]["inputs"]),) if examples else ("The capital of France is",)

        flavour = await self._flavour(body.get("flavour"))
        sdk = self._sdk(body.get("sdk"))
        # A deploy of a fine-tuned model follows its training job: the train notebook without the fit cell.
        base_endpoint: str | None = None
        if step == "deploy" and training_job is not None:
            step = "train"
        elif step == "train":
            base_endpoint, endpoint_name = endpoint_name, None

        dataset_uri = _string(body, "dataset_uri")
        dataset_format = body.get("dataset_format", "domain")
        hyperparameters: dict[str, str] = {}
        training_instance: str | None = None
        if step == "train" and model is not None:
            if not model["training"]["supported"]:
                raise BadRequest(
                    f"{model['display_name']} cannot be fine-tuned here. {model['training']['note']}",
                    code="NotFineTunable",
                )
            training_instance = self._training_instance(model, body.get("instance_type"))
            hyperparameters = self._hyperparameters(str(model["id"]), body.get("hyperparameters"))
            if dataset_format not in DATASET_FORMATS:
                raise BadRequest(
                    f"dataset_format must be one of {', '.join(DATASET_FORMATS)}.",
                    code="InvalidDatasetFormat",
                )
            if training_job is None:
                uri = _require(dataset_uri, "dataset_uri", "fine-tuning", "the stored dataset's URI")
                self._check_dataset(flavour, uri)
        else:
            for name in ("dataset_uri", "hyperparameters", "instance_type"):
                if body.get(name) is not None:
                    raise BadRequest(f"{name} is only used by the train step.", code="InvalidBody")

        training_price = (
            self.catalog.price_per_hour(training_instance) if training_instance is not None else None
        )
        return NotebookPlan(
            step=step,
            flavour=flavour,
            sdk=sdk,
            model_id=model_id,
            display_name=str(model["display_name"]) if model is not None else "",
            short_name=short_model_name(model_id) if model_id else "llama-2",
            model_version=self.catalog.model_version(model_id) if model_id else "1.*",
            chat=bool(model["chat"]) if model is not None else False,
            eula_url=str(model["eula_url"]) if model is not None else "",
            aup_url=str(model["aup_url"]) if model is not None else "",
            config=config,
            config_confirmed=self.catalog.is_confirmed(model_id, config) if model_id and config else True,
            price_per_hour=self.catalog.price_per_hour(config.instance_type) if config else None,
            price_label=self.catalog.price_label(),
            endpoint_name=endpoint_name,
            base_endpoint=base_endpoint,
            training_job=training_job,
            parameters=parameters,
            prompts=prompts,
            endpoints=endpoints,
            dataset_uri=dataset_uri,
            dataset_format=str(dataset_format),
            hyperparameters=hyperparameters,
            training_instance_type=training_instance,
            training_price_per_hour=training_price,
            typical_minutes=self.catalog.typical_minutes(config.instance_type) if config else None,
            region=resolve_region(self.settings, None) or "",
            role_arn=self.settings.role_arn,
            bucket=self.settings.s3_bucket,
            creator=tag_value(user or "unknown"),  # a tag value, as the backend writes it
            generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        )

    @staticmethod
    def _check_dataset(flavour: Flavour, uri: str) -> None:
        if flavour == "sagemaker" and not S3_URI_PATTERN.match(uri):
            raise BadRequest(
                f"dataset_uri {uri!r} is not an s3:// URI; SageMaker training reads its data from S3.",
                hint="Store the dataset first (the fine-tune wizard does) and use its s3://… URI.",
                code="InvalidDatasetUri",
            )
        if flavour == "local" and not uri.startswith("file://"):
            raise BadRequest(
                f"dataset_uri {uri!r} cannot be read in local mode.",
                hint="Use the file://… uri the dataset step returned.",
                code="InvalidDatasetUri",
            )

    # --- writing --------------------------------------------------------------------------------------------

    def stem(self, plan: NotebookPlan) -> str:
        """``llama-2-7b-deploy``; a clean-up notebook without a model id is named after its endpoint."""
        base = plan.short_name if plan.model_id or not plan.endpoint_name else plan.endpoint_name
        return f"{base}-{STEM_SUFFIX[plan.step]}"

    def write(self, plan: NotebookPlan) -> str:
        """Write the notebook under a new unique name; return its path relative to the root (blocking)."""
        return self.write_notebook(self.stem(plan), build_notebook(plan))

    def write_notebook(self, stem: str, notebook: Any) -> str:
        """Validate and write ``notebook`` as ``<stem>.ipynb`` (``-1``, ``-2`` … when taken); blocking."""
        nbformat.validate(notebook)
        text: str = _WRITES(notebook)
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = f"{stem}.ipynb" if attempt == 0 else f"{stem}-{attempt}.ipynb"
            path = self.root_dir / name
            try:
                # O_EXCL: never overwrite, even when two requests race for the same name.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            except OSError as err:
                raise self._unwritable(err) from err
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as err:
                path.unlink(missing_ok=True)
                raise self._unwritable(err) from err
            return name
        raise ServiceUnavailable(
            f"There are already {MAX_NAME_ATTEMPTS} notebooks named {stem}-*.ipynb in the Jupyter root.",
            hint="Delete or move some of them.",
            code="NotebookNotWritten",
        )

    def _unwritable(self, err: OSError) -> ApiError:
        reason = os.strerror(err.errno) if err.errno is not None else str(err)
        return ApiError(
            f"The notebook could not be written into the Jupyter root directory {self.root_dir}: {reason}.",
            hint="Check that the directory JupyterLab was started in exists and is writable.",
            code="NotebookNotWritten",
            status=507 if err.errno == errno.ENOSPC else 503,
        )
