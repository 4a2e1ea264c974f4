"""The one place a RunPod job's input is validated and every failure becomes `{"error": ...}`."""
from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any, Callable, Dict, Mapping, Optional

from . import schemas
from .errors import InputError, error_response, is_cuda_oom

log = logging.getLogger("handler")
if not log.handlers:
    _h = logging.StreamHandler(sys.stderr)
    _h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(_h)
    log.setLevel(logging.INFO)

Process = Callable[[Dict[str, Any]], Dict[str, Any]]


def run_job(job: Any, schema_name: str, process: Process,
            default_overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Validate `job["input"]` against contracts/<schema_name>.schema.json, fill defaults, run `process`.

    Never raises: bad input -> its message; an unexpected exception -> a one-line error (traceback to the worker
    log only, which never contains input payloads); CUDA OOM also asks RunPod to restart this worker."""
    job_id = job.get("id", "?") if isinstance(job, Mapping) else "?"
    started = time.perf_counter()
    try:
        if not isinstance(job, Mapping) or "input" not in job:
            raise InputError("job has no input object")
        raw = job["input"]
        schemas.validate(schema_name, raw)
        output = process(schemas.with_defaults(schema_name, raw, default_overrides))
        log.info("job %s ok in %.0f ms", job_id, (time.perf_counter() - started) * 1000)
        return output
    except InputError as exc:
        log.info("job %s rejected: %s", job_id, exc)
        return error_response(str(exc))
    except Exception as exc:  # noqa: BLE001 - the SDK must never see an exception from us
        log.error("job %s failed: %s\n%s", job_id, exc, traceback.format_exc())
        oom = is_cuda_oom(exc)
        return error_response(f"inference failed: {type(exc).__name__}: {str(exc)[:300]}", refresh_worker=oom)


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)
