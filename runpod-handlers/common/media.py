"""Decoding of base64 media in job input, with limits so one bad payload cannot exhaust a worker.

RunPod caps a /run body at 10 MB and /runsync at 20 MB; the per-item limits below are below that on purpose, and
the pixel limit stops decompression bombs (a tiny PNG that inflates to gigabytes) before any pixel is decoded.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import wave
from dataclasses import dataclass
from typing import Optional

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import InputError

MAX_ENCODED_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # ~ 8K x 5K; a 4K frame is 8.3 MP
ALLOWED_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP")

_DATA_URL = re.compile(r"^data:[\w/+.-]+;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def decode_base64(value: str, field: str, *, max_bytes: int = MAX_ENCODED_BYTES) -> bytes:
    """Strict base64 (standard alphabet, padding checked). A `data:...;base64,` prefix and line breaks are tolerated
    because browsers and some encoders add them; anything else that is not base64 is rejected, not guessed at."""
    if not isinstance(value, str):
        raise InputError(f"{field}: expected a base64 string")
    text = _WHITESPACE.sub("", _DATA_URL.sub("", value, count=1))
    if len(text) * 3 // 4 > max_bytes:
        raise InputError(f"{field}: {len(text) * 3 // 4} bytes after decoding, at most {max_bytes} allowed")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{field}: not valid base64") from None
    if not raw:
        raise InputError(f"{field}: empty after base64 decoding")
    return raw


def decode_image(value: str, field: str, *, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """base64 JPEG/PNG (WEBP/BMP tolerated) -> RGB PIL image, fully loaded."""
    raw = decode_base64(value, field)
    try:
        img = Image.open(io.BytesIO(raw))
    except UnidentifiedImageError:
        raise InputError(f"{field}: not an image (expected JPEG or PNG)") from None
    except (OSError, ValueError, SyntaxError) as exc:  # header present but broken (PIL raises all three)
        raise InputError(f"{field}: corrupt image data ({exc})") from None
    if img.format not in ALLOWED_IMAGE_FORMATS:
        raise InputError(f"{field}: unsupported image format {img.format}; send JPEG or PNG")
    width, height = img.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise InputError(f"{field}: {width}x{height} pixels, at most {max_pixels} allowed")
    try:
        img.load()  # header parsed so far; truncated or corrupt data only fails here
        return img.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{field}: corrupt image data ({exc})") from None


@dataclass(frozen=True)
class PcmAudio:
    """Mono float32 samples in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.sample_rate)


def sniff_audio_format(raw: bytes) -> Optional[str]:
    """Container by magic bytes; None when it is none of the formats ffmpeg-based decoders are expected to get."""
    if raw[:4] == b"RIFF" and raw[8:12] == b"WAVE":
        return "wav"
    if raw[:4] == b"fLaC":
        return "flac"
    if raw[:4] == b"OggS":
        return "ogg"
    if raw[:3] == b"ID3" or (len(raw) > 1 and raw[0] == 0xFF and raw[1] & 0xE0 == 0xE0):
        return "mp3"
    if raw[4:8] == b"ftyp":
        return "m4a"
    if raw[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def decode_wav(raw: bytes, field: str, *, max_duration_s: float) -> PcmAudio:
    """PCM WAV (8/16/32-bit int, any channel count) -> mono float32. Channels are averaged, not resampled: callers
    check the rate they need."""
    try:
        with wave.open(io.BytesIO(raw), "rb") as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            if rate <= 0:
                raise InputError(f"{field}: WAV sample rate {rate} is invalid")
            if frames / rate > max_duration_s:
                raise InputError(f"{field}: {frames / rate:.1f} s of audio, at most {max_duration_s:.0f} s allowed")
            data = wav.readframes(frames)
    except InputError:
        raise
    except (wave.Error, EOFError, RuntimeError, ValueError, struct.error) as exc:  # chunk parser raises all of these
        raise InputError(f"{field}: not a PCM WAV file ({exc or type(exc).__name__})") from None
    dtypes = {1: (np.uint8, 128.0, 128.0), 2: (np.int16, 0.0, 32768.0), 4: (np.int32, 0.0, 2147483648.0)}
    if width not in dtypes:
        raise InputError(f"{field}: {8 * width}-bit WAV is not supported; send 16-bit PCM")
    dtype, offset, scale = dtypes[width]
    usable = len(data) - len(data) % (width * channels)
    pcm = np.frombuffer(data[:usable], dtype=dtype).astype(np.float32)
    pcm = (pcm - offset) / scale
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1)
    if pcm.size == 0:
        raise InputError(f"{field}: WAV holds no samples")
    return PcmAudio(samples=np.ascontiguousarray(pcm, dtype=np.float32), sample_rate=rate)

