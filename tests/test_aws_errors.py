"""Every branch of the botocore → ApiError translation (botocore Stubber: no network, no emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
)
from botocore.stub import Stubber

from jupyter_llama_neuron.backends.sagemaker import aws_errors
from jupyter_llama_neuron.backends.sagemaker.aws_errors import aws_errors as aws_error_context
from jupyter_llama_neuron.backends.sagemaker.aws_errors import call_aws, translate
from jupyter_llama_neuron.errors import ApiError, NotFound


def _client(service: str) -> Any:
    factory: Any = boto3.client
    return factory(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def sagemaker() -> Iterator[tuple[Any, Stubber]]:
    client = _client("sagemaker")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _fail(client: Any, method: str, params: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as info:
        call_aws(getattr(client, method), params, sleep=lambda _s: None)
    assert isinstance(info.value.__cause__, ClientError)
    return info.value


def _client_error(code: str, message: str, status: int, operation: str = "CreateEndpoint") -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


# -- credentials ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error", [NoCredentialsError(), PartialCredentialsError(provider="env", cred_var="k")]
)
def test_missing_credentials_are_401_with_setup_hint(error: Exception) -> None:
    translated = translate(error)
    assert isinstance(translated, ApiError)
    assert (translated.status, translated.code) == (401, "NoCredentials")
    assert "Studio" in translated.hint
    assert "aws configure" in translated.hint


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "RequestExpired"])
def test_expired_credentials_are_401_refresh(code: str) -> None:
    client = _client("sts")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "get_caller_identity", code, "The security token included in the request is expired", 403
        )
        err = _fail(client, "get_caller_identity", {})
    assert (err.status, err.code) == (401, "ExpiredToken")
    assert "refresh your credentials" in err.hint.lower()


def test_sso_token_problems_are_expired_credentials() -> None:
    class SSOTokenLoadError(Exception):  # same name botocore uses; matched by name to avoid version coupling
        pass

    translated = translate(SSOTokenLoadError("token expired"))
    assert isinstance(translated, ApiError)
    assert translated.code == "ExpiredToken"


@pytest.mark.parametrize(
    "code", ["InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"]
)
def test_rejected_credentials_are_401(code: str) -> None:
    translated = translate(_client_error(code, "The security token included in the request is invalid.", 403))
    assert isinstance(translated, ApiError)
    assert (translated.status, translated.code) == (401, "InvalidCredentials")


# -- permissions ---------------------------------------------------------------------------------------------


def test_access_denied_names_the_permission_from_the_message(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "create_endpoint",
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: "
        "sagemaker:CreateEndpoint on resource: arn:aws:sagemaker:us-east-1:123456789012:endpoint/e1 "
        "because no identity-based policy allows it",
        400,
    )
    err = _fail(client, "create_endpoint", {"EndpointName": "e1", "EndpointConfigName": "c1"})
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "sagemaker:CreateEndpoint" in err.message
    assert "sagemaker:CreateEndpoint" in err.hint
    assert err.details["permission"] == "sagemaker:CreateEndpoint"


@pytest.mark.parametrize("code", ["AccessDenied", "UnauthorizedOperation"])
def test_access_denied_without_detail_uses_the_operation(sagemaker: tuple[Any, Stubber], code: str) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("delete_endpoint", code, "Access denied", 403)
    err = _fail(client, "delete_endpoint", {"EndpointName": "e1"})
    assert err.status == 403
    assert err.details["permission"] == "sagemaker:DeleteEndpoint"


def test_runtime_permission_prefix_is_sagemaker() -> None:
    client = _client("sagemaker-runtime")
    with Stubber(client) as stubber:
        stubber.add_client_error("invoke_endpoint", "AccessDeniedException", "denied", 403)
        err = _fail(client, "invoke_endpoint", {"EndpointName": "e1", "Body": b"{}"})
    assert err.details["permission"] == "sagemaker:InvokeEndpoint"


# -- quotas --------------------------------------------------------------------------------------------------


def test_endpoint_quota_is_named(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "create_endpoint",
        "ResourceLimitExceeded",
        "The account-level service limit 'ml.inf2.xlarge for endpoint usage' is 0 Instances, with current "
        "utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to "
        "request an increase for this quota.",
        400,
    )
    err = _fail(client, "create_endpoint", {"EndpointName": "e1", "EndpointConfigName": "c1"})
    assert (err.status, err.code) == (400, "ResourceLimitExceeded")
    assert "ml.inf2.xlarge for endpoint usage" in err.hint
    assert "Service Quota" in err.hint
    assert "account-level service limit" in err.message


def test_training_quota_is_derived_when_the_message_has_no_quoted_name() -> None:
    translated = translate(
        _client_error(
            "ResourceLimitExceeded", "Limit exceeded for ml.trn1.32xlarge", 400, "CreateTrainingJob"
        )
    )
    assert isinstance(translated, ApiError)
    assert translated.details["quota"] == "ml.trn1.32xlarge for training job usage"
    assert "ml.trn1.32xlarge for training job usage" in translated.hint


def test_quota_without_any_instance_still_hints() -> None:
    translated = translate(_client_error("ResourceLimitExceeded", "Too many endpoints", 400))
    assert isinstance(translated, ApiError)
    assert translated.status == 400
    assert "quota" in translated.hint.lower()
    assert "quota" not in translated.details


# -- validation ----------------------------------------------------------------------------------------------


def test_validation_exception_is_400_with_aws_message(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("create_endpoint", "ValidationException", "Endpoint name is too long", 400)
    err = _fail(client, "create_endpoint", {"EndpointName": "e1", "EndpointConfigName": "c1"})
    assert (err.status, err.code, err.message) == (400, "ValidationException", "Endpoint name is too long")


def test_could_not_find_is_404(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "describe_endpoint",
        "ValidationException",
        'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/nope".',
        400,
    )
    err = _fail(client, "describe_endpoint", {"EndpointName": "nope"})
    assert isinstance(err, NotFound)
    assert err.status == 404


def test_invalid_parameters_are_400() -> None:
    client = _client("sagemaker")
    with pytest.raises(ApiError) as info:
        call_aws(client.describe_endpoint, {"EndpointName": 123})
    assert (info.value.status, info.value.code) == (400, "InvalidParameter")


def test_no_region_is_400_naming_the_setting() -> None:
    translated = translate(NoRegionError())
    assert isinstance(translated, ApiError)
    assert translated.code == "NoRegion"
    assert "c.LlamaNeuronApp.region" in translated.hint


# -- throttling ----------------------------------------------------------------------------------------------


def test_throttling_is_retried_with_backoff_then_succeeds(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("list_endpoints", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error("list_endpoints", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_response("list_endpoints", {"Endpoints": []})
    sleeps: list[float] = []
    # Three rounds (the default is two) to see the delay double.
    result = call_aws(client.list_endpoints, {}, sleep=sleeps.append, base_delay_s=0.1, attempts=3)
    assert result["Endpoints"] == []
    assert len(sleeps) == 2
    assert 0.1 <= sleeps[0] <= 0.2
    assert 0.2 <= sleeps[1] <= 0.3


def test_throttling_gives_up_after_bounded_attempts(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    for _ in range(aws_errors.THROTTLE_ATTEMPTS):
        stubber.add_client_error("list_endpoints", "ThrottlingException", "Rate exceeded", 400)
    sleeps: list[float] = []
    with pytest.raises(ApiError) as info:
        call_aws(client.list_endpoints, {}, sleep=sleeps.append)
    assert (info.value.status, info.value.code) == (429, "Throttled")
    assert "try again" in info.value.hint.lower()
    assert len(sleeps) == aws_errors.THROTTLE_ATTEMPTS - 1


def test_other_errors_are_not_retried(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("list_endpoints", "ValidationException", "bad", 400)
    sleeps: list[float] = []
    with pytest.raises(ApiError):
        call_aws(client.list_endpoints, {}, sleep=sleeps.append)
    assert sleeps == []


# -- network -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"),
        ProxyConnectionError(proxy_url="http://127.0.0.1:9"),
    ],
)
def test_unreachable_aws_is_503_with_network_hint(error: Exception) -> None:
    translated = translate(error)
    assert isinstance(translated, ApiError)
    assert (translated.status, translated.code) == (503, "AwsUnreachable")
    assert "VPC" in translated.hint


# -- everything else -----------------------------------------------------------------------------------------


def test_other_4xx_pass_through_with_aws_code(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("delete_endpoint", "ResourceInUse", "Endpoint is updating", 409)
    err = _fail(client, "delete_endpoint", {"EndpointName": "e1"})
    assert (err.status, err.code) == (409, "ResourceInUse")
    assert "Endpoint is updating" in err.message


def test_model_error_carries_the_container_message() -> None:
    client = _client("sagemaker-runtime")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "invoke_endpoint",
            "ModelError",
            "Received server error (500) from primary",
            424,
            service_error_meta={"OriginalMessage": "CUDA out of memory"},
        )
        err = _fail(client, "invoke_endpoint", {"EndpointName": "e1", "Body": b"{}"})
    assert (err.status, err.code) == (424, "ModelError")
    assert "CUDA out of memory" in err.message
    assert "CloudWatch" in err.hint


@pytest.mark.parametrize(
    ("code", "status", "expected_status", "expected_code"),
    [
        ("ServiceUnavailable", 503, 503, "AwsUnavailable"),
        ("InternalFailure", 500, 503, "AwsUnavailable"),
        ("SomethingUnexpected", 500, 502, "AwsError"),
    ],
)
def test_server_side_errors(code: str, status: int, expected_status: int, expected_code: str) -> None:
    translated = translate(_client_error(code, "boom", status))
    assert isinstance(translated, ApiError)
    assert (translated.status, translated.code) == (expected_status, expected_code)


def test_non_aws_errors_are_left_alone() -> None:
    error = KeyError("x")
    assert translate(error) is error
    api_error = ApiError("mine")
    assert translate(api_error) is api_error


def test_context_manager_translates_and_chains() -> None:
    original = _client_error("ValidationException", "nope", 400)
    with pytest.raises(ApiError) as info, aws_error_context("CreateEndpoint"):
        raise original
    assert info.value.__cause__ is original
    with pytest.raises(ZeroDivisionError), aws_error_context():
        _ = 1 / 0


def test_json_shape() -> None:
    translated = translate(_client_error("AccessDenied", "no", 403))
    assert isinstance(translated, ApiError)
    body = translated.to_json()["error"]
    assert set(body) >= {"code", "message", "hint"}
