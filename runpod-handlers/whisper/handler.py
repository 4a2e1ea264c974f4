"""ASR endpoint (`whisper`): faster-whisper large-v3-turbo, a drop-in for RunPod's worker-faster_whisper.

Input and output follow the official worker's schema exactly (contracts/whisper.*.schema.json), so video-agent can
point RUNPOD_WHISPER_ENDPOINT_ID at this image or at the official one. Differences are deployment-only: this image
bakes one model (WHISPER_MODELS, default large-v3-turbo, alias `turbo`), a request that omits `model` gets it, and
naming a model that is not baked is an input error instead of a crash.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple

_HERE = Path(__file__).resolve().parent
for _root in (_HERE, _HERE.parent):  # image: /app/common beside this file; checkout: runpod-handlers/common
    if (_root / "common").is_dir():
        if str(_root) not in sys.path:
            sys.path.insert(0, str(_root))
        break

from common.errors import InputError, UnknownModelError  # noqa: E402
from common.fetch import fetch_url  # noqa: E402
from common.job import run_job  # noqa: E402
from common.lazy import LazyModel  # noqa: E402
from common.media import decode_base64, decode_wav, sniff_audio_format  # noqa: E402

MODELS = tuple(m.strip() for m in os.environ.get("WHISPER_MODELS", "large-v3-turbo").split(",") if m.strip())
DEFAULT_MODEL = os.environ.get("WHISPER_DEFAULT_MODEL", MODELS[0])
MODEL_DIR = os.environ.get("WHISPER_MODEL_DIR", "/app/models")
# Jobs run at once per worker. CTranslate2 serves parallel transcribe() calls from threads (num_workers), so a
# second job's download/decode/VAD overlaps the first one's decoding on the GPU.
CONCURRENCY = max(1, int(os.environ.get("WHISPER_CONCURRENCY", "2")))
MAX_AUDIO_BYTES = int(os.environ.get("WHISPER_MAX_AUDIO_BYTES", str(200 * 1024 * 1024)))
MAX_WAV_SECONDS = float(os.environ.get("WHISPER_MAX_WAV_SECONDS", str(4 * 3600)))
ALIASES = {"turbo": "large-v3-turbo", "large-v3-turbo": "turbo"}


@dataclass
class Word:
    word: str
    start: float
    end: float
    probability: float = 0.0


@dataclass
class Segment:
    """The fields of faster_whisper.transcribe.Segment the official output serializes."""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: List[int] = field(default_factory=list)
    temperature: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    no_speech_prob: float = 0.0
    words: Optional[List[Word]] = None


@dataclass
class Info:
    language: Optional[str]


class SpeechModel(Protocol):
    """faster_whisper.WhisperModel.transcribe's shape: (segments, info); the segments may be a lazy generator."""

    def transcribe(self, audio: str, **options: Any) -> Tuple[Iterable[Any], Any]: ...


class ModelBank(Protocol):
    device: str

    def get(self, name: str) -> SpeechModel:
        """The loaded model `name` (an alias already resolved); KeyError when this image does not serve it."""
        ...


class FasterWhisperBank:
    """The baked faster-whisper models, loaded once from MODEL_DIR (never downloaded at run time)."""

    def __init__(self, names: Sequence[str] = MODELS, model_dir: str = MODEL_DIR) -> None:
        import ctranslate2
        from faster_whisper import WhisperModel

        cuda = ctranslate2.get_cuda_device_count() > 0
        self.device = "cuda" if cuda else "cpu"
        self._models: Dict[str, Any] = {
            name: WhisperModel(name, device=self.device, compute_type="float16" if cuda else "int8",
                               download_root=model_dir, local_files_only=True, num_workers=CONCURRENCY)
            for name in names
        }

    def get(self, name: str) -> SpeechModel:
        return self._models[name]


def load_model() -> ModelBank:
    return FasterWhisperBank()


MODEL: LazyModel[ModelBank] = LazyModel(load_model)


def _resolve_model(bank: ModelBank, requested: str) -> Tuple[str, SpeechModel]:
    for name in (requested, ALIASES.get(requested)):
        if name:
            try:
                return requested, bank.get(name)
            except KeyError:
                continue
    raise UnknownModelError(f"input.model: '{requested}' is not served by this endpoint (serves {', '.join(MODELS)})")


def _temperatures(start: float, increment: Optional[float]) -> Tuple[float, ...]:
    # As the official worker: fall back through start, start+inc, ... 1.0. A non-positive step would loop forever.
    if increment is None or increment <= 0:
        return (float(start),)
    steps = []
    t = float(start)
    while t <= 1.0 + 1e-6:
        steps.append(round(t, 6))
        t += increment
    return tuple(steps) or (float(start),)


def _suppress_tokens(text: str) -> List[int]:
    try:
        return [int(tok) for tok in text.split(",") if tok.strip()]
    except ValueError:
        raise InputError("input.suppress_tokens: expected comma-separated token ids, e.g. \"-1\"") from None


def format_timestamp(seconds: float, always_include_hours: bool = False, decimal_marker: str = ".") -> str:
    """Same text as faster_whisper.utils.format_timestamp (kept here so tests need no faster-whisper)."""
    ms = round(max(seconds, 0.0) * 1000.0)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    hours_marker = f"{hours:02d}:" if always_include_hours or hours > 0 else ""
    return f"{hours_marker}{minutes:02d}:{secs:02d}{decimal_marker}{ms:03d}"


def format_segments(fmt: str, segments: Sequence[Any]) -> str:
    if fmt == "plain_text":
        return " ".join(s.text.lstrip() for s in segments)
    if fmt == "formatted_text":
        return "\n".join(s.text.lstrip() for s in segments)
    # srt/vtt text exactly as the official worker writes it (its vtt has no WEBVTT header line).
    lines: List[str] = []
    for i, s in enumerate(segments, start=1):
        marker = "," if fmt == "srt" else "."
        if fmt == "srt":
            lines.append(str(i))
        lines.append(f"{format_timestamp(s.start, True, marker)} --> {format_timestamp(s.end, True, marker)}")
        lines.append(s.text.strip().replace("-->", "->"))
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def serialize_segment(s: Any) -> Dict[str, Any]:
    return {"id": int(s.id), "seek": int(s.seek), "start": float(s.start), "end": float(s.end), "text": s.text,
            "tokens": [int(t) for t in s.tokens], "temperature": float(s.temperature),
            "avg_logprob": float(s.avg_logprob), "compression_ratio": float(s.compression_ratio),
            "no_speech_prob": float(s.no_speech_prob)}


def _audio_bytes(inp: Dict[str, Any]) -> Tuple[bytes, str]:
    if "audio_base64" in inp:
        raw, where = decode_base64(inp["audio_base64"], "input.audio_base64", max_bytes=MAX_AUDIO_BYTES), "input.audio_base64"
    else:
        raw, where = fetch_url(inp["audio"], "input.audio", max_bytes=MAX_AUDIO_BYTES), "input.audio"
    fmt = sniff_audio_format(raw)
    if fmt is None:
        raise InputError(f"{where}: not a recognised audio file (WAV, FLAC, MP3, OGG/Opus, M4A, WebM)")
    if fmt == "wav":
        decode_wav(raw, where, max_duration_s=MAX_WAV_SECONDS)  # fail fast on a broken or over-long WAV
    return raw, fmt


def transcribe(inp: Dict[str, Any]) -> Dict[str, Any]:
    raw, fmt = _audio_bytes(inp)
    bank = MODEL.get()
    model_name, model = _resolve_model(bank, inp["model"])
    options = dict(
        language=inp["language"], beam_size=inp["beam_size"], best_of=inp["best_of"], patience=inp["patience"],
        length_penalty=inp["length_penalty"],
        temperature=_temperatures(inp["temperature"], inp["temperature_increment_on_fallback"]),
        compression_ratio_threshold=inp["compression_ratio_threshold"], log_prob_threshold=inp["logprob_threshold"],
        no_speech_threshold=inp["no_speech_threshold"], condition_on_previous_text=inp["condition_on_previous_text"],
        initial_prompt=inp.get("initial_prompt"), suppress_tokens=_suppress_tokens(inp["suppress_tokens"]),
        word_timestamps=inp["word_timestamps"], vad_filter=inp["enable_vad"],
    )
    # faster-whisper decodes any container through PyAV from a path; a temp file keeps memory flat for long audio.
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as tmp:
        tmp.write(raw)
        tmp.flush()
        seg_iter, info = model.transcribe(tmp.name, task="transcribe", **options)
        segments = list(seg_iter)  # the generator does the decoding: consume it while the file exists
        translation = None
        if inp["translate"]:
            tr_iter, _ = model.transcribe(tmp.name, task="translate", **{**options, "word_timestamps": False})
            translation = format_segments("plain_text", list(tr_iter))
    result: Dict[str, Any] = {
        "segments": [serialize_segment(s) for s in segments],
        "detected_language": info.language,
        "transcription": format_segments(inp["transcription"], segments),
        "translation": translation,
        "device": bank.device,
        "model": model_name,
    }
    if inp["word_timestamps"]:
        result["word_timestamps"] = [{"word": w.word, "start": float(w.start), "end": float(w.end)}
                                     for s in segments for w in (s.words or [])]
    return result


def handler(job: Dict[str, Any]) -> Dict[str, Any]:
    return run_job(job, "whisper.input", transcribe, default_overrides={"model": DEFAULT_MODEL})


async def async_handler(job: Dict[str, Any]) -> Dict[str, Any]:
    # The SDK awaits an async handler on its event loop; the blocking work goes to a thread so CONCURRENCY jobs
    # can really run at once (a sync handler would serialise them).
    return await asyncio.to_thread(handler, job)


def concurrency_modifier(current: int) -> int:
    return CONCURRENCY


if __name__ == "__main__":
    import runpod  # only inside the image; tests import this module without it

    runpod.serverless.start({"handler": async_handler, "concurrency_modifier": concurrency_modifier})
