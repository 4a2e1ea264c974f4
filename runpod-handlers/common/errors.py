"""Error types and RunPod's error form.

A handler never raises to the SDK: raising makes RunPod store a JSON-encoded traceback as the job error, which
our client can only show as noise. InputError is the caller's fault (bad payload); anything else is ours.
"""
from __future__ import annotations

from typing import Any, Dict


class InputError(ValueError):
    """The job input is unusable; the message names the field and the problem and is safe to show a user."""


class UnknownModelError(InputError):
    """The input names a model this worker image does not serve."""


def error_response(message: str, *, refresh_worker: bool = False) -> Dict[str, Any]:
    """RunPod's failure form: `{"error": "..."}` marks the job FAILED with that message."""
    out: Dict[str, Any] = {"error": message}
    if refresh_worker:
        # The SDK restarts the worker process after this job (used after CUDA OOM: the context may be poisoned).
        out["refresh_worker"] = True
    return out


def is_cuda_oom(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}".lower()
    return "out of memory" in text and ("cuda" in text or "outofmemory" in text)
