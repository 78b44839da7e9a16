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
  same result queue as InvokeEndpoint (``/moto-api/static/sagemaker/endpoint-results``), paced by
  ``state.stream_part_delay_s`` when set.
* Server-side error injection per operation (``inject_error``), rendered in the service's wire protocol;
  ``inject_quota`` renders SageMaker's ResourceLimitExceeded for an instance type; ``inject_storm`` makes
  operations throttle (ThrottlingException, 400) or fail (InternalFailure 500, ServiceUnavailable 503);
  ``attempts(operation, endpoint)`` counts the HTTP requests received, botocore's retries included;
  ``state.stream_failure`` ends a response stream with an exception event (InternalStreamFailure, ...).
* Strict where AWS is strict (sources in ``docs/aws-fidelity.md``): a job's MetricDefinitions are kept
  and its metrics published to CloudWatch under ``TrainingJobName`` in ``/aws/sagemaker/TrainingJobs``
  (instance metrics under ``Host``); ``deny`` withholds an IAM action (S3 answers a bare "Access Denied";
  PutObject with tags needs ``s3:PutObjectTagging``); ``state.search_lag`` hides new endpoints and jobs from
  Search for that many Search calls (the index is eventually consistent; its real lag is undocumented).
* ``IamAudit``: every AWS action the extension needs across the run, checked against ``docs/iam-policy.json``
  at the end of the session.

This module is the public surface (the handle, environment, call recorder, IAM audit hook and fixtures); the
parts live in ``aws_emulator_state`` (knobs, identities), ``aws_emulator_wire`` (event-stream frames, protocol
errors), ``aws_emulator_moto`` (the moto patch) and ``aws_emulator_sdk3`` (what SDK v3 needs).
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import threading
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.aws_emulator_moto import apply_moto_patches as apply_moto_patches
from tests.aws_emulator_state import ACCOUNT_ID as ACCOUNT_ID
from tests.aws_emulator_state import DEFAULT_FAILURE_REASON as DEFAULT_FAILURE_REASON
from tests.aws_emulator_state import FAIL_MARKER as FAIL_MARKER
from tests.aws_emulator_state import FIXTURES_DIR as FIXTURES_DIR
from tests.aws_emulator_state import JUMPSTART_DIR as JUMPSTART_DIR
from tests.aws_emulator_state import REGION as REGION
from tests.aws_emulator_state import ROLE_ARN as ROLE_ARN
from tests.aws_emulator_state import STATE as STATE
from tests.aws_emulator_state import TRIPWIRE_PROXY as TRIPWIRE_PROXY
from tests.aws_emulator_state import EmulatorState as EmulatorState
from tests.aws_emulator_state import InjectedError as InjectedError
from tests.aws_emulator_wire import encode_event as encode_event
from tests.aws_emulator_wire import payload_part as payload_part
from tests.aws_emulator_wire import render_error as render_error
from tests.iam_actions import IamAudit

log = logging.getLogger(__name__)


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

    def inject_storm(
        self, operations: tuple[str, ...], kind: str = "throttling", *, times: int | None = None
    ) -> None:
        """A storm on each of ``operations``: its next ``times`` requests (None: all) fail as AWS fails under
        load. ``kind`` "throttling": SageMaker's ThrottlingException (HTTP 400, "Rate exceeded");
        "internal": InternalFailure (500); "unavailable": ServiceUnavailable (503). Shapes: botocore's
        sagemaker and sagemaker-runtime service models (docs/aws-fidelity.md, "Retries")."""
        code, message, status = {
            "throttling": ("ThrottlingException", "Rate exceeded", 400),
            "internal": ("InternalFailure", "An internal failure occurred.", 500),
            "unavailable": ("ServiceUnavailable", "The service is unavailable. Try your call again.", 503),
        }[kind]
        for operation in operations:
            self.inject_error(operation, code, message, status=status, times=times)

    def attempts(self, operation: str, name: str = "") -> int:
        """HTTP requests received for ``operation`` (on endpoint ``name``), retries included."""
        with STATE.lock:
            return STATE.attempts.get((operation, name), 0)

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
