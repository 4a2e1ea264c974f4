"""Small generated media for handler tests: images through PIL, WAVs through numpy + wave."""
from __future__ import annotations

import base64
import io
import wave
from typing import Sequence, Tuple

import numpy as np
from PIL import Image


def image_b64(width: int = 64, height: int = 48, color: Tuple[int, int, int] = (200, 30, 30), fmt: str = "JPEG") -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def wav_bytes(seconds: float = 1.0, rate: int = 16000, freqs: Sequence[float] = (440.0,), channels: int = 1,
              amplitude: float = 0.3) -> bytes:
    """Tones, one frequency after another in equal parts, as 16-bit PCM."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    part = max(1, n // len(freqs))
    freq = np.array([freqs[min(i // part, len(freqs) - 1)] for i in range(n)])
    pcm = (amplitude * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
    if channels > 1:
        pcm = np.repeat(pcm[:, None], channels, axis=1).reshape(-1)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def wav_b64(**kwargs) -> str:
    return base64.b64encode(wav_bytes(**kwargs)).decode("ascii")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
