"""The moto patch of the AWS emulator: what the extension's SageMaker flow needs and moto 5.2.5 lacks (see
``tests.aws_emulator``'s docstring for the list and ``docs/aws-fidelity.md`` for the AWS sources)."""

from __future__ import annotations

import importlib
import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.aws_emulator_sdk3 import apply_sdk3_patches
from tests.aws_emulator_state import FAIL_MARKER, STATE
from tests.aws_emulator_wire import (
    access_denied,
    exception_event,
    payload_part,
    render_error,
    resource_arn,
    split_stream_body,
)
from tests.iam_actions import actions_for

_PATCHED = False
# The runtime names the endpoint in the path (/endpoints/<name>/invocations...), not in a JSON body.
_RUNTIME_PATH = re.compile(r"/endpoints/([^/]+)/invocations")


def _paced(parts: list[bytes], delay_s: float) -> Iterator[bytes]:
    for index, part in enumerate(parts):
        if index:
            time.sleep(delay_s)
        yield part


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
            chunk_bytes, delay = STATE.stream_chunk_bytes, STATE.stream_part_delay_s
            failure = STATE.stream_failure
        chunks = split_stream_body(body, content_type, chunk_bytes)
        if failure is not None:
            chunks = chunks[: failure[2]]
        parts = [payload_part(chunk) for chunk in chunks]
        if failure is not None:
            parts.append(exception_event(failure[0], failure[1]))
        frames: Any = b"".join(parts) if delay <= 0 else _paced(parts, delay)  # a generator: Flask streams it
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
        named = params.get("EndpointName") if isinstance(params, dict) else None
        runtime_path = _RUNTIME_PATH.search(str(getattr(self, "path", "") or ""))
        STATE.count_attempt(operation, str(named or (runtime_path.group(1) if runtime_path else "")))
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

    apply_sdk3_patches()  # what SageMaker Python SDK v3 calls and moto lacks (Hub APIs, ...)


# ------------------------------------------------------------------------------------------------------------
# The handle tests use
