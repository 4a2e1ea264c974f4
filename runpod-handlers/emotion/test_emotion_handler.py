"""emotion handler with a fake classifier: contract, label mapping, batch order, bad input, deployables."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from common import schemas
from testkit import deploy
from testkit.fakes import assert_error
from testkit.loader import load_module
from testkit.media import b64, image_b64

HERE = Path(__file__).resolve().parent
emotion = load_module("emotion")
FER2013 = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


class FakeClassifier:
    """Peaks on FER2013 label index (red channel // 32) % 7, so each crop's colour decides its emotion."""

    name = "trpakov/vit-face-expression"

    def __init__(self) -> None:
        self.batches = []

    def classify(self, faces):
        self.batches.append(len(faces))
        out = []
        for face in faces:
            peak = (face.getpixel((0, 0))[0] // 32) % 7
            out.append({label: (0.7 if i == peak else 0.05) for i, label in enumerate(FER2013)})
        return out


@pytest.fixture()
def fake():
    model = FakeClassifier()
    emotion.MODEL.override(model)
    yield model
    emotion.MODEL.override(None)


def run(inp):
    return emotion.handler({"id": "t", "input": inp})


def face(red: int) -> str:
    return image_b64(48, 48, (red, 128, 128), fmt="PNG")  # PNG: exact colours survive


def test_results_follow_the_contract_in_input_order(fake):
    reds = [3 * 32, 4 * 32, 0, 6 * 32, 5 * 32]  # FER2013 indices 3, 4, 0, 6, 5
    out = run({"faces": [face(r) for r in reds]})
    assert schemas.validate_output("emotion.output", out) == []
    assert [r["emotion"] for r in out["results"]] == ["happy", "neutral", "angry", "surprise", "sad"]
    for r in out["results"]:
        assert set(r["scores"]) == set(emotion.CLASSES)
        assert abs(sum(r["scores"].values()) - 1.0) < 1e-5
        assert r["scores"][r["emotion"]] == pytest.approx(0.7)
    assert out["model"] == "trpakov/vit-face-expression" and out["inference_ms"] >= 0


def test_large_batches_are_chunked(fake, monkeypatch):
    monkeypatch.setattr(emotion, "MAX_BATCH", 2)
    out = run({"faces": [face(0)] * 5})
    assert fake.batches == [2, 2, 1] and len(out["results"]) == 5


@pytest.mark.parametrize("raw, expected", [
    ({"Happiness": 0.6, "Neutral": 0.2, "Contempt": 0.2}, {"happy": 0.75, "neutral": 0.25}),  # FER+ spelling
    ({"anger": 0.5, "sadness": 0.25, "surprised": 0.25}, {"angry": 0.5, "sad": 0.25, "surprise": 0.25}),
    ({"fearful": 1.0, "disgusted": 1.0}, {"fear": 0.5, "disgust": 0.5}),
])
def test_label_spellings_map_to_contract_names(raw, expected):
    scores = emotion.to_contract_scores(raw)
    assert set(scores) == set(emotion.CLASSES)
    for name in emotion.CLASSES:
        assert scores[name] == pytest.approx(expected.get(name, 0.0))


def test_model_with_no_contract_labels_is_an_error(fake, monkeypatch):
    monkeypatch.setattr(fake, "classify", lambda faces: [{"contempt": 1.0} for _ in faces])
    assert_error(run({"faces": [face(0)]}), "inference failed", "contempt")


@pytest.mark.parametrize("inp, fragments", [
    ({}, ("'faces' is a required property",)),
    ({"images": [face(0)]}, ("'faces' is a required property",)),
    ({"faces": []}, ("input.faces", "at least 1")),
    ({"faces": [face(0)] * 129}, ("input.faces", "129 items", "at most 128")),
    ({"faces": ["not base64 at all!"]}, ("input.faces[0]", "not valid base64")),
    ({"faces": [face(0), b64(b"GIF89a-ish but not really an image")]}, ("input.faces[1]", "not an image")),
    ({"faces": [face(0), 42]}, ("input.faces[1]", "expected string, got integer")),
    ({"faces": [image_b64(2100, 2000)]}, ("input.faces[0]", "pixels")),
    ({"faces": [face(0)], "model": "hsemotion-enet-b2"}, ("input.model", "unknown model 'hsemotion-enet-b2'")),
])
def test_bad_input_returns_the_error_form(fake, inp, fragments):
    assert_error(run(inp), *fragments)
    assert fake.batches == []


def test_short_model_name_is_accepted(fake):
    assert "results" in run({"faces": [face(0)], "model": "vit-face-expression"})


def test_deployables():
    assert deploy.dockerfile_problems(HERE / "Dockerfile") == []
    assert deploy.requirements_problems(HERE / "requirements.txt") == []
    assert deploy.test_input_problems(HERE / "test_input.json", "emotion.input") == []
    readme = (HERE / "README.md").read_text()
    for needle in ("RUNPOD_EMOTION_ENDPOINT_ID", "RUNPOD_API_KEY", "docker build", "docker push", "USD"):
        assert needle in readme


def test_test_input_runs_through_the_handler(fake):
    doc = json.loads((HERE / "test_input.json").read_text())
    out = emotion.handler({"id": "local", **doc})
    assert schemas.validate_output("emotion.output", out) == [] and len(out["results"]) == len(doc["input"]["faces"])
