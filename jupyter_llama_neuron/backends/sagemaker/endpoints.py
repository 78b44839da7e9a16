"""SageMaker endpoints: list (one tag-filtered Search, plus what was just created, plus leftovers), describe,
create (through ``jumpstart_sdk``), delete (endpoint, config and models), the cost guard's activity metric
and per-endpoint tags.

What we create is tagged (``tags``); a restarted server finds its endpoints again, and anything untagged is
invisible to us (we never touch others' resources). A create checks that no endpoint, endpoint config or
model has its name (the SDK would silently reuse a model), and removes what it made when a later step fails
(ResourceLimitExceeded on CreateEndpoint is the usual first failure). Leftovers of older failed deploys (our
tagged model or config without an endpoint) are listed as Failed, and Delete removes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import ApiError, Conflict, NotFound
from ..base import (
    AUTO_DELETE_TAG,
    CLIENT_TOKEN_TAG,
    CONFIG_TAG,
    CREATOR_TAG,
    KEEP_UNTIL_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    DeploymentConfig,
    Endpoint,
    EndpointRequest,
)
from .created import CreatedRecord
from .jumpstart_sdk import deploy_fine_tuned_model, deploy_jumpstart_model, import_sdk
from .session import AwsSession, utc
from .tags import (
    MANAGED_FILTER,
    describe_ours,
    endpoint_tags,
    metric_points,
    minutes_tag,
    name_taken,
    search_ours,
    tag_dict,
    tag_value,
    tags_of,
    time_tag,
    token_filter,
)
from .types import CatalogLike

# Endpoint activity for the cost guard: SageMaker's per-endpoint Invocations metric, per minute.
ENDPOINT_METRIC_NAMESPACE = "AWS/SageMaker"
INVOCATIONS_METRIC = "Invocations"
ENDPOINT_VARIANT = "AllTraffic"  # the variant JumpStart's deploy creates
ACTIVITY_PERIOD_S = 60
MAX_METRIC_QUERIES = 500  # GetMetricData's limit per request
LEFTOVER_TYPES = {"sagemaker:endpoint-config": "endpoint config", "sagemaker:model": "model"}
LEFTOVERS_TTL_S = 60.0


class SageMakerEndpoints:
    """The endpoint half of ``SageMakerBackend``."""

    def __init__(self, aws: AwsSession, catalog: CatalogLike, log: logging.Logger) -> None:
        self._aws = aws
        self._catalog = catalog
        self._log = log
        self._lock = threading.Lock()  # guards _ours (touched from the loop and from workers)
        # Endpoint names known to carry our managed tag: saves a describe before each invocation.
        self._ours: set[str] = set()
        self._inflight: dict[str, asyncio.Future[Endpoint]] = {}
        self._created = CreatedRecord(aws.settings.data_dir, "endpoint")
        self._leftovers: tuple[float, list[Endpoint]] | None = None  # (monotonic time, found)
        self._creating: set[str] = set()  # a create in progress has a model before its endpoint

    # -- mapping ---------------------------------------------------------------------------------------------

    def _serving_label(self, model_id: str, config: DeploymentConfig | None, training_job: str | None) -> str:
        # display_name is a cheap lookup (model() deep-copies the entry: too slow once per listed endpoint).
        display = self._catalog.display_name(model_id) if model_id else "unknown model"
        if training_job:
            display = f"{display} fine-tuned by {training_job}"
        return f"{display} on {config.instance_type}" if config else display

    def endpoint_from(self, record: dict[str, Any], tags: dict[str, str]) -> Endpoint:
        name = str(record["EndpointName"])
        config: DeploymentConfig | None = None
        if tags.get(CONFIG_TAG):
            try:
                config = DeploymentConfig.from_tag(tags[CONFIG_TAG])
            except ValueError:
                self._log.warning(
                    "jupyter_llama_neuron: endpoint %s has an unreadable config tag %r",
                    name,
                    tags[CONFIG_TAG],
                )
        model_id = tags.get(MODEL_ID_TAG, "")
        training_job = tags.get(TRAINING_JOB_TAG) or None
        created = utc(record.get("CreationTime")) or utc(record.get("LastModifiedTime"))
        return Endpoint(
            name=name,
            # Search can omit fields; an endpoint without a status is one AWS is still setting up.
            status=str(record.get("EndpointStatus") or "Creating"),
            model_id=model_id,
            config=config,
            created_at=created or datetime.now(timezone.utc),
            backend="sagemaker",
            failure_reason=record.get("FailureReason") or None,
            training_job=training_job,
            client_token=tags.get(CLIENT_TOKEN_TAG) or None,
            serving_label=self._serving_label(model_id, config, training_job),
            auto_delete_idle_minutes=minutes_tag(tags.get(AUTO_DELETE_TAG)),
            keep_until=time_tag(tags.get(KEEP_UNTIL_TAG)),
            extra={
                "arn": record.get("EndpointArn"),
                "endpoint_config_name": record.get("EndpointConfigName"),
                "region": self._aws.region,
                "creator": tags.get(CREATOR_TAG),
                "last_modified_at": utc(record.get("LastModifiedTime")),
            },
        )

    # -- list ------------------------------------------------------------------------------------------------

    def _list_sync(self) -> list[Endpoint]:
        found = {
            record["EndpointName"]: self.endpoint_from(record, tags)
            for record, tags in search_ours(self._aws, "Endpoint", [MANAGED_FILTER])
        }
        # Search lags creation: what this server just created is described by name until Search has it.
        for name in self._created.recent(set(found)):
            try:
                found[name] = self._describe_sync(name)
            except NotFound:
                self._created.forget(name)
        with self._lock:
            self._ours.update(found)
        with self._lock:
            live = {name.lower() for name in [*found, *self._creating]}
        endpoints = list(found.values()) + self._leftovers_sync(live)
        endpoints.sort(key=lambda endpoint: endpoint.created_at, reverse=True)
        return endpoints

    def _leftovers_sync(self, live: set[str]) -> list[Endpoint]:
        """Our tagged endpoint configs and models without an endpoint of their name (an older failed
        deploy), as Failed endpoints; one tag:GetResources call, cached for a minute."""
        cached = self._leftovers
        if cached is not None and time.monotonic() - cached[0] < LEFTOVERS_TTL_S:
            return [e for e in cached[1] if e.name.lower() not in live]
        kinds: dict[str, list[str]] = {}
        tags_by_name: dict[str, dict[str, str]] = {}
        params: dict[str, Any] = {
            "TagFilters": [{"Key": MANAGED_TAG, "Values": ["true"]}],
            "ResourceTypeFilters": list(LEFTOVER_TYPES),
        }
        try:
            while True:
                page = self._aws.call("resourcegroupstaggingapi", "get_resources", **params)
                for item in page.get("ResourceTagMappingList") or []:
                    kind, _, name = str(item.get("ResourceARN", "")).split(":", 5)[-1].partition("/")
                    if f"sagemaker:{kind}" in LEFTOVER_TYPES and name and name.lower() not in live:
                        kinds.setdefault(name, []).append(LEFTOVER_TYPES[f"sagemaker:{kind}"])
                        tags_by_name[name] = tag_dict(item.get("Tags"))
                if not page.get("PaginationToken"):
                    break
                params["PaginationToken"] = page["PaginationToken"]
            found = [self._leftover(name, what, tags_by_name[name]) for name, what in sorted(kinds.items())]
        except ApiError as err:  # the listing must not fail because of leftovers (asked again in a minute)
            self._log.warning("jupyter_llama_neuron: leftovers of failed deploys not listed: %s", err.message)
            self._leftovers = (time.monotonic(), [])
            return []
        leftovers = [endpoint for endpoint in found if endpoint is not None]
        self._leftovers = (time.monotonic(), leftovers)
        return leftovers

    def _leftover(self, name: str, what: list[str], tags: dict[str, str]) -> Endpoint | None:
        try:  # an endpoint of that name (not ours, or not yet in Search) makes it no leftover
            self._aws.call("sagemaker", "describe_endpoint", EndpointName=name)
            return None
        except NotFound:
            pass
        try:
            config = self._aws.call("sagemaker", "describe_endpoint_config", EndpointConfigName=name)
            name, created = str(config["EndpointConfigName"]), config.get("CreationTime")
        except NotFound:
            try:
                model = self._aws.call("sagemaker", "describe_model", ModelName=name)
            except NotFound:  # deleted meanwhile
                return None
            name, created = str(model["ModelName"]), model.get("CreationTime")
        endpoint = self.endpoint_from({"EndpointName": name, "CreationTime": created}, tags)
        endpoint.status = "Failed"
        endpoint.failure_reason = (
            f"Left over from a deploy that did not complete: the {' and '.join(sorted(what))} '{name}' "
            "exist without an endpoint. They cost nothing, but block a new endpoint of this name; Delete "
            "removes them."
        )
        endpoint.extra["leftover"] = sorted(what)
        return endpoint

    async def list_endpoints(self) -> list[Endpoint]:
        return await self._aws.run(self._list_sync)

    # -- describe --------------------------------------------------------------------------------------------

    def _not_ours(self, name: str) -> NotFound:
        return NotFound(
            f"Endpoint '{name}' does not exist in {self._aws.region} or was not created by this extension.",
            hint="The endpoint list shows the endpoints you can manage here.",
            code="EndpointNotFound",
        )

    def _describe_raw(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        described, tags = describe_ours(self._aws, "Endpoint", name, self._not_ours(name))
        with self._lock:
            self._ours.add(name)
        return described, tags

    def _describe_sync(self, name: str) -> Endpoint:
        described, tags = self._describe_raw(name)
        return self.endpoint_from(described, tags)

    async def describe_endpoint(self, name: str) -> Endpoint:
        return await self._aws.run(self._describe_sync, name)

    async def ensure_ours(self, name: str) -> None:
        with self._lock:
            known = name in self._ours
        if not known:
            await self._aws.run(self._describe_raw, name)

    # -- create ----------------------------------------------------------------------------------------------

    def _find_by_token(self, token: str) -> Endpoint | None:
        """Our endpoint created with this client token, whatever its name (one tag-filtered Search)."""
        found = search_ours(self._aws, "Endpoint", [token_filter(token)], max_results=10, pages=False)
        for record, tags in found:
            if tags.get(CLIENT_TOKEN_TAG) == tag_value(token):
                return self.endpoint_from(record, tags)
        return None

    def _existing(self, request: EndpointRequest) -> Endpoint | None:
        """The endpoint already created for this request's client token (our record, then Search for other
        servers' creates), else None. Conflict when the name is taken by an endpoint, an endpoint config or a
        model (ours or not)."""
        token = request.client_token
        if token:
            recorded = self._created.name_for(token)
            if recorded is not None:
                with contextlib.suppress(NotFound):
                    return self._describe_sync(recorded)
            found = self._find_by_token(token)
            if found is not None:
                return found
        self._check_name_free(request.name)
        return None

    def _check_name_free(self, name: str) -> None:
        if name_taken(self._aws, "Endpoint", name):
            raise Conflict(
                f"An endpoint named '{name}' already exists in {self._aws.region}.",
                hint="Choose another endpoint name.",
                code="EndpointExists",
            )
        for what, operation, key in (
            ("endpoint configuration", "describe_endpoint_config", "EndpointConfigName"),
            ("model", "describe_model", "ModelName"),
        ):
            try:
                found = self._aws.call("sagemaker", operation, **{key: name})
            except NotFound:
                continue
            arn = str(found.get("EndpointConfigArn") or found.get("ModelArn") or "")
            if arn and tags_of(self._aws, arn).get(MANAGED_TAG) == "true":
                raise Conflict(
                    f"A {what} named '{name}' is left over from an earlier deploy that did not complete.",
                    hint="Delete it in Resources (listed as Failed), or choose another endpoint name.",
                    code="LeftoverExists",
                )
            raise Conflict(
                f"A SageMaker {what} named '{name}' already exists in {self._aws.region} (not created here).",
                hint="Choose another endpoint name: the model, endpoint configuration and endpoint share it.",
                code="NameTaken",
            )

    def _remove_partial(self, name: str) -> None:
        """After a failed create: delete the endpoint config and model of this name that carry our tag (the
        name was free before, so this create made them)."""
        for operation, key, delete in (
            ("describe_endpoint_config", "EndpointConfigName", "delete_endpoint_config"),
            ("describe_model", "ModelName", "delete_model"),
        ):
            try:
                found = self._aws.call("sagemaker", operation, **{key: name})
                arn = str(found.get("EndpointConfigArn") or found.get("ModelArn") or "")
                if tags_of(self._aws, arn).get(MANAGED_TAG) == "true":
                    self._delete_quietly(delete, **{key: name})
            except NotFound:
                continue
            except ApiError as err:  # listed as a leftover (with Delete) when this fails
                self._log.warning("jupyter_llama_neuron: could not remove %s %s: %s", key, name, err.message)
        self._leftovers = None

    def _model_data(self, training_job: str) -> str | dict[str, Any]:
        """The fine-tuned weights of a finished training job, as JumpStartEstimator.deploy would pass them."""
        job = self._aws.call("sagemaker", "describe_training_job", TrainingJobName=training_job)
        status = job.get("TrainingJobStatus")
        if status != "Completed":
            raise Conflict(
                f"Training job '{training_job}' is {status}; only a Completed job can be deployed.",
                hint="Wait for the training job to finish.",
                code="TrainingJobNotCompleted",
            )
        uri = str((job.get("ModelArtifacts") or {}).get("S3ModelArtifacts") or "")
        if not uri:
            raise Conflict(
                f"Training job '{training_job}' produced no model artifacts.", code="NoModelArtifacts"
            )
        if (job.get("OutputDataConfig") or {}).get("CompressionType", "GZIP") == "GZIP":
            return uri
        # Uncompressed output (the Neuron fine-tuning default): hosting wants an S3 prefix ending in a slash.
        prefix = uri if uri.endswith("/") else uri + "/"
        return {"S3DataSource": {"S3Uri": prefix, "S3DataType": "S3Prefix", "CompressionType": "None"}}

    def _create_sync(self, request: EndpointRequest) -> Endpoint:
        import_sdk(self._aws.region)
        role = self._aws.execution_role()  # configuration problems first, before touching any AWS resource
        existing = self._existing(request)
        if existing is not None:
            return existing
        session = self._aws.sdk_session(self._aws.default_bucket())
        with self._lock:
            self._creating.add(request.name.lower())
        try:
            if request.training_job:
                model_data = self._model_data(request.training_job)  # Completed, with artifacts
                request = deploy_fine_tuned_model(
                    session,
                    request,
                    role=role,
                    tags_for=endpoint_tags,
                    model_name=request.name,
                    model_data=model_data,
                )
            else:
                deploy_jumpstart_model(
                    session,
                    model_id=request.model_id,
                    model_version=request.model_version,
                    instance_type=request.config.instance_type,
                    role=role,
                    endpoint_name=request.name,
                    tags=endpoint_tags(request),
                    # A tuple the catalog does not confirm as precompiled (70B) is JumpStart's own default:
                    # forcing our OPTION_* values could trigger a compilation, so the spec's stays.
                    env=request.config.to_env()
                    if self._catalog.is_confirmed(request.model_id, request.config)
                    else None,
                )
        except Exception:
            self._remove_partial(request.name)
            raise
        finally:
            with self._lock:
                self._creating.discard(request.name.lower())
        self._created.created(request.name, request.client_token)
        with self._lock:
            self._ours.add(request.name)
        self._log.info(
            "jupyter_llama_neuron: creating endpoint %s (%s, %s) for %s",
            request.name,
            request.model_id,
            request.config.to_tag(),
            request.creator,
        )
        return Endpoint(
            name=request.name,
            status="Creating",
            model_id=request.model_id,
            config=request.config,
            created_at=datetime.now(timezone.utc),
            backend="sagemaker",
            training_job=request.training_job,
            client_token=request.client_token,
            serving_label=self._serving_label(request.model_id, request.config, request.training_job),
            auto_delete_idle_minutes=request.auto_delete_idle_minutes,
            extra={"region": self._aws.region, "creator": request.creator},
        )

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        token = request.client_token
        if token is None:
            return await self._aws.run(self._create_sync, request)
        # A double submit with one client token shares the first deploy instead of racing it.
        running = self._inflight.get(token)
        if running is not None:
            return await asyncio.shield(running)
        task: asyncio.Future[Endpoint] = asyncio.ensure_future(self._aws.run(self._create_sync, request))
        self._inflight[token] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._inflight.pop(token, None)
            else:
                task.add_done_callback(lambda _task: self._inflight.pop(token, None))

    # -- delete ----------------------------------------------------------------------------------------------

    def _delete_quietly(self, operation: str, **params: Any) -> None:
        with contextlib.suppress(NotFound):  # already gone is the goal state
            self._aws.call("sagemaker", operation, **params)

    def _delete_leftover(self, name: str) -> None:
        """Delete our endpoint config and model of this name (no endpoint has it); NotFound when none."""
        with contextlib.suppress(NotFound):
            self._aws.call("sagemaker", "describe_endpoint", EndpointName=name)
            raise self._not_ours(name)  # an endpoint that is not ours: its config and model are not either
        removed = False
        for operation, key, delete in (
            ("describe_endpoint_config", "EndpointConfigName", "delete_endpoint_config"),
            ("describe_model", "ModelName", "delete_model"),
        ):
            try:
                found = self._aws.call("sagemaker", operation, **{key: name})
            except NotFound:
                continue
            arn = str(found.get("EndpointConfigArn") or found.get("ModelArn") or "")
            if tags_of(self._aws, arn).get(MANAGED_TAG) == "true":
                self._delete_quietly(delete, **{key: name})
                removed = True
        self._leftovers = None
        if not removed:
            raise self._not_ours(name)
        self._log.info("jupyter_llama_neuron: deleted the leftovers of %s", name)

    def _delete_sync(self, name: str) -> None:
        try:
            described, _tags = self._describe_raw(name)
        except NotFound:
            self._delete_leftover(name)
            return
        self._created.forget(name)
        config_name = described.get("EndpointConfigName")
        model_names: list[str] = []
        if config_name:
            try:
                config = self._aws.call(
                    "sagemaker", "describe_endpoint_config", EndpointConfigName=config_name
                )
                model_names = [
                    str(v["ModelName"]) for v in config.get("ProductionVariants") or [] if v.get("ModelName")
                ]
            except NotFound:
                config_name = None
        self._delete_quietly("delete_endpoint", EndpointName=name)
        if config_name:
            self._delete_quietly("delete_endpoint_config", EndpointConfigName=config_name)
        for model_name in model_names:
            self._delete_quietly("delete_model", ModelName=model_name)
        with self._lock:
            self._ours.discard(name)
        self._log.info(
            "jupyter_llama_neuron: deleted endpoint %s (config %s, models %s)", name, config_name, model_names
        )

    async def delete_endpoint(self, name: str) -> None:
        await self._aws.run(self._delete_sync, name)

    # -- cost guard: activity and per-endpoint settings ---------------------------------------------------

    def _activity_sync(self, names: list[str], start: datetime, end: datetime) -> dict[str, datetime | None]:
        """One GetMetricData for all endpoints (one query each; pages only beyond 500 endpoints or 100,800
        datapoints): the end of the last minute with Invocations > 0, capped at ``end``."""
        found: dict[str, datetime | None] = dict.fromkeys(names)
        period = timedelta(seconds=ACTIVITY_PERIOD_S)
        for first in range(0, len(names), MAX_METRIC_QUERIES):
            chunk = names[first : first + MAX_METRIC_QUERIES]
            ids = {f"e{index}": name for index, name in enumerate(chunk)}
            queries = [
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": ENDPOINT_METRIC_NAMESPACE,
                            "MetricName": INVOCATIONS_METRIC,
                            "Dimensions": [
                                {"Name": "EndpointName", "Value": name},
                                {"Name": "VariantName", "Value": ENDPOINT_VARIANT},
                            ],
                        },
                        "Period": ACTIVITY_PERIOD_S,
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
                for query_id, name in ids.items()
            ]
            params: dict[str, Any] = {
                "MetricDataQueries": queries,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampDescending",
            }
            for query_id, when, value in metric_points(self._aws, params):
                name = ids.get(query_id)
                if name is None or value <= 0:
                    continue
                # A datapoint stamps the start of its minute: the call may have come at its end.
                last = min(when + period, end)
                previous = found[name]
                if previous is None or last > previous:
                    found[name] = last
        return found

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        names = sorted({endpoint.name for endpoint in endpoints})
        if not names:
            return {}
        return await self._aws.run(self._activity_sync, names, start, end)

    def _retag_sync(self, name: str, put: dict[str, str], remove: list[str]) -> Endpoint:
        described, tags = self._describe_raw(name)  # NotFound unless it exists and carries our managed tag
        arn = str(described["EndpointArn"])
        if put:
            self._aws.call(
                "sagemaker",
                "add_tags",
                ResourceArn=arn,
                Tags=[{"Key": key, "Value": tag_value(value)} for key, value in put.items()],
            )
            tags.update({key: tag_value(value) for key, value in put.items()})
        present = [key for key in remove if key in tags]
        if present:
            self._aws.call("sagemaker", "delete_tags", ResourceArn=arn, TagKeys=present)
            for key in present:
                tags.pop(key, None)
        return self.endpoint_from(described, tags)

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        if idle_minutes is None:
            return await self._aws.run(self._retag_sync, name, {}, [AUTO_DELETE_TAG])
        return await self._aws.run(self._retag_sync, name, {AUTO_DELETE_TAG: str(idle_minutes)}, [])

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        if until is None:
            return await self._aws.run(self._retag_sync, name, {}, [KEEP_UNTIL_TAG])
        stamp = until.astimezone(timezone.utc).replace(microsecond=0).isoformat()
        return await self._aws.run(self._retag_sync, name, {KEEP_UNTIL_TAG: stamp}, [])
