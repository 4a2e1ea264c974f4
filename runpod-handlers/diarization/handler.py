"""Speaker diarization endpoint (`diarization`): pyannote/speaker-diarization-3.1 on a base64 WAV.

Besides the turns, the output carries one embedding per local speaker (the pipeline's own centroid of
pyannote/wespeaker-voxceleb-resnet34-LM embeddings, `return_embeddings=True`), so the client can link the
speakers of consecutive windows by cosine similarity.

Input/output: contracts/diarization.{input,output}.schema.json. The pipeline is gated on the Hugging Face Hub: the
token is used at BUILD time only (a BuildKit secret) and the image runs offline from its baked cache.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
import math
from typing import Any, Dict, List, Optional, Protocol, Sequence, Union

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


@dataclass(frozen=True)
class Diarization:
    turns: List[Turn]
    #: local speaker label -> embedding (a model may give none, or NaN for a speaker without enough speech)
    embeddings: Dict[str, Sequence[float]]


class Diarizer(Protocol):
    name: str

    def diarize(self, audio: PcmAudio, *, num_speakers: Optional[int], min_speakers: Optional[int],
                max_speakers: Optional[int]) -> Union[Diarization, List[Turn]]: ...


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
                max_speakers: Optional[int]) -> Diarization:
        # In-memory waveform: no temp file, and pyannote resamples to 16 kHz itself when the WAV is not.
        waveform = self._torch.from_numpy(audio.samples).unsqueeze(0)
        # return_embeddings: one centroid per speaker, rows in the order of annotation.labels().
        annotation, centroids = self._pipeline({"waveform": waveform, "sample_rate": audio.sample_rate},
                                               num_speakers=num_speakers, min_speakers=min_speakers,
                                               max_speakers=max_speakers, return_embeddings=True)
        turns = [Turn(float(seg.start), float(seg.end), str(label))
                 for seg, _, label in annotation.itertracks(yield_label=True)]
        labels = [str(label) for label in annotation.labels()]
        embeddings = {} if centroids is None else {label: [float(v) for v in centroids[i]]
                                                     for i, label in enumerate(labels) if i < len(centroids)}
        return Diarization(turns, embeddings)


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
    result = model.diarize(audio, **bounds)
    if not isinstance(result, Diarization):  # a diarizer without embeddings
        result = Diarization(list(result), {})
    turns = sorted(result.turns, key=lambda t: (t.start, t.end, t.speaker))
    segments = [{"start": round(max(t.start, 0.0), 3), "end": round(min(max(t.end, t.start), audio.duration_s), 3),
                 "speaker": t.speaker} for t in turns if t.end > t.start]
    speakers = sorted({s["speaker"] for s in segments})
    out: Dict[str, Any] = {"segments": segments}
    embeddings = [{"speaker": sp, "vector": [round(float(v), 6) for v in result.embeddings[sp]]}
                  for sp in speakers if _usable(result.embeddings.get(sp))]
    if embeddings:
        out["embeddings"] = embeddings
    out.update({"model": model.name, "num_speakers": len(speakers)})
    return out


def _usable(vector: Optional[Sequence[float]]) -> bool:
    """pyannote gives NaN centroids to speakers with too little clean speech: the client cannot link those."""
    return vector is not None and len(vector) > 0 and all(math.isfinite(float(v)) for v in vector)


def handler(job: Dict[str, Any]) -> Dict[str, Any]:
    return run_job(job, "diarization.input", diarize)


if __name__ == "__main__":
    import runpod  # only inside the image; tests import this module without it

    # concurrency 1: pyannote's clustering is CPU-heavy and the pipeline object is not made for parallel calls.
    runpod.serverless.start({"handler": handler})
