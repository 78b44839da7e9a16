"""Local mode: real small Llama-architecture models served and converted in subprocesses.

Nothing here imports torch or transformers at module import; only the subprocess entry points
(``local.worker``, ``local.convert``) and functions that run inside them do.
"""
