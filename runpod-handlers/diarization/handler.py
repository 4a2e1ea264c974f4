"""Speaker diarization endpoint (`diarization`): pyannote/speaker-diarization-3.1 on a base64 WAV.

Input/output: contracts/diarization.{input,output}.schema.json. The pipeline is gated on the Hugging Face Hub: the
token is used at BUILD time only (a BuildKit secret) and the image runs offline from its baked cache.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol

_HERE = Path(__file__).resolve().parent
for _root in (_HERE, _HERE.parent):  # image: /app/common beside this file; checkout: runpod-handlers/common
    if (_root / "common").is_dir():
        if str(_root) not in sys.path:
            sys.path.insert(0, str(_root))
        break

from common.errors import InputError  # noqa: E402
from common.job import run_job  # noqa: E402
from common.lazy import LazyModel  # noqa: E402
from common.media import PcmAudio, decode_base64, decode_wav  # noqa: E402

PIPELINE_ID = os.environ.get("DIARIZATION_PIPELINE", "pyannote/speaker-diarization-3.1")
MAX_SECONDS = float(os.environ.get("DIARIZATION_MAX_SECONDS", str(3 * 3600)))
MIN_SAMPLE_RATE = 8000


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str


class Diarizer(Protocol):
    name: str

    def diarize(self, audio: PcmAudio, *, num_speakers: Optional[int], min_speakers: Optional[int],
                max_speakers: Optional[int]) -> List[Turn]: ...


class PyannoteDiarizer:
    """pyannote.audio 3.x pipeline from the baked HF cache (HF_HUB_OFFLINE=1), moved to the GPU when present."""

    def __init__(self, pipeline_id: str = PIPELINE_ID) -> None:
        import torch
        from pyannote.audio import Pipeline

        self._torch = torch
        self._pipeline = Pipeline.from_pretrained(pipeline_id)
        if self._pipeline is None:
            raise RuntimeError(f"{pipeline_id} is not in the image's Hugging Face cache; rebuild with the HF_TOKEN secret")
        if torch.cuda.is_available():
            self._pipeline.to(torch.device("cuda"))
        self.name = pipeline_id

    def diarize(self, audio: PcmAudio, *, num_speakers: Optional[int], min_speakers: Optional[int],
                max_speakers: Optional[int]) -> List[Turn]:
        # In-memory waveform: no temp file, and pyannote resamples to 16 kHz itself when the WAV is not.
        waveform = self._torch.from_numpy(audio.samples).unsqueeze(0)
        annotation = self._pipeline({"waveform": waveform, "sample_rate": audio.sample_rate},
                                    num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers)
        return [Turn(float(seg.start), float(seg.end), str(label))
                for seg, _, label in annotation.itertracks(yield_label=True)]


def load_model() -> Diarizer:
    return PyannoteDiarizer()


MODEL: LazyModel[Diarizer] = LazyModel(load_model)


def _speaker_bounds(inp: Dict[str, Any]) -> Dict[str, Optional[int]]:
    num, lo, hi = inp.get("num_speakers"), inp.get("min_speakers"), inp.get("max_speakers")
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"input.min_speakers ({lo}) is greater than input.max_speakers ({hi})")
    if num is not None and ((lo is not None and num < lo) or (hi is not None and num > hi)):
        raise InputError(f"input.num_speakers ({num}) contradicts min_speakers/max_speakers ({lo}..{hi})")
    return {"num_speakers": num, "min_speakers": lo, "max_speakers": hi}


def diarize(inp: Dict[str, Any]) -> Dict[str, Any]:
    bounds = _speaker_bounds(inp)
    raw = decode_base64(inp["audio_base64"], "input.audio_base64")
    audio = decode_wav(raw, "input.audio_base64", max_duration_s=MAX_SECONDS)
    if audio.sample_rate < MIN_SAMPLE_RATE:
        raise InputError(f"input.audio_base64: {audio.sample_rate} Hz is too low; send 16 kHz mono WAV")
    model = MODEL.get()
    turns = sorted(model.diarize(audio, **bounds), key=lambda t: (t.start, t.end, t.speaker))
    segments = [{"start": round(max(t.start, 0.0), 3), "end": round(min(max(t.end, t.start), audio.duration_s), 3),
                 "speaker": t.speaker} for t in turns if t.end > t.start]
    return {"segments": segments, "model": model.name, "num_speakers": len({s["speaker"] for s in segments})}


def handler(job: Dict[str, Any]) -> Dict[str, Any]:
    return run_job(job, "diarization.input", diarize)


if __name__ == "__main__":
    import runpod  # only inside the image; tests import this module without it

    # concurrency 1: pyannote's clustering is CPU-heavy and the pipeline object is not made for parallel calls.
    runpod.serverless.start({"handler": handler})
