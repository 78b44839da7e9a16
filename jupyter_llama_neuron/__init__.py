"""jupyter-llama-neuron: Llama 2 on AWS Inferentia2/Trainium (and offline local mode) from JupyterLab.

Importing this package must stay cheap: no sagemaker, torch or transformers here (tests check it).
"""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-llama-neuron"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import LlamaNeuronApp

    return [{"module": "jupyter_llama_neuron", "app": LlamaNeuronApp}]
