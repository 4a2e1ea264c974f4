"""Detection endpoint (`yolo`): Ultralytics YOLO11 on a batch of images.

Input/output: contracts/yolo.{input,output}.schema.json. Boxes are pixel xyxy in each image's own size, one result
per input image, in input order. Run `python handler.py` in the image (RunPod SDK); tests import this module
without runpod or ultralytics and inject a fake detector through MODEL.override(...).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence

_HERE = Path(__file__).resolve().parent
for _root in (_HERE, _HERE.parent):  # image: /app/common beside this file; checkout: runpod-handlers/common
    if (_root / "common").is_dir():
        if str(_root) not in sys.path:
            sys.path.insert(0, str(_root))
        break

from PIL import Image  # noqa: E402

from common.errors import InputError, UnknownModelError  # noqa: E402
from common.job import elapsed_ms, run_job  # noqa: E402
from common.lazy import LazyModel  # noqa: E402
from common.media import decode_image  # noqa: E402

WEIGHTS = os.environ.get("YOLO_WEIGHTS", "/app/weights/yolo11m.pt")
# Images per forward pass. The request may hold up to 64 (schema); larger requests run in chunks so a burst does
# not exceed GPU memory on a 16-24 GB card at 640 px.
MAX_BATCH = int(os.environ.get("YOLO_MAX_BATCH", "16"))
IMGSZ = int(os.environ.get("YOLO_IMGSZ", "640"))


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float
    confidence: float
    class_id: int


class Detector(Protocol):
    """What the handler needs from a detection model."""

    name: str
    class_names: Mapping[int, str]

    def detect(self, images: Sequence[Image.Image], *, conf: float, iou: float, classes: Optional[List[int]],
               max_det: int) -> List[List[Box]]:
        """One list of boxes per image, same order."""
        ...


class UltralyticsDetector:
    """YOLO11 through ultralytics; FP16 on CUDA. Imported lazily: ultralytics/torch exist only in the image."""

    def __init__(self, weights: str = WEIGHTS, imgsz: int = IMGSZ) -> None:
        import torch
        from ultralytics import YOLO

        self._model = YOLO(weights)
        self._device = "cuda:0" if torch.cuda.is_available() else "cpu"
        self._half = self._device.startswith("cuda")
        self._imgsz = imgsz
        self.name = Path(weights).stem
        self.class_names = {int(k): str(v) for k, v in self._model.names.items()}
        # Warm-up pass so the first real job does not pay CUDA context and kernel selection (~1-2 s).
        self.detect([Image.new("RGB", (imgsz, imgsz))], conf=0.25, iou=0.45, classes=None, max_det=1)

    def detect(self, images: Sequence[Image.Image], *, conf: float, iou: float, classes: Optional[List[int]],
               max_det: int) -> List[List[Box]]:
        # PIL input: ultralytics converts RGB->BGR itself and letterboxes each image, boxes come back in
        # original-image pixels.
        results = self._model.predict(source=list(images), conf=conf, iou=iou, classes=classes, max_det=max_det,
                                      imgsz=self._imgsz, device=self._device, half=self._half, verbose=False)
        out: List[List[Box]] = []
        for result in results:
            boxes = result.boxes
            xyxy = boxes.xyxy.cpu().numpy()
            confs = boxes.conf.cpu().numpy()
            cls = boxes.cls.cpu().numpy().astype(int)
            out.append([Box(float(b[0]), float(b[1]), float(b[2]), float(b[3]), float(c), int(k))
                        for b, c, k in zip(xyxy, confs, cls)])
        return out


def load_model() -> Detector:
    return UltralyticsDetector()


MODEL: LazyModel[Detector] = LazyModel(load_model)


def _check_model_name(requested: Optional[str], detector: Detector) -> None:
    if requested is None:
        return
    if Path(requested).stem != detector.name:  # "yolo11m" and "yolo11m.pt" both name the baked weights
        raise UnknownModelError(f"input.model: unknown model '{requested}'; this endpoint serves '{detector.name}'")


def _check_classes(classes: Optional[List[int]], detector: Detector) -> None:
    if classes is None:
        return
    unknown = sorted({c for c in classes if c not in detector.class_names})
    if unknown:
        raise InputError(f"input.classes: unknown class id(s) {unknown}; "
                         f"'{detector.name}' has ids 0..{max(detector.class_names)}")


def _serialize(box: Box, width: int, height: int, names: Mapping[int, str]) -> Dict[str, Any]:
    # Clip to the image: letterbox rounding can put an edge a fraction of a pixel outside.
    x1, x2 = (min(max(v, 0.0), float(width)) for v in (box.x1, box.x2))
    y1, y2 = (min(max(v, 0.0), float(height)) for v in (box.y1, box.y2))
    return {
        "bbox": [round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2)],
        "confidence": round(min(max(box.confidence, 0.0), 1.0), 4),
        "class": box.class_id,
        "class_name": names.get(box.class_id, str(box.class_id)),
    }


def detect(inp: Dict[str, Any]) -> Dict[str, Any]:
    # Decode everything first: a bad image anywhere fails the whole job before the GPU is touched.
    images = [decode_image(b64, f"input.images[{i}]") for i, b64 in enumerate(inp["images"])]
    detector = MODEL.get()
    _check_model_name(inp.get("model"), detector)
    classes = inp.get("classes")
    _check_classes(classes, detector)
    started = time.perf_counter()
    per_image: List[List[Box]] = []
    if classes == []:
        per_image = [[] for _ in images]  # asked for no class at all: nothing to run
    else:
        for start in range(0, len(images), MAX_BATCH):
            chunk = images[start:start + MAX_BATCH]
            boxes = detector.detect(chunk, conf=float(inp["conf"]), iou=float(inp["iou"]), classes=classes,
                                    max_det=int(inp["max_det"]))
            if len(boxes) != len(chunk):
                raise RuntimeError(f"detector returned {len(boxes)} results for {len(chunk)} images")
            per_image.extend(boxes)
    results = []
    for img, boxes in zip(images, per_image):
        width, height = img.size
        results.append({"width": width, "height": height,
                        "detections": [_serialize(b, width, height, detector.class_names) for b in boxes]})
    return {"results": results, "model": detector.name, "inference_ms": elapsed_ms(started)}


def handler(job: Dict[str, Any]) -> Dict[str, Any]:
    return run_job(job, "yolo.input", detect)


if __name__ == "__main__":
    import runpod  # only inside the image; tests import this module without it

    # concurrency 1: each job is already a GPU batch, and two jobs on one GPU would just queue inside torch.
    runpod.serverless.start({"handler": handler})
