"""Training jobs: every check happens here, before a backend is asked to start anything that costs money.

Order of checks on create (the first failure answers): body shape (400); model known (404), allowed (403) and
fine-tunable (400); licence accepted (403); training instance type one of the model's (400) and allowed on
this server (403); hyperparameters known, of the right type and within the catalog's range or options (400,
naming the range); dataset format and template (400); job name, client token, max runtime (400); then the
dataset URI must be of the active backend's kind (``s3://`` on SageMaker, a stored local dataset in local
mode; 400). Under one lock: idempotency by client token and name conflict (409), then the backend.
"""

from __future__ import annotations

import builtins
import math
import re
from datetime import datetime, timezone
from typing import Any

from .allow_lists import allowed_model, require_allowed_instance_type
from .backend_selection import BackendProvider
from .backends.base import BackendFacts, TrainingJob, TrainingRequest
from .billing import training_cost
from .catalog import Catalog, short_model_name
from .errors import BadRequest, Conflict
from .eula import EulaStore
from .idempotency import ClientTokens, check_client_token, check_optional_strings, unused_name
from .prompt_template import parse_template
from .resource_rules import RESOURCE_NAME_MAX, check_dataset_uri, check_resource_name, whole_number
from .settings import ExtensionSettings
from .timestamps import aware, iso

CREATE_FIELDS = (
    "model_id",
    "dataset_uri",
    "dataset_format",
    "template",
    "hyperparameters",
    "instance_type",
    "job_name",
    "client_token",
    "max_runtime_s",
)
DATASET_FORMATS = ("domain", "instruction")
MAX_RUNTIME_LIMIT_S = 28 * 24 * 3600  # SageMaker's ceiling for MaxRuntimeInSeconds


def check_job_name(name: Any) -> str:
    return check_resource_name(
        name, "job_name", kind="SageMaker training job name", example="llama-2-7b-dolly-ft-1"
    )


def _range_text(spec: dict[str, Any]) -> str:
    low, high = spec.get("min"), spec.get("max")
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"at least {low:g}"
    if high is not None:
        return f"at most {high:g}"
    return "any value"


def check_hyperparameter(spec: dict[str, Any], value: Any) -> str:
    """The value as the string SageMaker receives, or a 400 that names the allowed type, range or options."""
    name, kind = spec["name"], spec["type"]
    options = spec.get("options")
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise BadRequest(
            f"Hyperparameter {name} must be {'a string' if kind == 'text' else 'a number'}, not {value!r}.",
            code="InvalidHyperparameter",
            details={"name": name},
        )
    text = value if isinstance(value, str) else str(value)
    if kind == "text":
        if not isinstance(value, str):
            raise BadRequest(
                f"Hyperparameter {name} must be a string.",
                code="InvalidHyperparameter",
                details={"name": name},
            )
        if options is not None and value not in options:
            raise BadRequest(
                f"Hyperparameter {name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}.",
                code="HyperparameterOutOfRange",
                details={"name": name, "options": options},
            )
        return value
    number: float
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (kind == "int" and not re.fullmatch(r"[+-]?\d+", text.strip())):
        raise BadRequest(
            f"Hyperparameter {name} must be {'an integer' if kind == 'int' else 'a number'}; got {value!r}.",
            hint=f"Allowed: {_range_text(spec)}.",
            code="InvalidHyperparameter",
            details={"name": name},
        )
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and number < low) or (high is not None and number > high):
        raise BadRequest(
            f"Hyperparameter {name} must be {_range_text(spec)}; got {text.strip()}.",
            hint=f"{spec.get('description', '')} Default: {spec.get('default')}.".strip(),
            code="HyperparameterOutOfRange",
            details={"name": name, "min": low, "max": high},
        )
    if kind == "int":
        return str(int(text.strip()))
    return (
        text.strip() if isinstance(value, str) else repr(float(value)) if isinstance(value, float) else text
    )


def _default_text(spec: dict[str, Any]) -> str:
    default = spec["default"]
    return (
        default if isinstance(default, str) else repr(default) if isinstance(default, float) else str(default)
    )


class TrainingService:
    def __init__(
        self, settings: ExtensionSettings, catalog: Catalog, eula: EulaStore, backends: BackendProvider
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.eula = eula
        self.backends = backends
        self._tokens = ClientTokens("training job", "Send a new client_token to start a new job.")

    # --- views ----------------------------------------------------------------------------------------------

    def view(self, job: TrainingJob, facts: BackendFacts, now: datetime | None = None) -> dict[str, Any]:
        """The REST JSON for a training job, with the catalog's price and the cost accrued so far."""
        now = now or datetime.now(timezone.utc)
        created_at = aware(job.created_at)
        # Local mode bills nothing, so it shows no price rather than a cost that is not being incurred.
        price = self.catalog.price_per_hour(job.instance_type) if facts.bills and job.instance_type else None
        steps = facts.reports_training_steps
        return {
            "name": job.name,
            "status": job.status,
            "secondary_status": job.secondary_status,
            "status_transitions": job.status_transitions,
            "failure_reason": job.failure_reason,
            "model_id": job.model_id,
            "model_display_name": self.catalog.display_name(job.model_id),
            "instance_type": job.instance_type,
            "hyperparameters": job.hyperparameters,
            "dataset_uri": job.dataset_uri,
            "created_at": iso(created_at),
            "age_s": round(max(0.0, (now - created_at).total_seconds()), 1),
            "started_at": iso(job.started_at),
            "ended_at": iso(job.ended_at),
            "price_per_hour": price,
            "cost_so_far": training_cost(job, price, now),
            "max_runtime_s": job.max_runtime_s,
            "loss": job.loss,
            "log_tail": job.log_tail,
            "output_model": job.output_model,
            "can_deploy": job.status == "Completed" and bool(job.output_model),
            "backend": job.backend,
            "serving_label": job.serving_label,
            "progress": {"step": job.extra.get("last_step") or 0, "of": job.extra.get("steps_total")}
            if steps
            else None,
            "local_settings": job.extra.get("local") if steps else None,
            "monitoring_note": job.extra.get("monitoring_note"),
        }

    # --- list / describe / stop -----------------------------------------------------------------------------

    async def list(self) -> dict[str, Any]:
        backend = await self.backends.get()
        jobs = await backend.list_training_jobs()
        jobs.sort(key=lambda j: aware(j.created_at), reverse=True)
        now = datetime.now(timezone.utc)
        return {"training_jobs": [self.view(job, backend.facts, now) for job in jobs]}

    async def describe(self, name: str) -> dict[str, Any]:
        check_job_name(name)
        backend = await self.backends.get()
        return self.view(await backend.describe_training_job(name), backend.facts)

    async def stop(self, name: str) -> dict[str, Any]:
        check_job_name(name)
        backend = await self.backends.get()
        return self.view(await backend.stop_training_job(name), backend.facts)

    # --- create ---------------------------------------------------------------------------------------------

    def _validate_model(self, model_id: Any) -> dict[str, Any]:
        if not isinstance(model_id, str) or not model_id:
            raise BadRequest(
                "model_id is required: the catalog id of the model to fine-tune.", code="InvalidBody"
            )
        model = allowed_model(self.catalog, self.settings, model_id)
        if not model["training"]["supported"]:
            fine_tunable = [m["display_name"] for m in self.catalog.summaries() if m["fine_tunable"]]
            raise BadRequest(
                f"{model['display_name']} cannot be fine-tuned here. {model['training']['note']}",
                hint="Fine-tunable models: " + ", ".join(fine_tunable) + ".",
                code="NotFineTunable",
            )
        return model

    def _validate_instance(self, model: dict[str, Any], instance_type: Any) -> str:
        training = model["training"]
        if instance_type is None:
            instance_type = training["default_instance_type"]
        allowed = list(training["instance_types"])
        if not isinstance(instance_type, str) or instance_type not in allowed:
            raise BadRequest(
                f"instance_type {instance_type!r} is not a training instance for {model['display_name']}.",
                hint="Use one of: " + ", ".join(allowed) + ".",
                code="InvalidTrainingInstance",
            )
        require_allowed_instance_type(self.settings, instance_type)
        return instance_type

    def _validate_hyperparameters(self, model_id: str, raw: Any) -> tuple[dict[str, str], dict[str, str]]:
        specs = {spec["name"]: spec for spec in self.catalog.hyperparameters(model_id)}
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise BadRequest("hyperparameters must be a JSON object {name: value}.", code="InvalidBody")
        unknown = sorted(set(raw) - set(specs))
        if unknown:
            raise BadRequest(
                f"Unknown hyperparameter(s): {', '.join(unknown)}.",
                hint="Known: " + ", ".join(specs) + ".",
                code="UnknownHyperparameter",
            )
        values = {name: check_hyperparameter(specs[name], value) for name, value in raw.items()}
        defaults = {name: _default_text(spec) for name, spec in specs.items()}
        return values, defaults

    def _validate_create(self, body: Any) -> tuple[TrainingRequest, str | None]:
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object.", code="InvalidBody")
        unknown = sorted(set(body) - set(CREATE_FIELDS))
        if unknown:
            raise BadRequest(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(CREATE_FIELDS)}.",
                code="InvalidBody",
            )
        model = self._validate_model(body.get("model_id"))
        model_id = str(model["id"])
        self.eula.require(model_id)
        instance_type = self._validate_instance(model, body.get("instance_type"))
        hyperparameters, defaults = self._validate_hyperparameters(model_id, body.get("hyperparameters"))

        dataset_format = body.get("dataset_format")
        if dataset_format not in DATASET_FORMATS:
            raise BadRequest(
                f"dataset_format must be one of {', '.join(DATASET_FORMATS)}; got {dataset_format!r}.",
                hint="domain: plain text (JSON Lines with 'text', or .txt); instruction: records rendered "
                "through the prompt template into 'text'.",
                code="InvalidDatasetFormat",
            )
        template = body.get("template")
        if template is not None:
            if not isinstance(template, str):
                raise BadRequest("template must be a string.", code="InvalidTemplate")
            if dataset_format == "instruction":
                parse_template(template)
        dataset_uri = body.get("dataset_uri")
        if not isinstance(dataset_uri, str) or not dataset_uri.strip():
            raise BadRequest(
                "dataset_uri is required: the uri POST /datasets returned (s3://… on SageMaker, file://… in "
                "local mode).",
                code="InvalidDatasetUri",
            )
        check_optional_strings(body, ("job_name", "client_token"))
        job_name = body.get("job_name")
        if job_name is not None:
            check_job_name(job_name)
        client_token = check_client_token(body.get("client_token"))
        raw_runtime = body.get("max_runtime_s")
        max_runtime = whole_number(raw_runtime)
        if raw_runtime is not None and (max_runtime is None or not 60 <= max_runtime <= MAX_RUNTIME_LIMIT_S):
            raise BadRequest(
                f"max_runtime_s must be an integer between 60 and {MAX_RUNTIME_LIMIT_S} seconds (28 days).",
                hint="SageMaker stops the job when it runs longer; omit it for JumpStart's default (100 h).",
                code="InvalidMaxRuntime",
            )
        request = TrainingRequest(
            name=job_name or "",
            model_id=model_id,
            model_version=self.catalog.model_version(model_id),
            instance_type=instance_type,
            dataset_uri=dataset_uri.strip(),
            dataset_format=str(dataset_format),
            hyperparameters=hyperparameters,
            creator="",
            template=template,
            client_token=client_token,
            max_runtime_s=max_runtime,
            catalog_defaults=defaults,
        )
        return request, job_name

    @staticmethod
    def default_name(model_id: str, now: datetime | None = None) -> str:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        return f"{short_model_name(model_id)}-ft-{stamp}"[:RESOURCE_NAME_MAX].rstrip("-")

    async def create(self, body: Any, user: str) -> dict[str, Any]:
        request, job_name = self._validate_create(body)
        backend = await self.backends.get()
        check_dataset_uri(backend.facts.dataset_uri_kind, request.dataset_uri)
        await backend.check_training_dataset(request.dataset_uri)
        async with self._tokens.lock:
            existing = await backend.list_training_jobs()
            token = request.client_token
            if token is not None:
                previous = self._by_token(token, existing, request.model_id)
                if previous is not None:
                    return self.view(previous, backend.facts)
            names = {job.name.lower() for job in existing}
            if job_name is None:
                job_name = unused_name(self.default_name(request.model_id), names, RESOURCE_NAME_MAX)
            elif job_name.lower() in names:
                raise Conflict(
                    f"A training job named {job_name} already exists.",
                    hint="Training job names cannot be reused; choose another name.",
                    code="TrainingJobExists",
                )
            final = TrainingRequest(
                name=job_name,
                model_id=request.model_id,
                model_version=request.model_version,
                instance_type=request.instance_type,
                dataset_uri=request.dataset_uri,
                dataset_format=request.dataset_format,
                hyperparameters=request.hyperparameters,
                creator=user,
                template=request.template,
                client_token=token,
                max_runtime_s=request.max_runtime_s,
                catalog_defaults=request.catalog_defaults,
            )
            job = await backend.create_training_job(final)
            self._tokens.remember(token, job.name)
        return self.view(job, backend.facts)

    def _by_token(
        self, token: str, existing: builtins.list[TrainingJob], model_id: str
    ) -> TrainingJob | None:
        """The job an earlier request with this token started, if any (also found after a restart)."""

        def differs(match: TrainingJob) -> str | None:
            if match.model_id != model_id:
                return f"start training job {match.name} for another model"
            return None

        return self._tokens.find(token, existing, differs)
