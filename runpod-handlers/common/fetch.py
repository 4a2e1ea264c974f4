"""Download of media given by URL (whisper's `audio`), bounded in size and time."""
from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlparse

from .errors import InputError

USER_AGENT = "video-agent-runpod-handler/1.0"


def fetch_url(url: str, field: str, *, max_bytes: int, timeout_s: float = 60.0) -> bytes:
    if urlparse(url).scheme not in ("http", "https"):
        raise InputError(f"{field}: only http(s) URLs are supported")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - scheme checked above
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{field}: {declared} bytes, at most {max_bytes} allowed")
            data = response.read(max_bytes + 1)
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        raise InputError(f"{field}: download failed with HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"{field}: download failed ({reason})") from None
    if len(data) > max_bytes:
        raise InputError(f"{field}: more than {max_bytes} bytes, at most {max_bytes} allowed")
    if not data:
        raise InputError(f"{field}: the URL returned no data")
    return data
