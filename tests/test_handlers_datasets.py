"""The /datasets REST API through the real Jupyter server: pasted data, streamed uploads with the size limit,
``upload://`` preflight, storing in local mode, and SageMaker mode (S3) against the AWS emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from tests.rest_client import sagemaker_config

from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

API = ("llama-neuron", "api", "v1")
UPLOAD_LIMIT_MB = 0.05  # 52,428 bytes: small enough to exceed in a test
ROWS = [
    {"instruction": f"What is {i} + {i}?", "context": "Arithmetic {braces}.", "response": f"{2 * i}"}
    for i in range(12)
]
JSONL = "\n".join(json.dumps(row) for row in ROWS) + "\n"


@pytest.fixture
def llama_neuron_config(tmp_path: Path) -> dict[str, Any]:
    return {"backend": "local", "data_dir": str(tmp_path / "data"), "max_upload_mb": UPLOAD_LIMIT_MB}


async def call(
    jp_fetch: Callable[..., Awaitable[HTTPResponse]], *path: str, body: Any = None, **kwargs: Any
) -> tuple[int, Any]:
    if body is not None:
        kwargs["body"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = await jp_fetch(*API, *path, method="POST", raise_error=False, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


def read_stored(file_uri: str) -> str:
    return Path(file_uri.removeprefix("file://")).read_text(encoding="utf-8")


async def upload(jp_fetch: Any, filename: str, data: bytes) -> tuple[int, Any]:
    return await call(jp_fetch, "datasets", "uploads", body=data, params={"filename": filename})


# -- local mode ----------------------------------------------------------------------------------------------


async def test_preflight_of_pasted_instruction_data(jp_fetch: Any) -> None:
    code, report = await call(
        jp_fetch,
        "datasets",
        "preflight",
        body={
            "filename": "dolly.jsonl",
            "content": JSONL,
            "dataset_format": "instruction",
            "max_input_length": 128,
        },
    )
    assert code == 200, report
    assert_matches("PreflightReport", report)
    assert report["ok"]
    assert report["records"] == 12
    assert report["error_count"] == 0
    assert len(report["samples"]) == 3
    assert "Arithmetic {braces}." in report["samples"][0]["text"]
    assert report["max_input_length"] == 128
    assert report["histogram"][-1]["min"] == 129
    assert report["token_count_method"] in ("exact", "estimate")
    assert report["token_count_note"]
    # The preview ends with the template's <s>; the note says where each <s> comes from.
    assert report["samples"][0]["text"].endswith("<s>")
    assert "<s> at the end of each sample comes from the template" in report["token_count_note"]
    assert "<s> at the start is added when the text is tokenized" in report["token_count_note"]
    assert len(report["heldout_prompts"]) == 10
    assert report["heldout_prompts"][-1]["prompt"].endswith("### Response:\n")
    assert report["source"] == {"kind": "pasted", "filename": "dolly.jsonl", "bytes": len(JSONL.encode())}


async def test_preflight_reports_line_errors_with_200(jp_fetch: Any) -> None:
    content = JSONL + '{"instruction": "x", "context": "y"}\n{oops\n'
    code, report = await call(
        jp_fetch,
        "datasets",
        "preflight",
        body={"filename": "d.jsonl", "content": content, "dataset_format": "instruction"},
    )
    assert code == 200
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(13, "MissingField"), (14, "InvalidJSON")]
    assert not report["ok"]


@pytest.mark.parametrize(
    ("body", "status", "error_code"),
    [
        ({"filename": "d.jsonl", "content": "x", "dataset_format": "chat"}, 400, "UnknownFormat"),
        (
            {
                "filename": "d.jsonl",
                "content": "x",
                "dataset_format": "instruction",
                "template": "{instruction}",
            },
            400,
            "InvalidTemplate",
        ),
        ({"uri": "s3://bucket/key.jsonl", "dataset_format": "domain"}, 400, "S3InLocalMode"),
        ({"uri": "upload://" + "0" * 32 + "/a.jsonl", "dataset_format": "domain"}, 404, "UploadNotFound"),
        ({"uri": "upload://../../etc/passwd", "dataset_format": "domain"}, 400, "InvalidUri"),
        (
            {"filename": "d.txt", "content": "x" * (1024 * 1024 + 1), "dataset_format": "domain"},
            413,
            "PayloadTooLarge",
        ),
        (
            {"filename": "../d.txt", "content": "x", "dataset_format": "domain", "extra": 1},
            400,
            "InvalidBody",
        ),
    ],
)
async def test_bad_requests_are_clear_4xx(
    jp_fetch: Any, body: dict[str, Any], status: int, error_code: str
) -> None:
    code, answer = await call(jp_fetch, "datasets", "preflight", body=body)
    assert (code, answer["error"]["code"]) == (status, error_code), answer
    assert answer["error"]["message"]


async def test_streamed_upload_then_preflight_and_store(jp_fetch: Any, llama_services: Any) -> None:
    code, uploaded = await upload(jp_fetch, "dolly.jsonl", JSONL.encode())
    assert code == 201, uploaded
    assert_matches("UploadResult", uploaded)
    assert uploaded["uri"] == f"upload://{uploaded['upload_id']}/dolly.jsonl"
    data_dir = Path(llama_services.settings.data_dir)
    stored_upload = data_dir / "uploads" / uploaded["upload_id"] / "dolly.jsonl"
    assert stored_upload.read_bytes() == JSONL.encode()
    assert uploaded["bytes"] == len(JSONL.encode())

    body = {"uri": uploaded["uri"], "dataset_format": "instruction", "holdout": 2}
    code, report = await call(jp_fetch, "datasets", "preflight", body=body)
    assert code == 200
    assert report["ok"]
    assert report["source"]["kind"] == "upload"
    assert report["train_records"] == 10
    assert [p["reference"] for p in report["heldout_prompts"]] == ["20", "22"]

    code, stored = await call(jp_fetch, "datasets", body=body)
    assert code == 201, stored
    assert_matches("StoredDataset", stored)
    assert stored["backend"] == "local"
    assert stored["records"] == 10
    assert stored["heldout_records"] == 2
    path = data_dir / "local" / "datasets" / stored["dataset_id"] / "train.jsonl"
    assert stored["uri"] == path.resolve().as_uri()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10
    assert all(list(line) == ["text"] for line in lines)
    assert lines[0]["text"].startswith("Below is an instruction")
    assert "Arithmetic {braces}." in lines[0]["text"]
    assert not (data_dir / "staging" / stored["dataset_id"]).exists()


async def test_store_refuses_a_dataset_with_errors(jp_fetch: Any, llama_services: Any) -> None:
    code, answer = await call(
        jp_fetch,
        "datasets",
        body={"filename": "d.jsonl", "content": JSONL + "{oops\n", "dataset_format": "instruction"},
    )
    assert code == 400
    assert answer["error"]["code"] == "DatasetHasErrors"
    assert answer["error"]["details"]["errors"][0]["line"] == 13
    data_dir = Path(llama_services.settings.data_dir)
    assert (
        not list((data_dir / "local" / "datasets").glob("*"))
        if (data_dir / "local" / "datasets").exists()
        else True
    )
    assert not list((data_dir / "staging").glob("*"))


async def test_txt_domain_upload(jp_fetch: Any) -> None:
    code, uploaded = await upload(jp_fetch, "corpus.txt", b"Llamas hum.\n\nAlpacas too {x}.\n")
    assert code == 201
    code, stored = await call(jp_fetch, "datasets", body={"uri": uploaded["uri"], "dataset_format": "domain"})
    assert code == 201
    assert stored["records"] == 2
    text = read_stored(stored["uri"])
    assert [json.loads(line)["text"] for line in text.splitlines()] == ["Llamas hum.", "Alpacas too {x}."]


async def test_upload_over_the_limit_with_content_length_is_413(jp_fetch: Any, llama_services: Any) -> None:
    code, answer = await upload(jp_fetch, "big.jsonl", b"x" * 60_000)
    assert code == 413
    assert answer["error"]["code"] == "PayloadTooLarge"
    assert "0.05 MB" in answer["error"]["message"]
    assert not list((Path(llama_services.settings.data_dir) / "uploads").glob("*/*"))


async def test_chunked_upload_over_the_limit_is_413_and_the_partial_file_is_removed(
    jp_fetch: Any, llama_services: Any
) -> None:
    uploads = Path(llama_services.settings.data_dir) / "uploads"
    seen_partial: list[bool] = []

    async def produce(write: Callable[[bytes], Awaitable[None]]) -> None:
        for _ in range(8):  # 8 x 10 KB > the 52 KB limit; no Content-Length, so the server counts
            await write(b"y" * 10_000)
            await asyncio.sleep(0.05)  # the server runs on this loop: let it take the chunk
            seen_partial.append(any(uploads.glob("*/*.part")))

    code, answer = await call(
        jp_fetch,
        "datasets",
        "uploads",
        params={"filename": "big.jsonl"},
        body_producer=produce,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert code == 413, answer
    assert answer["error"]["code"] == "PayloadTooLarge"
    assert any(seen_partial)  # chunks really were written to disk before the limit was hit...
    assert not list(uploads.glob("*/*"))  # ...and nothing is left


async def test_upload_needs_a_safe_filename(jp_fetch: Any) -> None:
    code, answer = await call(jp_fetch, "datasets", "uploads", body=b"x", params={"filename": ".hidden"})
    assert code == 400
    assert answer["error"]["code"] == "InvalidFilename"


async def test_upload_without_a_token_stores_nothing(jp_fetch: Any, llama_services: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            *API,
            "datasets",
            "uploads",
            method="POST",
            body=b"x",
            params={"filename": "a.jsonl"},
            headers={"Authorization": ""},
        )
    assert info.value.code in (401, 403)
    assert not (Path(llama_services.settings.data_dir) / "uploads").exists() or not list(
        (Path(llama_services.settings.data_dir) / "uploads").iterdir()
    )


# -- SageMaker mode against the emulator ---------------------------------------------------------------------


class TestSageMaker:
    @pytest.fixture
    def llama_neuron_config(self, tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
        return {
            "backend": "sagemaker",
            "region": aws_emulator.region,
            "role_arn": aws_emulator.role_arn,
            "data_dir": str(tmp_path / "data"),
            "aws_executor_workers": 2,
        }

    @pytest.fixture
    def s3(self, aws_emulator: AwsEmulator) -> Any:
        client = aws_emulator.client("s3")
        client.create_bucket(Bucket="analyst-data")
        client.put_object(Bucket="analyst-data", Key="one/train.jsonl", Body=JSONL.encode())
        client.put_object(Bucket="analyst-data", Key="two/a.jsonl", Body=JSONL.encode())
        client.put_object(Bucket="analyst-data", Key="two/b.jsonl", Body=JSONL.encode())
        return client

    async def test_s3_file_and_prefix_with_one_file_are_read(self, jp_fetch: Any, s3: Any) -> None:
        for uri in ("s3://analyst-data/one/train.jsonl", "s3://analyst-data/one", "s3://analyst-data/one/"):
            code, report = await call(
                jp_fetch, "datasets", "preflight", body={"uri": uri, "dataset_format": "instruction"}
            )
            assert code == 200, report
            assert report["ok"], uri
            assert report["records"] == 12, uri
            assert report["source"]["uri"] == "s3://analyst-data/one/train.jsonl"

    async def test_s3_prefix_with_two_files_is_an_error(self, jp_fetch: Any, s3: Any) -> None:
        code, report = await call(
            jp_fetch,
            "datasets",
            "preflight",
            body={"uri": "s3://analyst-data/two/", "dataset_format": "instruction"},
        )
        assert code == 200
        assert_matches("PreflightReport", report)
        assert [e["code"] for e in report["errors"]] == ["MoreThanOneFile"]
        assert "2 files" in report["errors"][0]["message"]
        assert report["records"] == 0
        code, answer = await call(
            jp_fetch, "datasets", body={"uri": "s3://analyst-data/two", "dataset_format": "instruction"}
        )
        assert code == 400
        assert answer["error"]["code"] == "DatasetHasErrors"

    async def test_missing_bucket_passes_through_as_4xx(self, jp_fetch: Any, s3: Any) -> None:
        code, answer = await call(
            jp_fetch,
            "datasets",
            "preflight",
            body={"uri": "s3://no-such-bucket-here/x.jsonl", "dataset_format": "domain"},
        )
        assert code == 404, answer
        assert answer["error"]["code"] == "NoSuchBucket"

    async def test_store_puts_train_jsonl_into_the_default_bucket(
        self, jp_fetch: Any, s3: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
    ) -> None:
        code, stored = await call(
            jp_fetch,
            "datasets",
            body={"uri": "s3://analyst-data/one/train.jsonl", "dataset_format": "instruction"},
        )
        assert code == 201, stored
        assert_matches("StoredDataset", stored)
        bucket = f"sagemaker-{aws_emulator.region}-{aws_emulator.account_id}"
        key = f"jupyter-llama-neuron/datasets/{stored['dataset_id']}/train.jsonl"
        assert stored["uri"] == f"s3://{bucket}/{key}"
        assert stored["backend"] == "sagemaker"
        assert (
            stored["train_channel_uri"]
            == f"s3://{bucket}/jupyter-llama-neuron/datasets/{stored['dataset_id']}/"
        )
        assert "CreateBucket" in aws_calls.operations("s3")  # the default bucket did not exist yet
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        texts = [json.loads(line)["text"] for line in body.splitlines()]
        assert len(texts) == 12
        assert texts[0].endswith("### Response:\n0\n\n<s>")
        listed = s3.list_objects_v2(
            Bucket=bucket, Prefix=f"jupyter-llama-neuron/datasets/{stored['dataset_id']}/"
        )
        assert [item["Key"] for item in listed["Contents"]] == [
            key
        ]  # the train channel holds exactly one file
        # No object tags: setting them needs s3:PutObjectTagging, which AmazonSageMakerFullAccess lacks.
        assert s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == []

    async def test_store_works_without_object_tagging_permission(
        self, jp_fetch: Any, s3: Any, aws_emulator: AwsEmulator
    ) -> None:
        aws_emulator.deny("s3:PutObjectTagging")  # as with AmazonSageMakerFullAccess
        code, stored = await call(
            jp_fetch,
            "datasets",
            body={"uri": "s3://analyst-data/one/train.jsonl", "dataset_format": "instruction"},
        )
        assert code == 201, stored

    async def test_a_denied_upload_names_the_permission_and_object(
        self, jp_fetch: Any, s3: Any, aws_emulator: AwsEmulator
    ) -> None:
        bucket = f"sagemaker-{aws_emulator.region}-{aws_emulator.account_id}"
        s3.create_bucket(Bucket=bucket)
        aws_emulator.deny("s3:PutObject", f"arn:aws:s3:::{bucket}/*")
        code, answer = await call(
            jp_fetch,
            "datasets",
            body={"uri": "s3://analyst-data/one/train.jsonl", "dataset_format": "instruction"},
        )
        assert code == 403, answer
        error = answer["error"]
        assert error["code"] == "AccessDenied"
        assert f"s3:PutObject on arn:aws:s3:::{bucket}/jupyter-llama-neuron/datasets/" in error["message"]
        assert "s3:PutObject" in error["hint"]
        assert "PutObjectTagging" not in error["message"]


class TestSageMakerConfiguredBucket:
    """``c.LlamaNeuronApp.s3_bucket`` set: datasets go there instead of SageMaker's default bucket."""

    @pytest.fixture
    def llama_neuron_config(self, tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
        return sagemaker_config(tmp_path, aws_emulator, s3_bucket="analyst-data")

    @pytest.fixture
    def s3(self, aws_emulator: AwsEmulator) -> Any:
        client = aws_emulator.client("s3")
        client.create_bucket(Bucket="analyst-data")
        return client

    async def test_store_pasted_data_into_the_configured_bucket(self, jp_fetch: Any, s3: Any) -> None:
        code, stored = await call(
            jp_fetch,
            "datasets",
            body={"filename": "notes.txt", "content": "one\ntwo\n", "dataset_format": "domain"},
        )
        assert code == 201, stored
        assert stored["uri"].startswith("s3://analyst-data/jupyter-llama-neuron/datasets/")
        key = stored["uri"].removeprefix("s3://analyst-data/")
        assert s3.get_object(Bucket="analyst-data", Key=key)["Body"].read() == (
            b'{"text": "one"}\n{"text": "two"}\n'
        )
