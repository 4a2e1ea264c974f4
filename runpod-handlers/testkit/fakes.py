"""Shared expectations for the tests: how every handler folder must answer bad input."""
from __future__ import annotations

from typing import Any, Dict


def assert_error(output: Dict[str, Any], *fragments: str) -> str:
    """RunPod's failure form: exactly an `error` string (plus optional refresh_worker) naming the problem."""
    assert isinstance(output, dict), output
    assert set(output) <= {"error", "refresh_worker"} and "error" in output, output
    message = output["error"]
    assert isinstance(message, str) and message, output
    assert len(message) < 1000, "error messages must stay short (never echo payloads)"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message
