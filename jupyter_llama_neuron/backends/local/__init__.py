"""Local mode: real small Llama-architecture models served, converted and fine-tuned in subprocesses.

One module per job: ``backend`` (``LocalBackend``), ``endpoints`` (records and worker processes),
``process`` (the one subprocess launcher), ``training`` (the job store and runner), ``datasets``,
``model_store`` (which folder serves a catalog id; the SmolLM2 conversion), and the subprocess entry points
``worker`` (+ ``generation``), ``trainer`` and ``convert``. Nothing here imports torch or transformers at
module import; only the subprocess entry points and functions that run inside them do.
"""
