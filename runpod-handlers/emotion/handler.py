"""Facial-expression endpoint (`emotion`): a ViT classifier (trpakov/vit-face-expression, FER2013 classes) on face
crops, batched. Input/output: contracts/emotion.{input,output}.schema.json — one result per crop, in order, with
scores over the seven contract classes.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence

_HERE = Path(__file__).resolve().parent
for _root in (_HERE, _HERE.parent):  # image: /app/common beside this file; checkout: runpod-handlers/common
    if (_root / "common").is_dir():
        if str(_root) not in sys.path:
            sys.path.insert(0, str(_root))
        break

from PIL import Image  # noqa: E402

from common.errors import UnknownModelError  # noqa: E402
from common.job import elapsed_ms, run_job  # noqa: E402
from common.lazy import LazyModel  # noqa: E402
from common.media import decode_image  # noqa: E402

MODEL_ID = os.environ.get("EMOTION_MODEL_ID", "trpakov/vit-face-expression")
MODEL_DIR = os.environ.get("EMOTION_MODEL_DIR", "/app/models/vit-face-expression")
MAX_BATCH = int(os.environ.get("EMOTION_MAX_BATCH", "64"))
MAX_FACE_PIXELS = 4_000_000  # a face crop is small; anything bigger is a mistake (a whole frame) or an attack

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Label spellings of the common facial-expression models (FER2013, FER+, AffectNet, HSEmotion) -> contract names.
# FER+/AffectNet "contempt" has no contract class: it is dropped and the rest renormalised.
_ALIASES = {
    "angry": "angry", "anger": "angry", "disgust": "disgust", "disgusted": "disgust", "fear": "fear",
    "fearful": "fear", "happy": "happy", "happiness": "happy", "sad": "sad", "sadness": "sad",
    "surprise": "surprise", "surprised": "surprise", "neutral": "neutral",
}


class EmotionClassifier(Protocol):
    name: str

    def classify(self, faces: Sequence[Image.Image]) -> List[Mapping[str, float]]:
        """Raw label -> probability per face, same order; labels in the model's own spelling."""
        ...


class HFEmotionClassifier:
    """transformers image-classification pipeline over the baked checkpoint; fp16 on CUDA."""

    def __init__(self, model_dir: str = MODEL_DIR, name: str = MODEL_ID) -> None:
        import torch
        from transformers import pipeline

        cuda = torch.cuda.is_available()
        self._pipe = pipeline("image-classification", model=model_dir, device=0 if cuda else -1,
                              torch_dtype=torch.float16 if cuda else torch.float32)
        self.name = name
        self.classify([Image.new("RGB", (224, 224))])  # warm-up: CUDA init out of the first job

    def classify(self, faces: Sequence[Image.Image]) -> List[Mapping[str, float]]:
        rows = self._pipe(list(faces), top_k=None, batch_size=min(len(faces), MAX_BATCH))
        return [{r["label"]: float(r["score"]) for r in row} for row in rows]


def load_model() -> EmotionClassifier:
    return HFEmotionClassifier()


MODEL: LazyModel[EmotionClassifier] = LazyModel(load_model)


def to_contract_scores(raw: Mapping[str, float]) -> Dict[str, float]:
    """Map a model's labels onto the seven contract classes, summing synonyms, dropping unknown labels and
    renormalising so the scores are a distribution again. Every class is present (0.0 when the model lacks it)."""
    scores = {c: 0.0 for c in CLASSES}
    for label, value in raw.items():
        target = _ALIASES.get(label.strip().lower())
        if target is not None:
            scores[target] += max(float(value), 0.0)
    total = sum(scores.values())
    if total <= 0:
        raise RuntimeError(f"model labels {sorted(raw)} share nothing with the contract classes {list(CLASSES)}")
    return {c: round(min(v / total, 1.0), 6) for c, v in scores.items()}


def _check_model_name(requested: Optional[str], model: EmotionClassifier) -> None:
    if requested is not None and requested not in (model.name, model.name.rsplit("/", 1)[-1]):
        raise UnknownModelError(f"input.model: unknown model '{requested}'; this endpoint serves '{model.name}'")


def classify(inp: Dict[str, Any]) -> Dict[str, Any]:
    faces = [decode_image(b64, f"input.faces[{i}]", max_pixels=MAX_FACE_PIXELS) for i, b64 in enumerate(inp["faces"])]
    model = MODEL.get()
    _check_model_name(inp.get("model"), model)
    started = time.perf_counter()
    raw: List[Mapping[str, float]] = []
    for start in range(0, len(faces), MAX_BATCH):
        chunk = faces[start:start + MAX_BATCH]
        got = model.classify(chunk)
        if len(got) != len(chunk):
            raise RuntimeError(f"classifier returned {len(got)} results for {len(chunk)} faces")
        raw.extend(got)
    results = []
    for row in raw:
        scores = to_contract_scores(row)
        results.append({"emotion": max(CLASSES, key=lambda c: scores[c]), "scores": scores})
    return {"results": results, "model": model.name, "inference_ms": elapsed_ms(started)}


def handler(job: Dict[str, Any]) -> Dict[str, Any]:
    return run_job(job, "emotion.input", classify)


if __name__ == "__main__":
    import runpod  # only inside the image; tests import this module without it

    # concurrency 1: a job is already a batch of crops and the classifier takes ~1 ms per crop on a GPU.
    runpod.serverless.start({"handler": handler})
