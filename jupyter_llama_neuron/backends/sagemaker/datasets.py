"""Training data in S3: reading an ``s3://`` dataset for the preflight, and storing a rendered training file
under SageMaker's default bucket (created when missing, as the SDK does).

These run on the session's dataset pool (``AwsSession.run_dataset``): reading a large file can take minutes
and must not hold up endpoint calls.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError

from ...errors import ApiError, BadRequest
from ..base import MANAGED_TAG, StoredDataset
from .aws_errors import aws_errors, call_aws, translate
from .session import AwsSession

DATASETS_PREFIX = "jupyter-llama-neuron/datasets"
MANAGED_TAGGING = f"{MANAGED_TAG}=true"
MAX_LISTED_FILES = 1000
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    match = _S3_URI.match(uri)
    if not match:
        raise BadRequest(f"{uri!r} is not an s3://bucket/key URI.", code="InvalidUri")
    return match.group(1), match.group(2) or ""


class _StreamingBodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, so ``io.BufferedReader`` can offer ``readline(limit)``."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class S3Datasets:
    """Dataset storage of the SageMaker backend (blocking methods: call them on the dataset pool)."""

    def __init__(self, aws: AwsSession, log: logging.Logger) -> None:
        self._aws = aws
        self._log = log

    def files(self, uri: str) -> list[tuple[str, int]]:
        """The object ``key`` itself, else the files under the prefix ``key/`` (folder markers left out), as
        (``s3://`` URI, size)."""
        bucket, key = parse_s3_uri(uri)
        s3 = self._aws.client("s3")
        if key and not key.endswith("/"):
            found = call_aws(s3.list_objects_v2, {"Bucket": bucket, "Prefix": key, "MaxKeys": 1})
            for item in found.get("Contents", []):
                if item["Key"] == key:
                    return [(f"s3://{bucket}/{key}", int(item["Size"]))]
            key += "/"
        files: list[tuple[str, int]] = []
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
        while len(files) <= MAX_LISTED_FILES:
            page = call_aws(s3.list_objects_v2, params)
            files += [
                (f"s3://{bucket}/{item['Key']}", int(item["Size"]))
                for item in page.get("Contents", [])
                if not item["Key"].endswith("/")
            ]
            if not page.get("IsTruncated"):
                break
            params["ContinuationToken"] = page["NextContinuationToken"]
        return files

    @contextmanager
    def open(self, uri: str) -> Iterator[IO[bytes]]:
        """One object, streamed (never held in memory)."""
        bucket, key = parse_s3_uri(uri)
        response = call_aws(self._aws.client("s3").get_object, {"Bucket": bucket, "Key": key})
        stream = io.BufferedReader(_StreamingBodyReader(response["Body"]), buffer_size=1 << 20)
        try:
            yield stream
        finally:
            stream.close()

    def store(self, folder: Path, filename: str, dataset_id: str) -> StoredDataset:
        bucket = self.ensure_default_bucket()
        key = f"{DATASETS_PREFIX}/{dataset_id}/{filename}"
        with aws_errors("PutObject", iam_prefix="s3"):
            # upload_file streams from disk (multipart above 8 MB): the file is never held in memory.
            self._aws.client("s3").upload_file(
                str(folder / filename),
                bucket,
                key,
                ExtraArgs={"ContentType": "application/jsonlines", "Tagging": MANAGED_TAGGING},
            )
        return StoredDataset(
            uri=f"s3://{bucket}/{key}", train_channel_uri=f"s3://{bucket}/{DATASETS_PREFIX}/{dataset_id}/"
        )

    def ensure_default_bucket(self) -> str:
        """settings.s3_bucket, else SageMaker's default bucket, created when missing (as the SDK does)."""
        if self._aws.settings.s3_bucket:
            return self._aws.settings.s3_bucket
        bucket = self._aws.default_bucket()
        region = self._aws.region
        s3 = self._aws.client("s3")
        try:
            s3.head_bucket(Bucket=bucket)
            return bucket
        except ClientError as err:
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != 404 and err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise translate(err, operation="HeadBucket", iam_prefix="s3") from err
        params: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            call_aws(s3.create_bucket, params)
        except ApiError as err:
            if err.code not in ("BucketAlreadyOwnedByYou",):
                raise
        self._log.info("jupyter_llama_neuron: created the default bucket %s", bucket)
        return bucket
