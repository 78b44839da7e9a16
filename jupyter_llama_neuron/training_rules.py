"""Fine-tuning rules the UI shows as they are: the duration its cost estimate assumes, and what each
hyperparameter means in local mode (LoRA on the local stand-in instead of full fine-tuning on Trainium).

``GET /status`` hands them to the UI (``rules.training``); the model card keeps
``training.duration_assumption``; the local backend applies ``local_plan``.
"""

from __future__ import annotations

from typing import Any

# What the UI's cost estimate assumes (the estimate itself is the frontend's job: price x duration).
DURATION_ASSUMPTION: dict[str, Any] = {
    "minutes": 180,
    "basis": "A full default fine-tuning run of Llama-2-7b (Neuron) on ml.trn1.32xlarge took about 170 "
    "minutes (SageMaker Python SDK canary, 2026); the JumpStart notebook says jobs may take several hours.",
    "note": "An assumption, not a measurement of your job: the time grows with max_steps and the data, and a "
    "job can wait for trn1 capacity (not billed) before it starts. SageMaker bills from the start of "
    "training to its end.",
    "local_seconds_per_step": 6.0,
    "local_basis": "Measured: SmolLM2-135M LoRA at batch 8 on 2 CPU cores, about 6 s per step (1 torch "
    "thread); local mode costs nothing.",
}


# Local meaning of the catalog's hyperparameters; the rest have none (tensor parallelism, precision ...).
LOCAL_DEFAULTS: dict[str, float | int] = {
    "learning_rate": 1e-3,  # LoRA learns at a much higher rate than full fine-tuning (6e-06 on Trainium)
    "max_steps": 20,
    "per_device_train_batch_size": 8,
    "max_input_length": 512,
}
LOCAL_MEANING = {
    "learning_rate": "peak learning rate of the LoRA adapters",
    "max_steps": "optimizer steps",
    "per_device_train_batch_size": "records per step (the whole batch: one CPU process)",
    "max_input_length": "tokens per record; longer records are truncated (capped by the model's context)",
}
NO_LOCAL_MEANING = "no local meaning"
LOCAL_METHOD = "LoRA r=8, alpha=16 on q/k/v/o/gate/up/down, then merged into the model"


def local_plan(hyperparameters: dict[str, str], catalog_defaults: dict[str, str]) -> dict[str, Any]:
    """What the user's hyperparameters mean here: the values the trainer gets and a note per name.

    A value left at the SageMaker default takes local mode's default (LoRA needs other values than full
    fine-tuning on Trainium); a value the user changed is used as given.
    """
    settings: dict[str, dict[str, Any]] = {}
    for name, default in LOCAL_DEFAULTS.items():
        raw = hyperparameters.get(name)
        if raw is not None and not _same_number(raw, catalog_defaults.get(name)):
            value: float | int = float(raw) if name == "learning_rate" else int(float(raw))
            source = "yours"
        else:
            value, source = default, "local default"
        settings[name] = {"value": value, "source": source, "meaning": LOCAL_MEANING[name]}
    ignored = sorted(name for name in hyperparameters if name not in LOCAL_DEFAULTS)
    return {
        "settings": settings,
        "ignored": {name: NO_LOCAL_MEANING for name in ignored},
        "method": LOCAL_METHOD,
    }


def _same_number(value: str, default: str | None) -> bool:
    if default is None:
        return False
    try:
        return float(value) == float(default)
    except ValueError:
        return value == default


def rules_json() -> dict[str, Any]:
    """The ``rules.training`` part of ``GET /status``."""
    return {
        "duration_assumption": dict(DURATION_ASSUMPTION),
        "local_hyperparameters": {
            "method": LOCAL_METHOD,
            "settings": [
                {"name": name, "default": default, "meaning": LOCAL_MEANING[name]}
                for name, default in LOCAL_DEFAULTS.items()
            ],
            "other_meaning": NO_LOCAL_MEANING,
            "note": "A value left at the SageMaker default takes the local default; a value you changed is "
            "used as given.",
        },
    }
