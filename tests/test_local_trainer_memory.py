"""When the local trainer's ``auto`` turns gradient checkpointing on (pure functions; no torch needed)."""

from __future__ import annotations

from types import SimpleNamespace

from jupyter_llama_neuron.backends.local.trainer import checkpointing_needed, training_memory_estimate

# SmolLM2-135M's shape (local-mode.md section 2).
SMOLLM2 = SimpleNamespace(num_hidden_layers=30, hidden_size=576, vocab_size=49152)
GB = 2**30


def test_the_estimate_matches_the_measured_peak() -> None:
    # Measured (local-mode.md section 6): 5.7 GB peak at batch 8 x ~120 tokens without checkpointing.
    estimate = training_memory_estimate(SMOLLM2, 134_515_008, 8, 120)
    assert 5.0 * GB < estimate < 6.4 * GB
    # Twice the tokens, about twice the activations.
    assert training_memory_estimate(SMOLLM2, 134_515_008, 16, 120) > 1.8 * estimate - 1 * GB


def test_checkpointing_only_when_training_would_not_fit() -> None:
    estimate = training_memory_estimate(SMOLLM2, 134_515_008, 8, 128)
    assert not checkpointing_needed(estimate, 18 * GB)  # this 24 GB machine: the faster path
    assert checkpointing_needed(estimate, 5 * GB)  # an 8 GB laptop with a browser open
    assert checkpointing_needed(estimate, None)  # unknown memory: the safe choice
