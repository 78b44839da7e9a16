"""An in-process AWS emulator for the SageMaker path: moto on 127.0.0.1, plus what this flow needs and moto
lacks.

Use it as a pytest plugin (``pytest_plugins = ["tests.aws_emulator"]``). Fixtures:

* ``aws_emulator_session`` (session): starts ``ThreadedMotoServer`` once, patches moto first, and points the
  whole process at it through the environment (dummy credentials, ``AWS_ENDPOINT_URL``, local JumpStart
  metadata, a proxy tripwire so that any call bypassing the emulator fails fast instead of reaching AWS).
* ``aws_emulator`` (function): the same handle, with moto and the emulator knobs reset before the test.
* ``aws_calls`` (function): every botocore API call made in the process during the test (what AWS would
  receive), plus client-side fault injection for errors moto cannot produce (no credentials, no network).

What the patch adds to moto 5.2.5:

* CreateEndpointConfig accepts any ``ml.<family>.<size>`` (moto's list has no inf2/trn1); duplicate endpoint,
  endpoint-config and model names are rejected as on AWS (the SDK tolerates an existing model, as on AWS).
* Endpoints start ``Creating`` and turn ``InService`` after ``endpoint_creating_polls`` DescribeEndpoint
  calls; a name containing ``fail-`` ends ``Failed`` with ``failure_reason``.
* Training jobs start ``InProgress`` and complete after ``training_running_polls`` describes (``fail-``:
  Failed); StopTrainingJob exists (Stopping, then Stopped on the next describe); ``Environment`` is kept.
* DescribeModel echoes ``EnableNetworkIsolation``; ListTags on a missing ARN is a ValidationException (moto:
  a 500).
* InvokeEndpointWithResponseStream returns real AWS event-stream frames (``PayloadPart``) built from the
  same result queue as InvokeEndpoint (``/moto-api/static/sagemaker/endpoint-results``).
* Server-side error injection per operation (``inject_error``), rendered in the service's wire protocol;
  ``inject_quota`` renders SageMaker's ResourceLimitExceeded for an instance type.
* Strict where AWS is strict (sources in ``docs/aws-fidelity.md``): a job's MetricDefinitions are kept
  and its metrics published to CloudWatch under ``TrainingJobName`` in ``/aws/sagemaker/TrainingJobs``
  (instance metrics under ``Host``); ``deny`` withholds an IAM action (S3 answers a bare "Access Denied";
  PutObject with tags needs ``s3:PutObjectTagging``); ``state.search_lag`` hides new endpoints and jobs from
  Search for that many Search calls (the index is eventually consistent; its real lag is undocumented).
* ``IamAudit``: every AWS action the extension needs across the run, checked against ``docs/iam-policy.json``
  at the end of the session.
"""

from __future__ import annotations

import binascii
import copy
import fnmatch
import importlib
import json
import logging
import os
import re
import struct
import threading
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.iam_actions import IamAudit, actions_for

FIXTURES_DIR = Path(__file__).parent / "fixtures"
JUMPSTART_DIR = FIXTURES_DIR / "jumpstart"
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/jupyter-llama-neuron-test"
TRIPWIRE_PROXY = "http://127.0.0.1:9"  # discard port: anything routed through a proxy fails immediately
DEFAULT_FAILURE_REASON = (
    "The primary container for production variant AllTraffic did not pass the ping health check. "
    "Please check CloudWatch logs for this endpoint."
)
FAIL_MARKER = "fail-"

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------------------
# Knobs shared between the test thread and moto's request threads


@dataclass
class InjectedError:
    operation: str
    code: str
    message: str
    status: int
    remaining: int | None  # None: every call
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EmulatorState:
    endpoint_creating_polls: int = 1
    training_running_polls: int = 1
    failure_reason: str = DEFAULT_FAILURE_REASON
    # 0: PayloadParts follow the body's lines (jsonlines) or words; >0: fixed-size chunks (line buffering).
    stream_chunk_bytes: int = 0
    polls: dict[str, int] = field(
        default_factory=dict
    )  # resource ARN -> describes left before the next status
    errors: list[InjectedError] = field(default_factory=list)
    # IAM actions withheld from the caller: (action pattern, resource ARN pattern).
    denied: list[tuple[str, str]] = field(default_factory=list)
    # Search calls a just-created endpoint or training job stays out of Search results (0: indexed at once).
    search_lag: int = 0
    unsearchable: dict[str, int] = field(default_factory=dict)
    # The value each of a training job's metric definitions reports, one datapoint a minute.
    training_metric_values: list[float] = field(default_factory=lambda: [2.5, 1.75, 1.25])
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            defaults = EmulatorState()
            self.endpoint_creating_polls = defaults.endpoint_creating_polls
            self.training_running_polls = defaults.training_running_polls
            self.failure_reason = defaults.failure_reason
            self.stream_chunk_bytes = defaults.stream_chunk_bytes
            self.polls.clear()
            self.errors.clear()
            self.denied.clear()
            self.search_lag = defaults.search_lag
            self.unsearchable.clear()
            self.training_metric_values = defaults.training_metric_values

    def take_error(self, operation: str) -> InjectedError | None:
        with self.lock:
            for err in self.errors:
                if err.operation != operation:
                    continue
                if err.remaining is not None:
                    err.remaining -= 1
                    if err.remaining <= 0:
                        self.errors.remove(err)
                return err
        return None

    def denial(self, actions: list[str], resource: str) -> str | None:
        """The first of ``actions`` withheld on ``resource``, else None."""
        with self.lock:
            for action in actions:
                for pattern, resources in self.denied:
                    if fnmatch.fnmatchcase(action, pattern) and fnmatch.fnmatchcase(resource, resources):
                        return action
        return None

    def hide_from_search(self, arn: str) -> None:
        with self.lock:
            if self.search_lag > 0:
                self.unsearchable[arn] = self.search_lag

    def searchable(self, arns: list[str]) -> set[str]:
        """Count one Search; the ARNs it may return."""
        with self.lock:
            hidden = {arn for arn in arns if self.unsearchable.get(arn, 0) > 0}
            for arn in list(self.unsearchable):
                self.unsearchable[arn] -= 1
                if self.unsearchable[arn] <= 0:
                    del self.unsearchable[arn]
        return set(arns) - hidden

    def tick(self, arn: str) -> bool:
        """Count one describe of ``arn``; True when it is time to move to the next status."""
        with self.lock:
            left = self.polls.get(arn)
            if left is None:
                return False
            if left <= 0:
                del self.polls[arn]
                return True
            self.polls[arn] = left - 1
            return False


STATE = EmulatorState()


# ------------------------------------------------------------------------------------------------------------
# AWS event-stream encoding (application/vnd.amazon.eventstream), as botocore's EventStreamBuffer decodes it


def _encode_headers(headers: dict[str, str]) -> bytes:
    out = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        out += struct.pack("!B", len(raw_name)) + raw_name + struct.pack("!BH", 7, len(raw_value)) + raw_value
    return out


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One frame: prelude (total length, headers length, CRC32), headers, payload, message CRC32."""
    raw_headers = _encode_headers(headers)
    total = 4 + 4 + 4 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack("!II", total, len(raw_headers))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + raw_headers + payload
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


def payload_part(data: bytes) -> bytes:
    return encode_event(
        {":event-type": "PayloadPart", ":content-type": "application/octet-stream", ":message-type": "event"},
        data,
    )


def split_stream_body(body: str, content_type: str, chunk_bytes: int) -> list[bytes]:
    raw = body.encode()
    if chunk_bytes > 0:
        return [raw[i : i + chunk_bytes] for i in range(0, len(raw), chunk_bytes)]
    if "jsonlines" in content_type or "json-seq" in content_type:
        return [line.encode() for line in body.splitlines(keepends=True)]
    return [part.encode() for part in re.findall(r"\s+|\S+\s*", body) if part]


# ------------------------------------------------------------------------------------------------------------
# Errors rendered in each protocol, so botocore parses them into a real ClientError


def render_error(service_name: str, err: InjectedError) -> tuple[int, dict[str, str], str]:
    from botocore.session import get_session

    protocol = get_session().get_service_model(service_name).protocol
    if protocol in ("query", "ec2"):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{err.code}</Code><Message>{err.message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
        return err.status, {"Content-Type": "text/xml"}, body
    payload = {"__type": err.code, "message": err.message, "Message": err.message, **err.extra}
    return (
        err.status,
        {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": err.code},
        json.dumps(payload),
    )


def access_denied(service_name: str, action: str, resource: str) -> tuple[int, dict[str, str], str]:
    """AccessDenied as each service words it: IAM-style services name the action and resource; S3 answers a
    bare "Access Denied" (the message real S3 gives for many denials)."""
    if service_name == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied'
            "</Message><RequestId>0000000000000000</RequestId><HostId>emulated</HostId></Error>"
        )
        return 403, {"Content-Type": "application/xml"}, body
    principal = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/jupyter-llama-neuron-user/session"
    message = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} because no "
        f"identity-based policy allows the {action} action"
    )
    code = "AccessDenied" if service_name in ("sts", "iam", "cloudwatch") else "AccessDeniedException"
    return render_error(service_name, InjectedError("", code, message, 400, None))


_RESOURCE_PARAMS = (
    ("EndpointName", "endpoint"),
    ("EndpointConfigName", "endpoint-config"),
    ("ModelName", "model"),
    ("TrainingJobName", "training-job"),
)


def resource_arn(service_name: str, params: dict[str, Any]) -> str:
    """The ARN a SageMaker call acts on (``*`` when it names none), for matching ``deny`` patterns."""
    if service_name.startswith("sagemaker"):
        if isinstance(params.get("ResourceArn"), str):
            return str(params["ResourceArn"])
        for key, kind in _RESOURCE_PARAMS:
            if isinstance(params.get(key), str):
                return f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{kind}/{str(params[key]).lower()}"
    return "*"


# ------------------------------------------------------------------------------------------------------------
# The moto patch


_PATCHED = False


def apply_moto_patches() -> None:
    """Monkeypatch moto's SageMaker models and responses. Idempotent; call it before the server builds its
    Flask apps (the streaming route is read then)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True

    # Monkeypatching is untyped by nature: the moto modules are handled as Any.
    core_responses: Any = importlib.import_module("moto.core.responses")
    werkzeug_app: Any = importlib.import_module("moto.moto_server.werkzeug_app")
    sm_models: Any = importlib.import_module("moto.sagemaker.models")
    sm_responses: Any = importlib.import_module("moto.sagemaker.responses")
    sm_exceptions: Any = importlib.import_module("moto.sagemaker.exceptions")
    s3_responses: Any = importlib.import_module("moto.s3.responses")
    cloudwatch_models: Any = importlib.import_module("moto.cloudwatch.models")
    rt_responses: Any = importlib.import_module("moto.sagemakerruntime.responses")
    rt_urls: Any = importlib.import_module("moto.sagemakerruntime.urls")
    core_utils: Any = importlib.import_module("moto.core.utils")
    BaseResponse = core_responses.BaseResponse
    EmptyResult = core_responses.EmptyResult
    DomainDispatcherApplication = werkzeug_app.DomainDispatcherApplication
    ValidationError = sm_exceptions.ValidationError
    utcnow = core_utils.utcnow

    # -- instance types: AWS accepts families moto's hard-coded list predates (inf2, trn1, g5, p5 ...)
    original_validate = sm_models.FakeEndpointConfig.validate_instance_type

    def validate_instance_type(self: Any, instance_type: str) -> None:
        if re.fullmatch(r"ml\.[a-z0-9-]+\.[a-z0-9]+", instance_type or ""):
            return
        original_validate(self, instance_type)

    sm_models.FakeEndpointConfig.validate_instance_type = validate_instance_type

    backend_cls = sm_models.SageMakerModelBackend

    # -- duplicate names, as AWS rejects them (double submits must not silently overwrite)
    original_create_model = backend_cls.create_model

    def create_model(self: Any, model_name: str, *args: Any, **kwargs: Any) -> Any:
        if model_name in self._models:
            raise ValidationError(
                message=f'Cannot create already existing model "{self._models[model_name].arn}".'
            )
        return original_create_model(self, model_name, *args, **kwargs)

    backend_cls.create_model = create_model

    original_create_config = backend_cls.create_endpoint_config

    def create_endpoint_config(self: Any, endpoint_config_name: str, *args: Any, **kwargs: Any) -> Any:
        if endpoint_config_name in self.endpoint_configs:
            arn = sm_models.FakeEndpointConfig.arn_formatter(
                endpoint_config_name, self.account_id, self.region_name
            )
            raise ValidationError(message=f'Cannot create already existing endpoint configuration "{arn}".')
        config = original_create_config(self, endpoint_config_name, *args, **kwargs)
        config.arn = (
            config.endpoint_config_arn
        )  # moto keeps a 1-tuple, which the tagging API prints as the ARN
        return config

    backend_cls.create_endpoint_config = create_endpoint_config

    # -- endpoint lifecycle: Creating for a few describes, then InService (or Failed for "fail-" names)
    original_create_endpoint = backend_cls.create_endpoint

    def create_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str, tags: Any) -> Any:
        if endpoint_name in self.endpoints:
            arn = self.endpoints[endpoint_name].arn
            raise ValidationError(message=f'Cannot create already existing endpoint "{arn}".')
        endpoint = original_create_endpoint(self, endpoint_name, endpoint_config_name, tags)
        STATE.hide_from_search(endpoint.arn)
        with STATE.lock:
            polls = STATE.endpoint_creating_polls
        if polls > 0:
            endpoint.endpoint_status = "Creating"
            with STATE.lock:
                STATE.polls[endpoint.arn] = polls
        else:
            _finish_endpoint(endpoint)
        return endpoint

    def _finish_endpoint(endpoint: Any) -> None:
        if FAIL_MARKER in endpoint.endpoint_name:
            endpoint.endpoint_status = "Failed"
            endpoint.failure_reason = STATE.failure_reason
        else:
            endpoint.endpoint_status = "InService"

    backend_cls.create_endpoint = create_endpoint

    original_describe_endpoint = backend_cls.describe_endpoint

    def describe_endpoint(self: Any, endpoint_name: str) -> Any:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is not None and endpoint.endpoint_status == "Creating" and STATE.tick(endpoint.arn):
            _finish_endpoint(endpoint)
        return original_describe_endpoint(self, endpoint_name)

    backend_cls.describe_endpoint = describe_endpoint

    # -- training jobs: InProgress, then Completed; StopTrainingJob; keep Environment
    original_create_training_job = backend_cls.create_training_job

    def create_training_job(self: Any, *args: Any, **kwargs: Any) -> Any:
        job = original_create_training_job(self, *args, **kwargs)
        STATE.hide_from_search(job.arn)
        with STATE.lock:
            polls = STATE.training_running_polls
        if polls > 0:
            job.training_job_status = "InProgress"
            job.secondary_status = "Starting"
            job.training_end_time = None
            with STATE.lock:
                STATE.polls[job.arn] = polls
        else:
            _finish_training(job)
        return job

    def _finish_training(job: Any) -> None:
        if FAIL_MARKER in job.training_job_name:
            job.training_job_status = job.secondary_status = "Failed"
            job.failure_reason = "AlgorithmError: ExecuteUserScriptError: training script failed (emulated)"
        else:
            job.training_job_status = job.secondary_status = "Completed"
        job.training_end_time = utcnow()

    backend_cls.create_training_job = create_training_job

    original_describe_training_job = backend_cls.describe_training_job

    def describe_training_job(self: Any, training_job_name: str) -> Any:
        job = self.training_jobs.get(training_job_name)
        if job is not None and job.training_job_status in ("InProgress", "Stopping") and STATE.tick(job.arn):
            if job.training_job_status == "Stopping":
                job.training_job_status = job.secondary_status = "Stopped"
                job.training_end_time = utcnow()
            else:
                _finish_training(job)
        return original_describe_training_job(self, training_job_name)

    backend_cls.describe_training_job = describe_training_job

    def stop_training_job(self: Any, training_job_name: str) -> None:
        job = self.training_jobs.get(training_job_name)
        if job is None:
            arn = sm_models.FakeTrainingJob.arn_formatter(
                training_job_name, self.account_id, self.region_name
            )
            raise ValidationError(message=f"Could not find training job '{arn}'.")
        if job.training_job_status not in ("InProgress", "Stopping"):
            raise ValidationError(
                message="The request was rejected because the training job is in status "
                f"{job.training_job_status}."
            )
        job.training_job_status = job.secondary_status = "Stopping"
        with STATE.lock:
            STATE.polls[job.arn] = 0

    backend_cls.stop_training_job = stop_training_job

    def stop_training_job_response(self: Any) -> Any:
        self.sagemaker_backend.stop_training_job(self._get_param("TrainingJobName"))
        return EmptyResult()

    sm_responses.SageMakerResponse.stop_training_job = stop_training_job_response

    original_create_training_job_response = sm_responses.SageMakerResponse.create_training_job

    def create_training_job_response(self: Any) -> Any:
        result = original_create_training_job_response(self)
        job = self.sagemaker_backend.training_jobs.get(self._get_param("TrainingJobName"))
        if job is not None:
            job.environment = self._get_param("Environment") or {}
            # DescribeTrainingJob always carries OutputDataConfig.KmsKeyId (the SDK's attach reads it
            # unconditionally: estimator.py _prepare_init_params_from_job_description).
            job.output_data_config.setdefault("KmsKeyId", "")
            # moto replaces the request's MetricDefinitions with its own; SageMaker keeps them.
            # (it edits the parsed request in place, so read the raw body).
            spec = json.loads(self.body).get("AlgorithmSpecification") or {}
            job.algorithm_specification["MetricDefinitions"] = spec.get("MetricDefinitions") or []
            _publish_training_metrics(job, self.current_account, self.region)
        return result

    def _publish_training_metrics(job: Any, account_id: str, region: str) -> None:
        """What SageMaker publishes for a running job (namespace /aws/sagemaker/TrainingJobs): each
        MetricDefinition under TrainingJobName=<job>, instance metrics under Host=<job>/algo-1."""
        backend = cloudwatch_models.cloudwatch_backends[account_id][region]
        with STATE.lock:
            values = list(STATE.training_metric_values)
        start = job.training_start_time
        data: list[dict[str, Any]] = []
        for minute, value in enumerate(values):
            when = start + timedelta(minutes=minute, seconds=5)
            for definition in job.algorithm_specification.get("MetricDefinitions") or []:
                dimensions = [{"Name": "TrainingJobName", "Value": job.training_job_name}]
                data.append(
                    {
                        "MetricName": definition["Name"],
                        "Dimensions": dimensions,
                        "Timestamp": when,
                        "Value": value,
                    }
                )
            host = [{"Name": "Host", "Value": f"{job.training_job_name}/algo-1"}]
            data.append(
                {"MetricName": "CPUUtilization", "Dimensions": host, "Timestamp": when, "Value": 50.0}
            )
        if data:
            backend.put_metric_data("/aws/sagemaker/TrainingJobs", data)

    sm_responses.SageMakerResponse.create_training_job = create_training_job_response

    # -- DescribeModel: echo EnableNetworkIsolation (moto hard-codes False)
    original_create_model_response = sm_responses.SageMakerResponse.create_model

    def create_model_response(self: Any) -> Any:
        result = original_create_model_response(self)
        model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
        if model is not None:
            model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return result

    sm_responses.SageMakerResponse.create_model = create_model_response

    # -- ListTags/AddTags on a missing resource: AWS says ValidationException, moto crashes with a 500
    original_get_resource = backend_cls._get_resource_from_arn

    def get_resource_from_arn(self: Any, arn: str) -> Any:
        resource = original_get_resource(self, arn)
        if resource is None:
            raise ValidationError(message=f"Could not find resource '{arn}'.")
        return resource

    backend_cls._get_resource_from_arn = get_resource_from_arn

    # -- InvokeEndpointWithResponseStream: route + event-stream body from the InvokeEndpoint result queue
    rt_urls.url_paths["{0}/endpoints/(?P<name>[^/]+)/invocations-response-stream$"] = (
        rt_urls.response.dispatch
    )

    def invoke_endpoint_with_response_stream(self: Any) -> Any:
        params = self._get_params()
        unique_repr: dict[str, Any] = {
            key: value for key, value in self.headers.items() if key.lower().startswith("x-amzn-sagemaker")
        }
        unique_repr["Accept"] = self.headers.get("X-Amzn-SageMaker-Accept")
        unique_repr["Body"] = self.body
        import base64

        body, content_type, variant, custom_attributes = self.sagemakerruntime_backend.invoke_endpoint(
            endpoint_name=params.get("EndpointName"),
            unique_repr=base64.b64encode(json.dumps(unique_repr, default=str).encode()),
        )
        with STATE.lock:
            chunk_bytes = STATE.stream_chunk_bytes
        frames = b"".join(payload_part(chunk) for chunk in split_stream_body(body, content_type, chunk_bytes))
        headers = {
            "Content-Type": "application/vnd.amazon.eventstream",
            "X-Amzn-SageMaker-Content-Type": content_type,
        }
        if variant:
            headers["x-Amzn-Invoked-Production-Variant"] = variant
        if custom_attributes:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = custom_attributes
        return 200, headers, frames

    rt_responses.SageMakerRuntimeResponse.invoke_endpoint_with_response_stream = (
        invoke_endpoint_with_response_stream
    )

    # The service is inferred from the SigV4 scope ("sagemaker" for both APIs); moto only maps paths ending in
    # "invocations" to the runtime, so route the streaming path there too.
    original_infer = DomainDispatcherApplication.infer_service_region_host

    def infer_service_region_host(self: Any, environ: dict[str, Any], path: str) -> Any:
        host = original_infer(self, environ, path)
        if (
            isinstance(host, str)
            and host.startswith("api.sagemaker.")
            and path.endswith("/invocations-response-stream")
        ):
            return "runtime." + host[len("api.") :]
        return host

    DomainDispatcherApplication.infer_service_region_host = infer_service_region_host

    # -- Search: the index lags creation (state.search_lag)
    original_search = backend_cls.search

    def search(self: Any, *args: Any, **kwargs: Any) -> Any:
        found = original_search(self, *args, **kwargs)

        def arn_of(record: dict[str, Any]) -> str:
            # moto's records carry the ARN as "Arn" or "<Resource>Arn" depending on the resource
            return next((str(i.get(f"{k}Arn") or i.get("Arn") or "") for k, i in record.items()), "")

        records = found.get("Results") or []
        visible = STATE.searchable([arn_of(record) for record in records])
        found["Results"] = [record for record in records if arn_of(record) in visible]
        return found

    backend_cls.search = search

    # -- S3 object calls: IAM denials (PutObject with tags also needs s3:PutObjectTagging)
    original_key_response = s3_responses.S3Response._key_response

    def key_response(self: Any, request: Any, full_url: str) -> Any:
        method = request.method.upper()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(full_url).query, keep_blank_values=True)
        operation = {
            "GET": "GetObject",
            "HEAD": "HeadObject",
            "PUT": "PutObject",
            "DELETE": "DeleteObject",
        }.get(method, "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload")
        if "tagging" in query:
            operation = {"GET": "GetObjectTagging", "PUT": "PutObjectTagging"}.get(method, operation)
        params = {"Tagging": request.headers.get("x-amz-tagging")}
        bucket = self.parse_bucket_name_from_url(request, full_url)
        resource = f"arn:aws:s3:::{bucket}/{self.parse_key_name()}"
        if STATE.denial(actions_for("s3", operation, params), resource):
            return access_denied("s3", "", resource)
        return original_key_response(self, request, full_url)

    s3_responses.S3Response._key_response = key_response

    # -- server-side denials and error injection, before any action runs
    original_call_action = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        operation = self._get_action()
        try:
            params = json.loads(self.body) if self.body else {}
        except ValueError:
            params = {}
        service = self.boto3_service_name
        resource = resource_arn(service, params if isinstance(params, dict) else {})
        denied = STATE.denial(
            actions_for(service, operation, params if isinstance(params, dict) else {}), resource
        )
        if denied:
            return access_denied(service, denied, resource)
        err = STATE.take_error(operation)
        if err is not None:
            return render_error(service, err)
        return original_call_action(self)

    BaseResponse.call_action = call_action


# ------------------------------------------------------------------------------------------------------------
# The handle tests use


class AwsEmulator:
    """A running patched moto server plus helpers to script it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.state = STATE
        self.account_id = ACCOUNT_ID
        self.region = REGION
        self.role_arn = ROLE_ARN
        # Never route our own helper requests through the tripwire proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _post(self, path: str, payload: Any) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        request = urllib.request.Request(f"{self.url}{path}", data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        with self._opener.open(request, timeout=10) as response:
            response.read()

    def reset(self) -> None:
        """Wipe every moto backend (incl. the invoke result queue) and the emulator knobs."""
        self._post("/moto-api/reset", None)
        STATE.reset()

    def client(self, service: str) -> Any:
        """A client for the test's own setup and checks (its calls are not the extension's: not audited)."""
        factory: Any = boto3.client  # the boto3 stubs only accept literal service names
        client = factory(service, region_name=self.region, endpoint_url=self.url)
        TEST_CLIENTS.add(client)
        return client

    def deny(self, action: str, resource: str = "*") -> None:
        """Withhold an IAM action (``fnmatch`` patterns, e.g. ``"s3:PutObjectTagging"``,
        ``"arn:aws:s3:::jumpstart-cache-prod-*"``) until the next reset."""
        with STATE.lock:
            STATE.denied.append((action, resource))

    def inject_quota(
        self,
        instance_type: str,
        operation: str = "CreateEndpoint",
        *,
        usage: str = "endpoint usage",
        limit: int = 0,
        times: int | None = 1,
    ) -> None:
        """SageMaker's ResourceLimitExceeded for an instance type whose account quota is ``limit`` (new
        accounts start at 0 for ml.inf2/ml.trn1), worded as AWS words it."""
        message = (
            f"The account-level service limit '{instance_type} for {usage}' is {limit} Instances, with "
            f"current utilization of {limit} Instances and a request delta of 1 Instances. Please use AWS "
            "Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, "
            "contact AWS support to request an increase for this quota."
        )
        self.inject_error(operation, "ResourceLimitExceeded", message, times=times)

    def queue_results(self, *results: Any, content_type: str = "application/json") -> None:
        """Queue InvokeEndpoint (and stream) results, one per distinct request. ``str`` bodies are sent as
        they are; anything else is JSON-encoded. Use ``content_type="application/jsonlines"`` for token
        streams."""
        items = []
        for result in results:
            body = result if isinstance(result, str) else json.dumps(result)
            items.append(
                {
                    "Body": body,
                    "ContentType": content_type,
                    "InvokedProductionVariant": "AllTraffic",
                    "CustomAttributes": "",
                }
            )
        self._post(
            "/moto-api/static/sagemaker/endpoint-results",
            {"account_id": self.account_id, "region": self.region, "results": items},
        )

    def inject_error(
        self,
        operation: str,
        code: str,
        message: str = "",
        *,
        status: int = 400,
        times: int | None = 1,
        **extra: Any,
    ) -> None:
        """Make the next ``times`` calls of ``operation`` (e.g. "CreateEndpoint") fail with this AWS error."""
        with STATE.lock:
            STATE.errors.append(InjectedError(operation, code, message or code, status, times, extra))

    def create_plain_endpoint(self, name: str, tags: list[dict[str, str]] | None = None) -> None:
        """An endpoint created directly with boto3 (not by the extension) - by default untagged."""
        sm = self.client("sagemaker")
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn=self.role_arn,
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/other:latest"},
        )
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=tags or [])


EMULATOR_ACCESS_KEY_ID = "AKIAJLNEMULATORTEST1"  # AWS's shape: AKIA + 16 upper-case letters/digits
EMULATOR_SECRET_ACCESS_KEY = "jln-emulator-secret-8d2f41c7a9e05b63"
EMULATOR_SESSION_TOKEN = "jln-emulator-session-token-5c1e9a07d3b248f6"


def emulator_environment(url: str) -> dict[str, str | None]:
    """The process environment the emulator needs (None = unset). It must be in place before the SDK import:
    the SDK binds a default session to the environment at import time."""
    proxy_free = "127.0.0.1,localhost"
    return {
        "AWS_ENDPOINT_URL": url,
        # Distinctive values, so tests/credential_scan.py can find them in any response or log line.
        "AWS_ACCESS_KEY_ID": EMULATOR_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": EMULATOR_SESSION_TOKEN,
        "AWS_SECURITY_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": None,
        # A developer's ~/.aws must not leak into tests.
        "AWS_CONFIG_FILE": str(FIXTURES_DIR / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(FIXTURES_DIR / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # moto answers unimplemented operations with 500s, which botocore would retry for seconds.
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "HTTPS_PROXY": TRIPWIRE_PROXY,
        "HTTP_PROXY": TRIPWIRE_PROXY,
        "https_proxy": TRIPWIRE_PROXY,
        "http_proxy": TRIPWIRE_PROXY,
        "NO_PROXY": proxy_free,
        "no_proxy": proxy_free,
        "AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE": str(JUMPSTART_DIR),
        "AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE": str(JUMPSTART_DIR),
        # SAGEMAKER_SUPPRESS_V2_WARNING is set (for good) by the backend's lazy SDK import; restoring it
        # here could race a background import still running at session end.
    }


def _apply_environment(values: dict[str, str | None]) -> dict[str, str | None]:
    previous = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return previous


class ServerHandle:
    """Start/stop the patched in-process moto server (usable outside pytest, e.g. by the benchmarks)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        apply_moto_patches()
        # werkzeug logs every request even with verbose=False.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._previous_env: dict[str, str | None] = {}
        self.emulator: AwsEmulator | None = None

    def start(self) -> AwsEmulator:
        self._server.start()
        host, port = self._server.get_host_and_port()
        url = f"http://{host}:{port}"
        self._previous_env = _apply_environment(emulator_environment(url))
        self.emulator = AwsEmulator(url)
        return self.emulator

    def stop(self) -> None:
        self._server.stop()
        _apply_environment(self._previous_env)


# ------------------------------------------------------------------------------------------------------------
# Capturing (and faulting) the API calls the process makes


@dataclass
class ApiCall:
    service: str
    operation: str
    params: dict[str, Any]
    endpoint_url: str  # where the client sends it: must be the emulator (the tripwire catches the rest)


class CallRecorder:
    """Every ``BaseClient._make_api_call`` in the process: SageMaker, runtime, STS, S3, incl. the SDK's own
    clients."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._faults: dict[str, list[BaseException]] = {}
        self._lock = threading.Lock()

    def record(
        self, service: str, operation: str, params: dict[str, Any], endpoint_url: str = ""
    ) -> BaseException | None:
        with self._lock:
            try:
                snapshot = copy.deepcopy(params)
            except Exception:  # a streaming body or file object: keep the reference
                snapshot = dict(params)
            self.calls.append(ApiCall(service, operation, snapshot, endpoint_url))
            queue = self._faults.get(operation) or self._faults.get("*")
            return queue.pop(0) if queue else None

    def operations(self, service: str | None = None) -> list[str]:
        return [c.operation for c in self.calls if service is None or c.service == service]

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.operation == operation]

    def one(self, operation: str) -> dict[str, Any]:
        found = self.of(operation)
        assert len(found) == 1, f"expected one {operation}, got {len(found)}: {self.operations()}"
        return found[0]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def fail(self, operation: str, error: BaseException, times: int = 1) -> None:
        """Raise ``error`` client-side (before any HTTP) for the next ``times`` calls of ``operation``
        (``"*"`` = any operation). For botocore errors moto cannot produce: NoCredentialsError,
        EndpointConnectionError, ReadTimeoutError."""
        with self._lock:
            self._faults.setdefault(operation, []).extend([error] * times)


# Clients the tests create for setup and checks (``AwsEmulator.client``): left out of the IAM audit.
TEST_CLIENTS: weakref.WeakSet[Any] = weakref.WeakSet()
AUDIT = IamAudit()


def install_audit() -> Callable[[], None]:
    """Record the IAM actions of every AWS call the process sends (a stubbed call never is), outside the
    tests' own clients; returns the undo."""
    base_client: Any = importlib.import_module("botocore.client").BaseClient
    original_call: Callable[..., Any] = base_client._make_api_call
    original_request: Callable[..., Any] = base_client._make_request
    current = threading.local()

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        current.params = api_params
        return original_call(self, operation_name, api_params)

    def _make_request(self: Any, operation_model: Any, request_dict: Any, request_context: Any) -> Any:
        if self not in TEST_CLIENTS:
            params = getattr(current, "params", None) or {}
            AUDIT.record(self.meta.service_model.service_name, operation_model.name, params)
        return original_request(self, operation_model, request_dict, request_context)

    base_client._make_api_call = _make_api_call
    base_client._make_request = _make_request

    def undo() -> None:
        base_client._make_api_call = original_call
        base_client._make_request = original_request

    return undo


def install_recorder(monkeypatch: pytest.MonkeyPatch) -> CallRecorder:
    base_client: Any = importlib.import_module("botocore.client").BaseClient
    recorder = CallRecorder()
    original: Callable[..., Any] = base_client._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        fault = recorder.record(
            self.meta.service_model.service_name, operation_name, api_params, str(self.meta.endpoint_url)
        )
        if fault is not None:
            raise fault
        return original(self, operation_name, api_params)

    monkeypatch.setattr(base_client, "_make_api_call", _make_api_call)
    return recorder


# ------------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def aws_emulator_session() -> Iterator[AwsEmulator]:
    handle = ServerHandle()
    emulator = handle.start()
    undo_audit = install_audit()
    try:
        yield emulator
    finally:
        undo_audit()
        handle.stop()
    # The final check: every AWS action the extension needed in this run is granted by the shipped policy.
    missing = AUDIT.missing()
    assert not missing, "docs/iam-policy.json lacks actions the extension used: " + ", ".join(
        f"{action} (by {call})" for action, call in sorted(missing.items())
    )


@pytest.fixture
def aws_emulator(aws_emulator_session: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> AwsEmulator:
    """A clean emulator for this test. The environment is re-asserted per test (another test's monkeypatch may
    have changed it and restored it only after us)."""
    for key, value in emulator_environment(aws_emulator_session.url).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    aws_emulator_session.reset()
    return aws_emulator_session


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> CallRecorder:
    return install_recorder(monkeypatch)
