"""The server extension: traitlets configuration, route table and service wiring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Enum, Float, Int, List, Unicode

from .handlers.base import API_PREFIX
from .settings import DEFAULT_LOCAL_MAX_QUEUE, BackendChoice, ExtensionSettings


class LlamaNeuronApp(ExtensionApp):
    """Llama 2 on AWS Neuron (Inferentia2 / Trainium) from JupyterLab, with an offline local mode."""

    name = "jupyter_llama_neuron"
    load_other_extensions = True

    backend = Enum(
        ["auto", "sagemaker", "local"],
        default_value="auto",
        help="Where models run. 'auto' uses SageMaker when AWS credentials and a region resolve within "
        "auto_detect_timeout seconds, else local mode.",
    ).tag(config=True)
    region = Unicode(
        "", help="AWS region. Empty: AWS_REGION / AWS_DEFAULT_REGION / the profile's region."
    ).tag(config=True)
    role_arn = Unicode(
        "",
        help="SageMaker execution role ARN. Empty: the execution role when running in SageMaker Studio.",
    ).tag(config=True)
    s3_bucket = Unicode(
        "", help="Bucket for datasets and training output. Empty: SageMaker's default bucket."
    ).tag(config=True)
    allowed_model_ids = List(
        Unicode(), default_value=[], help="Catalog model ids users may use (empty: all)."
    ).tag(config=True)
    allowed_instance_types = List(
        Unicode(), default_value=[], help="Instance types users may choose (empty: all precompiled ones)."
    ).tag(config=True)
    auto_delete_idle_minutes = Int(
        0,
        help="Delete endpoints with no invocations for this many minutes (0: never). The default for "
        "endpoints without their own setting (deploy form / Resources); at least 5 when set.",
    ).tag(config=True)
    cost_guard_interval = Float(
        60.0, help="Seconds between the cost guard's checks of idle endpoints (it warns, then deletes)."
    ).tag(config=True)
    local_model_paths = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="Local mode: map a catalog model id to a local Hugging Face model folder (e.g. a real "
        "Llama-2-7b-hf). Unmapped ids use the bundled SmolLM2-135M-Instruct stand-in.",
    ).tag(config=True)
    data_dir = Unicode(
        "",
        help="Where EULA records and local-mode state live. Empty: <jupyter data dir>/jupyter_llama_neuron.",
    ).tag(config=True)
    auto_detect_timeout = Float(2.0, help="Seconds 'auto' waits for AWS credentials and a region.").tag(
        config=True
    )
    aws_executor_workers = Int(4, help="Threads for blocking AWS calls.").tag(config=True)
    local_torch_threads = Int(1, help="torch threads per local worker process.").tag(config=True)
    local_standby_worker = Bool(
        True,
        help="Keep one local worker with torch already imported, so the next local deploy starts in about "
        "a second (costs ~350 MB of memory while idle).",
    ).tag(config=True)
    local_max_queue = Int(
        DEFAULT_LOCAL_MAX_QUEUE,
        min=1,
        help="Local mode: requests each endpoint keeps waiting beyond its rolling batch; more are answered "
        "429 EndpointBusy with Retry-After.",
    ).tag(config=True)
    max_upload_mb = Float(
        200.0, help="Largest dataset file a user may upload from the browser, in MB (larger: 413)."
    ).tag(config=True)

    handlers: list[tuple[str, Any]] = []

    def extension_settings(self) -> ExtensionSettings:
        data_dir = Path(self.data_dir or os.path.join(jupyter_data_dir(), "jupyter_llama_neuron"))
        return ExtensionSettings(
            backend=cast(BackendChoice, self.backend),
            region=self.region,
            role_arn=self.role_arn,
            s3_bucket=self.s3_bucket,
            allowed_model_ids=tuple(self.allowed_model_ids),
            allowed_instance_types=tuple(self.allowed_instance_types),
            auto_delete_idle_minutes=self.auto_delete_idle_minutes,
            cost_guard_interval_s=self.cost_guard_interval,
            local_model_paths=dict(self.local_model_paths),
            data_dir=data_dir,
            auto_detect_timeout_s=self.auto_detect_timeout,
            aws_executor_workers=self.aws_executor_workers,
            local_torch_threads=self.local_torch_threads,
            local_standby_worker=self.local_standby_worker,
            local_max_queue=self.local_max_queue,
            max_upload_mb=self.max_upload_mb,
        )

    def initialize_settings(self) -> None:
        from .services import Services

        # Example notebooks are written into the server's contents root (what the file browser shows).
        root_dir = Path(self.serverapp.root_dir) if self.serverapp is not None else None
        services = Services.create(self.extension_settings(), log=self.log, root_dir=root_dir)
        self.settings.update({"jupyter_llama_neuron.services": services})
        self.log.info(
            "jupyter_llama_neuron: backend=%s data_dir=%s", self.backend, services.settings.data_dir
        )

    def initialize_handlers(self) -> None:
        from .handlers.routes import ROUTES

        self.handlers.extend((rf"/{API_PREFIX}{pattern}", handler) for pattern, handler in ROUTES)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """The event loop runs now: start the cost guard's periodic task (stopped in ``stop_extension``)."""
        services = self.settings.get("jupyter_llama_neuron.services")
        if services is not None:
            services.cost_guard.start()

    async def stop_extension(self) -> None:
        services = self.settings.get("jupyter_llama_neuron.services")
        if services is not None:
            await services.close()
