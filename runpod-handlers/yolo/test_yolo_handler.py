"""yolo handler with a fake detector: contract in and out, batching and order, bad input, deployables."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest

from common import schemas
from testkit import deploy
from testkit.fakes import assert_error
from testkit.loader import load_module
from testkit.media import b64, image_b64

HERE = Path(__file__).resolve().parent
yolo = load_module("yolo")
COCO_FIRST = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck"]


class FakeDetector:
    """One box per image at a size-dependent spot, class = image width % 8, confidence 0.9; honours conf/classes/
    max_det like the real model so the handler's parameter plumbing is observable."""

    name = "yolo11m"
    class_names = {i: n for i, n in enumerate(COCO_FIRST)}

    def __init__(self) -> None:
        self.calls: List[dict] = []

    def detect(self, images, *, conf: float, iou: float, classes: Optional[List[int]], max_det: int):
        self.calls.append({"n": len(images), "conf": conf, "iou": iou, "classes": classes, "max_det": max_det})
        out = []
        for img in images:
            w, h = img.size
            boxes = [yolo.Box(w * 0.25, h * 0.25, w * 0.75 + 3.0, h * 0.75, 0.9, w % 8),  # x2 spills past the edge
                     yolo.Box(0.0, 0.0, w / 2, h / 2, 0.3, 0)]
            boxes = [b for b in boxes if b.confidence >= conf and (classes is None or b.class_id in classes)]
            out.append(boxes[:max_det])
        return out


@pytest.fixture()
def fake():
    detector = FakeDetector()
    yolo.MODEL.override(detector)
    yield detector
    yolo.MODEL.override(None)


def run(inp):
    return yolo.handler({"id": "t", "input": inp})


def test_output_matches_contract_and_boxes_are_pixels(fake):
    out = run({"images": [image_b64(64, 48)]})
    assert schemas.validate_output("yolo.output", out) == []
    [res] = out["results"]
    assert (res["width"], res["height"]) == (64, 48)
    first = res["detections"][0]
    assert first["bbox"] == [16.0, 12.0, 51.0, 36.0]
    assert first["class"] == 0 and first["class_name"] == "person" and first["confidence"] == 0.9
    assert out["model"] == "yolo11m" and out["inference_ms"] >= 0


def test_boxes_are_clipped_to_the_image(fake):
    out = run({"images": [image_b64(8, 8)]})  # x2 = 0.75*8+3 = 9 > width
    assert out["results"][0]["detections"][0]["bbox"][2] == 8.0


def test_batch_returns_one_result_per_image_in_order(fake):
    sizes = [(33, 20), (64, 48), (17, 90), (120, 31)]
    out = run({"images": [image_b64(w, h, fmt="PNG" if i % 2 else "JPEG") for i, (w, h) in enumerate(sizes)]})
    assert [(r["width"], r["height"]) for r in out["results"]] == sizes
    assert [r["detections"][0]["class"] for r in out["results"]] == [w % 8 for w, _ in sizes]


def test_large_batch_is_chunked(fake, monkeypatch):
    monkeypatch.setattr(yolo, "MAX_BATCH", 3)
    out = run({"images": [image_b64(10 + i, 10) for i in range(7)]})
    assert [c["n"] for c in fake.calls] == [3, 3, 1]
    assert [r["width"] for r in out["results"]] == [10 + i for i in range(7)]


def test_parameters_reach_the_model_and_defaults_apply(fake):
    run({"images": [image_b64()]})
    assert fake.calls[-1] == {"n": 1, "conf": 0.25, "iou": 0.45, "classes": None, "max_det": 300}
    out = run({"images": [image_b64()], "conf": 0.5, "iou": 0.6, "classes": [0], "max_det": 1})
    assert fake.calls[-1] == {"n": 1, "conf": 0.5, "iou": 0.6, "classes": [0], "max_det": 1}
    assert [d["confidence"] for d in out["results"][0]["detections"]] == [0.9]  # conf 0.5 dropped the 0.3 box
    out = run({"images": [image_b64(65, 48)], "classes": [1]})
    assert [d["class_name"] for d in out["results"][0]["detections"]] == ["bicycle"]


def test_empty_class_list_detects_nothing_without_running(fake):
    out = run({"images": [image_b64(), image_b64()], "classes": []})
    assert [r["detections"] for r in out["results"]] == [[], []]
    assert fake.calls == []


@pytest.mark.parametrize("inp, fragments", [
    ({}, ("'images' is a required property",)),
    ({"images": []}, ("input.images", "at least 1")),
    ({"images": [image_b64()] * 65}, ("input.images", "65 items", "at most 64")),
    ({"images": ["!!!not-base64!!!"]}, ("input.images[0]", "not valid base64")),
    ({"images": [b64(b"plain text, not a picture")]}, ("input.images[0]", "not an image")),
    ({"images": [image_b64(), b64(b"\xff\xd8\xff\xe0 truncated jpeg")]}, ("input.images[1]",)),
    ({"images": "abcd"}, ("input.images", "expected array, got string")),
    ({"images": [image_b64()], "conf": "high"}, ("input.conf", "expected number, got string")),
    ({"images": [image_b64()], "conf": 1.5}, ("input.conf",)),
    ({"images": [image_b64()], "max_det": 0}, ("input.max_det",)),
    ({"images": [image_b64()], "classes": [999]}, ("input.classes", "999")),
    ({"images": [image_b64()], "model": "yolov9e"}, ("input.model", "unknown model 'yolov9e'")),
    ({"images": [image_b64()], "sharpen": True}, ("'sharpen' was unexpected",)),
])
def test_bad_input_returns_the_error_form(fake, inp, fragments):
    assert_error(run(inp), *fragments)
    assert fake.calls == []  # rejected before the GPU


def test_model_name_with_extension_is_accepted(fake):
    assert "results" in run({"images": [image_b64()], "model": "yolo11m.pt"})


def test_job_without_input_and_model_crash_are_errors(fake, monkeypatch):
    assert_error(yolo.handler({"id": "x"}), "no input")
    assert_error(yolo.handler("nonsense"), "no input")

    def boom(*a, **k):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
    monkeypatch.setattr(fake, "detect", boom)
    out = run({"images": [image_b64()]})
    assert_error(out, "inference failed", "out of memory")
    assert out["refresh_worker"] is True


def test_model_is_loaded_once_lazily(monkeypatch):
    loads = []

    def factory():
        loads.append(1)
        return FakeDetector()
    lazy = yolo.LazyModel(factory)
    monkeypatch.setattr(yolo, "MODEL", lazy)
    assert not lazy.loaded
    run({"images": [image_b64()]})
    run({"images": [image_b64()]})
    assert loads == [1]


def test_importing_the_handler_did_not_import_runpod_or_ultralytics():
    import sys
    assert "runpod" not in sys.modules and "ultralytics" not in sys.modules


def test_deployables():
    assert deploy.dockerfile_problems(HERE / "Dockerfile") == []
    assert deploy.requirements_problems(HERE / "requirements.txt") == []
    assert deploy.test_input_problems(HERE / "test_input.json", "yolo.input") == []
    readme = (HERE / "README.md").read_text()
    for needle in ("RUNPOD_YOLO_ENDPOINT_ID", "RUNPOD_API_KEY", "docker build", "docker push", "USD"):
        assert needle in readme


def test_test_input_runs_through_the_handler(fake):
    import json
    doc = json.loads((HERE / "test_input.json").read_text())
    out = yolo.handler({"id": "local", **doc})
    assert schemas.validate_output("yolo.output", out) == []
    assert len(out["results"]) == len(doc["input"]["images"])
