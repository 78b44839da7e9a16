"""Endpoints: every check happens here, before the backend is asked to do anything that costs money.

Order of checks on create (the first failure answers): body shape (400), model known (404) and allowed
(403), licence accepted (403), precompiled configuration (400) and allowed instance type (403), training
job, endpoint name and client token (400); then, under one lock, idempotency by client token and name
conflict (409).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncGenerator
from datetime import datetime, timezone
from typing import Any

from .allow_lists import allowed_model
from .backend_selection import BackendProvider
from .backends.base import Backend, BackendFacts, DeploymentConfig, Endpoint, EndpointRequest
from .billing import endpoint_cost
from .catalog import Catalog, describe_config, short_model_name
from .endpoint_actions import check_restart, endpoint_actions
from .endpoint_activity import ActivityTracker
from .errors import ApiError, BadRequest, Conflict
from .eula import EulaStore
from .idempotency import ClientTokens, check_client_token, check_optional_strings, unused_name
from .idle_policy import parse_idle_minutes
from .invocations import (
    InvocationEvent,
    PreparedInvocation,
    invocation_events,
    parse_invocation_body,
    prepare_invocation,
    run_invocation,
    sagemaker_payload_of,
)
from .resource_rules import RESOURCE_NAME_MAX, check_resource_name
from .settings import ExtensionSettings
from .timestamps import aware, iso

CREATE_FIELDS = (
    "model_id",
    "config",
    "endpoint_name",
    "training_job",
    "client_token",
    "auto_delete_idle_minutes",
)


class EndpointService:
    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: Catalog,
        eula: EulaStore,
        backends: BackendProvider,
        activity: ActivityTracker | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.eula = eula
        self.backends = backends
        # Idle time, auto-delete limit and deadline of the view (the cost guard records what it observes).
        self.activity = activity or ActivityTracker(settings)
        self._tokens = ClientTokens("endpoint", "Send a new client_token to create a new endpoint.")

    # --- views ----------------------------------------------------------------------------------------------

    def view(self, endpoint: Endpoint, facts: BackendFacts, now: datetime | None = None) -> dict[str, Any]:
        """The REST JSON for an endpoint, with the catalog's price and the cost accrued so far."""
        now = now or datetime.now(timezone.utc)
        created_at = aware(endpoint.created_at)
        age_s = max(0.0, (now - created_at).total_seconds())
        config = endpoint.config
        instance_type = config.instance_type if config else endpoint.extra.get("instance_type")
        # Local mode bills nothing, so it shows no price rather than a cost that is not being incurred.
        price = self.catalog.price_per_hour(instance_type) if facts.bills and instance_type else None
        return {
            "name": endpoint.name,
            "status": endpoint.status,
            "failure_reason": endpoint.failure_reason,
            "model_id": endpoint.model_id,
            "model_display_name": self.catalog.display_name(endpoint.model_id),
            "config": config.to_json() if config else None,
            "instance_type": instance_type,
            "created_at": iso(created_at),
            "age_s": round(age_s, 1),
            "backend": endpoint.backend,
            "serving_label": endpoint.serving_label,
            "training_job": endpoint.training_job,
            "price_per_hour": price,
            "cost_so_far": endpoint_cost(endpoint, price, now),
            "last_invoked_at": iso(endpoint.last_invoked_at),
            "typical_minutes": self.catalog.typical_minutes(instance_type or "", local=not facts.bills),
            "actions": endpoint_actions(endpoint.status, facts.restarts_failed_endpoints),
            **self.activity.fields(endpoint, facts, now),
        }

    # --- list / describe / delete ---------------------------------------------------------------------------

    async def list(self) -> dict[str, Any]:
        backend = await self.backends.get()
        endpoints = await backend.list_endpoints()
        endpoints.sort(key=lambda e: aware(e.created_at), reverse=True)
        now = datetime.now(timezone.utc)
        return {"endpoints": [self.view(e, backend.facts, now) for e in endpoints]}

    async def describe(self, name: str) -> dict[str, Any]:
        check_resource_name(name, "Endpoint name")
        backend = await self.backends.get()
        return self.view(await backend.describe_endpoint(name), backend.facts)

    async def delete(self, name: str) -> dict[str, Any]:
        check_resource_name(name, "Endpoint name")
        backend = await self.backends.get()
        # Token mappings stay: a late retry of the create that made this endpoint must not recreate it.
        await backend.delete_endpoint(name)
        return {"name": name, "deleted": True}

    async def restart(self, name: str) -> dict[str, Any]:
        """A Failed endpoint started again with the same model and configuration (202, Creating); 409 when
        it is not Failed or the backend cannot restart endpoints (``endpoint_actions``)."""
        check_resource_name(name, "Endpoint name")
        backend = await self.backends.get()
        endpoint = await backend.describe_endpoint(name)
        check_restart(name, endpoint.status, backend.facts.restarts_failed_endpoints)
        return self.view(await backend.restart_endpoint(name), backend.facts)

    # --- create ---------------------------------------------------------------------------------------------

    def _validate_create(self, body: Any) -> tuple[str, DeploymentConfig, str | None, str | None, str | None]:
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object.", code="InvalidBody")
        unknown = sorted(set(body) - set(CREATE_FIELDS))
        if unknown:
            raise BadRequest(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(CREATE_FIELDS)}.",
                code="InvalidBody",
            )
        model_id = body.get("model_id")
        if not isinstance(model_id, str) or not model_id:
            raise BadRequest(
                "model_id is required: the catalog id of the model to deploy.", code="InvalidBody"
            )
        check_optional_strings(body, ("endpoint_name", "training_job", "client_token"))

        model = allowed_model(self.catalog, self.settings, model_id)
        self.eula.require(model_id)

        raw_config = body.get("config")
        config = (
            self.catalog.default_config(model_id)
            if raw_config is None
            else self.catalog.find_config(model_id, raw_config)
        )
        allowed_instances = self.settings.allowed_instance_types
        if allowed_instances and config.instance_type not in allowed_instances:
            usable = [c for c in self.catalog.precompiled(model_id) if c.instance_type in allowed_instances]
            choice = (
                "; ".join(f"{c.instance_type} {describe_config(c)}" for c in usable)
                if usable
                else "none for this model"
            )
            raise ApiError(
                f"Instance type {config.instance_type} is not allowed on this server"
                + (" (it is the model's default configuration)." if raw_config is None else "."),
                hint=f"Allowed configurations for {model['display_name']}: {choice}.",
                code="InstanceTypeNotAllowed",
                status=403,
            )

        training_job = body.get("training_job")
        if training_job is not None:
            check_resource_name(training_job, "training_job")
            if not model["training"]["supported"]:
                raise BadRequest(
                    f"{model['display_name']} cannot be fine-tuned here, so no training job can be "
                    "deployed with it.",
                    code="NotFineTunable",
                )
        endpoint_name = body.get("endpoint_name")
        if endpoint_name is not None:
            check_resource_name(endpoint_name)
        client_token = check_client_token(body.get("client_token"))
        return model_id, config, endpoint_name, training_job, client_token

    @staticmethod
    def default_name(model_id: str, now: datetime | None = None) -> str:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        return f"{short_model_name(model_id)}-{stamp}"[:RESOURCE_NAME_MAX].rstrip("-")

    async def create(self, body: Any, user: str) -> dict[str, Any]:
        model_id, config, endpoint_name, training_job, client_token = self._validate_create(body)
        auto_delete = parse_idle_minutes(body.get("auto_delete_idle_minutes"), "auto_delete_idle_minutes")
        # Everything above is free; from here on the backend is involved.
        backend = await self.backends.get()
        if training_job is not None:
            await self._check_training_job(backend, training_job, model_id)
        async with self._tokens.lock:
            existing = await backend.list_endpoints()
            if client_token is not None:
                previous = self._by_token(client_token, existing, model_id, config)
                if previous is not None:
                    return self.view(previous, backend.facts)
            # SageMaker endpoint names are unique regardless of case.
            taken = {e.name.lower(): e for e in existing}
            names = set(taken)
            if endpoint_name is None:
                # A fine-tuned model is named after its job, so menus tell it from the base model's endpoints.
                base = training_job[:RESOURCE_NAME_MAX] if training_job else self.default_name(model_id)
                endpoint_name = unused_name(base, names, RESOURCE_NAME_MAX)
            elif endpoint_name.lower() in names and taken[endpoint_name.lower()].extra.get("leftover"):
                raise Conflict(
                    f"{endpoint_name} is left over from a deploy that did not complete (its model or "
                    "endpoint configuration still exists).",
                    hint="Delete it in Resources (listed as Failed), or choose another name.",
                    code="LeftoverExists",
                )
            elif endpoint_name.lower() in names:
                raise Conflict(
                    f"An endpoint named {endpoint_name} already exists.",
                    hint="Choose another name, or delete the existing endpoint first.",
                    code="EndpointExists",
                )
            request = EndpointRequest(
                name=endpoint_name,
                model_id=model_id,
                model_version=self.catalog.model_version(model_id),
                config=config,
                creator=user,
                client_token=client_token,
                training_job=training_job,
                auto_delete_idle_minutes=auto_delete,
            )
            endpoint = await backend.create_endpoint(request)
            self._tokens.remember(client_token, endpoint.name)
        return self.view(endpoint, backend.facts)

    async def _check_training_job(self, backend: Backend, name: str, model_id: str) -> None:
        """A fine-tuned model deploys only from a Completed job of the same base model (404/400/409)."""
        job = await backend.describe_training_job(name)  # NotFound (404) when absent or not ours
        if job.model_id != model_id:
            raise BadRequest(
                f"Training job {name} fine-tuned {self.catalog.display_name(job.model_id)}, not "
                f"{self.catalog.display_name(model_id)}.",
                hint=f"Deploy it with model_id {job.model_id}.",
                code="TrainingJobModelMismatch",
            )
        if job.status != "Completed":
            raise Conflict(
                f"Training job {name} is {job.status}; only a Completed job can be deployed.",
                hint="Wait until it has completed."
                if job.status in ("InProgress", "Stopping")
                else "Start a new training job.",
                code="TrainingJobNotCompleted",
                details={"status": job.status},
            )
        if not job.output_model:
            raise Conflict(
                f"Training job {name} completed without a model to deploy.",
                code="NoModelArtifacts",
            )

    def _by_token(
        self, token: str, existing: builtins.list[Endpoint], model_id: str, config: DeploymentConfig
    ) -> Endpoint | None:
        """The endpoint an earlier request with this token created, if any (also found after a restart)."""

        def differs(match: Endpoint) -> str | None:
            if match.model_id != model_id or (match.config is not None and match.config != config):
                return f"create endpoint {match.name} with a different model or configuration"
            return None

        return self._tokens.find(token, existing, differs)

    # --- invoke ---------------------------------------------------------------------------------------------

    async def _prepare_invocation(self, name: str, body: Any) -> PreparedInvocation:
        check_resource_name(name, "Endpoint name")
        parsed = parse_invocation_body(body)  # the body is judged before any backend is involved
        backend = await self.backends.get()
        return await prepare_invocation(name, parsed, self.catalog, backend)

    async def invoke(self, name: str, body: Any) -> dict[str, Any]:
        """``{"inputs"|"messages", "parameters"}`` -> one complete answer (see ``invocations.py``)."""
        return await run_invocation(await self._prepare_invocation(name, body))

    async def invoke_events(self, name: str, body: Any) -> AsyncGenerator[InvocationEvent, None]:
        """The streamed answer as ``(event, data)`` pairs: token..., then done (or fallback first, or error).

        Validation errors are raised by the first ``__anext__``, before any event, so the caller can still
        answer with an ordinary JSON error. Closing the generator cancels the generation in the backend.
        """
        prepared = await self._prepare_invocation(name, body)
        events = invocation_events(prepared)
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()

    def sagemaker_payload(self, body: Any) -> dict[str, Any]:
        """``POST /sagemaker-payload``: the body SageMaker would receive, before any endpoint is invoked."""
        return sagemaker_payload_of(body)
