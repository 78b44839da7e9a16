"""The /endpoints REST API with ``LlamaNeuronApp.backend = "sagemaker"``, end to end against the AWS emulator.

Requests go through the real Jupyter server (pytest-jupyter's ``jp_fetch``), the services, the SageMaker
backend and the SageMaker SDK; assertions are on the HTTP answers and on the API calls AWS would receive.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError

from jupyter_llama_neuron.backends.sagemaker import aws_errors
from jupyter_llama_neuron.services import Services
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.aws_emulator_sdk3 import restart_polls
from tests.rest_client import accept_eula, call, sagemaker_config

if TYPE_CHECKING:  # imported by pytest as a plugin (below) so that its asserts are rewritten
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")
OPTION_VARS = (
    "OPTION_N_POSITIONS",
    "OPTION_MAX_ROLLING_BATCH_SIZE",
    "OPTION_TENSOR_PARALLEL_DEGREE",
    "OPTION_DTYPE",
)


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    """The test server runs the SageMaker backend; depending on ``aws_emulator`` puts the emulator's
    environment in place before the server (and so the SDK) starts."""
    return sagemaker_config(tmp_path, aws_emulator)


async def deploy(jp_fetch: Any, **body: Any) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, **body})


def create_calls(aws_calls: CallRecorder) -> list[str]:
    return [op for op in aws_calls.operations() if op.startswith(("Create", "Delete"))]


# -- validation happens before AWS ---------------------------------------------------------------------------


async def test_non_precompiled_config_is_400_and_never_reaches_aws(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_calls.clear()
    config = {
        "instance_type": "ml.inf2.xlarge",
        "n_positions": 4096,
        "max_rolling_batch_size": 1,
        "tensor_parallel_degree": 2,
        "dtype": "fp16",
    }
    code, body = await deploy(jp_fetch, config=config)
    assert code == 400
    assert body["error"]["code"]
    assert aws_calls.calls == []


async def test_missing_eula_is_403_and_never_reaches_aws(jp_fetch: Any, aws_calls: CallRecorder) -> None:
    code, body = await deploy(jp_fetch)
    assert code == 403
    assert body["error"]["code"] == "EulaNotAccepted"
    assert aws_calls.calls == []


# -- the happy path ------------------------------------------------------------------------------------------


async def test_deploy_poll_invoke_delete(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.state.endpoint_creating_polls = 1
    code, created = await deploy(jp_fetch, endpoint_name="llama-demo", client_token="tok-happy")
    assert code == 202, created
    assert (created["name"], created["status"], created["backend"]) == ("llama-demo", "Creating", "sagemaker")
    assert created["instance_type"] == "ml.inf2.xlarge"
    assert created["serving_label"] == "Llama-2-7b (Neuron) on ml.inf2.xlarge"

    model = aws_calls.one("CreateModel")
    assert (
        model["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]["ModelAccessConfig"]["AcceptEula"]
        is True
    )
    environment = model["PrimaryContainer"]["Environment"]
    assert {key: environment[key] for key in OPTION_VARS} == {
        "OPTION_N_POSITIONS": "1024",
        "OPTION_MAX_ROLLING_BATCH_SIZE": "1",
        "OPTION_TENSOR_PARALLEL_DEGREE": "2",
        "OPTION_DTYPE": "fp16",
    }
    tags = {tag["Key"]: tag["Value"] for tag in aws_calls.one("CreateEndpoint")["Tags"]}
    assert tags["jupyter-llama-neuron:creator"] not in ("", "unknown")

    restart_polls(aws_emulator, "endpoint", "llama-demo", 1)  # SDK v3 read the endpoint back once
    statuses = [(await call(jp_fetch, "GET", "endpoints", "llama-demo"))[1]["status"] for _ in range(2)]
    assert statuses == ["Creating", "InService"]

    aws_emulator.queue_results([{"generated_text": " Paris."}])
    code, answer = await call(
        jp_fetch,
        "POST",
        "endpoints",
        "llama-demo",
        "invocations",
        body={"inputs": "The capital of France is", "parameters": {"max_new_tokens": 16}},
    )
    assert code == 200, answer
    assert answer["generated_text"] == " Paris."
    assert aws_calls.one("InvokeEndpoint")["CustomAttributes"] == "accept_eula=true"

    code, deleted = await call(jp_fetch, "DELETE", "endpoints", "llama-demo")
    assert (code, deleted) == (200, {"name": "llama-demo", "deleted": True})
    code, missing = await call(jp_fetch, "GET", "endpoints", "llama-demo")
    assert code == 404
    assert missing["error"]["code"]
    sm = aws_emulator.client("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == []
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []
    assert sm.list_models()["Models"] == []


async def test_double_submit_with_one_client_token_makes_one_endpoint(
    jp_fetch: Any, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    first, second = await asyncio.gather(
        deploy(jp_fetch, client_token="same-click"), deploy(jp_fetch, client_token="same-click")
    )
    assert first[0] == second[0] == 202
    assert first[1]["name"] == second[1]["name"]
    assert aws_calls.operations().count("CreateEndpoint") == 1
    code, listed = await call(jp_fetch, "GET", "endpoints")
    assert code == 200
    assert [endpoint["name"] for endpoint in listed["endpoints"]] == [first[1]["name"]]


async def test_a_new_server_lists_endpoints_created_before(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder, tmp_path: Path
) -> None:
    # "Yesterday's server": its own services, backend and data directory, gone by now.
    previous = Services.create(
        ExtensionSettings(
            backend="sagemaker",
            region=aws_emulator.region,
            role_arn=aws_emulator.role_arn,
            data_dir=tmp_path / "previous-server",
        ),
        log=logging.getLogger("previous-server"),
    )
    try:
        previous.eula.accept(MODEL_7B, "bob")
        made = await previous.endpoints.create(
            {"model_id": MODEL_7B, "endpoint_name": "from-yesterday"}, "bob"
        )
    finally:
        await previous.close()
    aws_emulator.create_plain_endpoint("not-ours")

    aws_calls.clear()
    code, listed = await call(jp_fetch, "GET", "endpoints")
    assert code == 200
    assert [endpoint["name"] for endpoint in listed["endpoints"]] == [made["name"]]
    endpoint = listed["endpoints"][0]
    assert endpoint["model_id"] == MODEL_7B
    assert endpoint["config"]["instance_type"] == "ml.inf2.xlarge"
    assert endpoint["price_per_hour"] is not None
    # One Search, and one tag:GetResources for leftovers of failed deploys (none here).
    assert [op for op in aws_calls.operations() if op not in ("GetCallerIdentity",)] == [
        "Search",
        "GetResources",
    ]
    code, _ = await call(jp_fetch, "DELETE", "endpoints", "not-ours")
    assert code == 404
    assert aws_emulator.client("sagemaker").describe_endpoint(EndpointName="not-ours")


async def test_failed_endpoint_shows_its_reason(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.state.endpoint_creating_polls = 0
    code, _created = await deploy(jp_fetch, endpoint_name="fail-no-capacity")
    assert code == 202
    code, endpoint = await call(jp_fetch, "GET", "endpoints", "fail-no-capacity")
    assert code == 200
    assert endpoint["status"] == "Failed"
    assert endpoint["failure_reason"] == aws_emulator.state.failure_reason
    assert endpoint["cost_so_far"] == 0.0
    # SageMaker allows only DeleteEndpoint on a Failed endpoint: no restart is offered, and asking is a 409.
    assert endpoint["actions"] == []
    aws_calls.clear()
    code, refused = await call(jp_fetch, "POST", "endpoints", "fail-no-capacity", "restart")
    assert (code, refused["error"]["code"]) == (409, "RestartUnsupported"), refused
    assert "Delete it" in refused["error"]["hint"]
    assert not [op for op in aws_calls.operations() if op.startswith(("Create", "Update", "Delete"))]


async def test_status_reports_the_account(jp_fetch: Any, aws_emulator: AwsEmulator) -> None:
    code, status = await call(jp_fetch, "GET", "status")
    assert code == 200
    assert status["backend"] == "sagemaker"
    assert status["account"] == aws_emulator.account_id
    assert status["label"] == f"SageMaker · {aws_emulator.region} · {aws_emulator.account_id}"


# -- AWS errors become JSON errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aws_code", "message", "aws_status", "status", "code", "hint_part"),
    [
        (
            "ResourceLimitExceeded",
            "The account-level service limit 'ml.inf2.xlarge for endpoint usage' is 0 Instances, with "
            "current utilization of 0 Instances and a request delta of 1 Instances.",
            400,
            400,
            "ResourceLimitExceeded",
            "ml.inf2.xlarge for endpoint usage",
        ),
        (
            "AccessDeniedException",
            "User is not authorized to perform: sagemaker:CreateEndpoint",
            400,
            403,
            "AccessDenied",
            "sagemaker:CreateEndpoint",
        ),
        ("ValidationException", "Endpoint config name is invalid", 400, 400, "ValidationException", ""),
        (
            "ExpiredTokenException",
            "The security token included in the request is expired",
            400,
            401,
            "ExpiredToken",
            "Refresh",
        ),
    ],
)
async def test_create_errors_are_json(
    jp_fetch: Any,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    aws_code: str,
    message: str,
    aws_status: int,
    status: int,
    code: str,
    hint_part: str,
) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.inject_error("CreateEndpoint", aws_code, message, status=aws_status)
    http_code, body = await deploy(jp_fetch, endpoint_name="will-fail")
    assert http_code == status, body
    assert body["error"]["code"] == code
    assert hint_part in body["error"]["hint"]
    if code == "ValidationException":
        assert body["error"]["message"] == message


@pytest.mark.parametrize(
    ("aws_code", "status", "code"),
    [
        ("AccessDenied", 403, "AccessDenied"),
        ("ExpiredToken", 401, "ExpiredToken"),
        ("ThrottlingException", 429, "Throttled"),
        ("InternalFailure", 503, "AwsUnavailable"),
    ],
)
async def test_list_errors_are_json(
    jp_fetch: Any,
    aws_emulator: AwsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    aws_code: str,
    status: int,
    code: str,
) -> None:
    monkeypatch.setattr(aws_errors, "THROTTLE_BASE_DELAY_S", 0.001)
    aws_status = {403: 403, 503: 500}.get(status, 400)
    aws_emulator.inject_error("Search", aws_code, f"{aws_code} (emulated)", status=aws_status, times=None)
    http_code, body = await call(jp_fetch, "GET", "endpoints")
    assert http_code == status, body
    assert body["error"]["code"] == code
    assert body["error"]["hint"]


async def test_throttling_is_retried_before_answering(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws_errors, "THROTTLE_BASE_DELAY_S", 0.001)
    # The emulator's AWS_MAX_ATTEMPTS=1 leaves only our own throttle rounds.
    throttled = aws_errors.THROTTLE_ATTEMPTS - 1
    aws_emulator.inject_error("Search", "ThrottlingException", "Rate exceeded", times=throttled)
    code, body = await call(jp_fetch, "GET", "endpoints")
    assert (code, body) == (200, {"endpoints": []})
    assert aws_calls.operations().count("Search") == throttled + 1


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (
            EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
            503,
            "AwsUnreachable",
        ),
        (NoCredentialsError(), 401, "NoCredentials"),
    ],
)
async def test_client_side_failures_are_json(
    jp_fetch: Any, aws_calls: CallRecorder, error: Exception, status: int, code: str
) -> None:
    aws_calls.fail("Search", error)
    http_code, body = await call(jp_fetch, "GET", "endpoints")
    assert http_code == status, body
    assert body["error"]["code"] == code


async def test_unknown_endpoint_is_404(jp_fetch: Any) -> None:
    code, body = await call(jp_fetch, "GET", "endpoints", "nobody-home")
    assert code == 404
    assert body["error"]["code"] == "EndpointNotFound"
    code, body = await call(jp_fetch, "DELETE", "endpoints", "nobody-home")
    assert code == 404
    code, body = await call(jp_fetch, "POST", "endpoints", "nobody-home", "restart")
    assert code == 404
    assert body["error"]["code"] == "EndpointNotFound"
