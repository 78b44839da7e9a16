"""The AWS emulator's wire formats: AWS event-stream frames and errors in each service's protocol (so botocore
parses them into a real ClientError); part of ``tests.aws_emulator``."""

from __future__ import annotations

import binascii
import json
import re
import struct
from typing import Any

from tests.aws_emulator_state import ACCOUNT_ID, REGION, InjectedError

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


def exception_event(code: str, message: str) -> bytes:
    """An error inside a 200 response stream (InvokeEndpointWithResponseStream's ModelStreamError and
    InternalStreamFailure), which botocore raises as ``EventStreamError`` while iterating."""
    return encode_event(
        {":message-type": "exception", ":exception-type": code, ":content-type": "application/json"},
        json.dumps({"Message": message}).encode(),
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
