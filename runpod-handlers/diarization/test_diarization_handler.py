"""diarization handler with a fake pipeline: contract, speaker bounds, WAV handling, bad input, deployables."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from common import schemas
from testkit import deploy
from testkit.fakes import assert_error
from testkit.loader import load_module
from testkit.media import b64, image_b64, wav_b64

HERE = Path(__file__).resolve().parent
diar = load_module("diarization")


class FakeDiarizer:
    """Alternates speakers every 0.5 s (as many as num_speakers/max_speakers allow, default 2), returned
    deliberately out of order, plus one zero-length turn the handler must drop."""

    name = "pyannote/speaker-diarization-3.1"

    def __init__(self) -> None:
        self.calls = []

    def diarize(self, audio, *, num_speakers, min_speakers, max_speakers):
        self.calls.append({"rate": audio.sample_rate, "n": len(audio.samples), "num_speakers": num_speakers,
                           "min_speakers": min_speakers, "max_speakers": max_speakers})
        k = num_speakers or max_speakers or 2
        turns, t, i = [], 0.0, 0
        while t < audio.duration_s:
            turns.append(diar.Turn(t, t + 0.5 + 0.01, f"SPEAKER_{i % k:02d}"))  # last one overruns the audio
            t += 0.5
            i += 1
        turns.append(diar.Turn(0.2, 0.2, "SPEAKER_09"))
        return list(reversed(turns))


@pytest.fixture()
def fake():
    model = FakeDiarizer()
    diar.MODEL.override(model)
    yield model
    diar.MODEL.override(None)


def run(inp):
    return diar.handler({"id": "t", "input": inp})


def test_segments_follow_the_contract_sorted_and_clipped(fake):
    out = run({"audio_base64": wav_b64(seconds=2.0)})
    assert schemas.validate_output("diarization.output", out) == []
    starts = [s["start"] for s in out["segments"]]
    assert starts == sorted(starts) == [0.0, 0.5, 1.0, 1.5]
    assert [s["speaker"] for s in out["segments"]] == ["SPEAKER_00", "SPEAKER_01"] * 2
    assert out["segments"][-1]["end"] == 2.0  # clipped to the audio length
    assert out["num_speakers"] == 2 and out["model"] == "pyannote/speaker-diarization-3.1"


def test_speaker_counts_reach_the_pipeline(fake):
    out = run({"audio_base64": wav_b64(seconds=2.0), "num_speakers": 3})
    assert fake.calls[-1]["num_speakers"] == 3 and out["num_speakers"] == 3
    run({"audio_base64": wav_b64(seconds=1.0), "min_speakers": 1, "max_speakers": 4})
    assert fake.calls[-1] == {"rate": 16000, "n": 16000, "num_speakers": None, "min_speakers": 1, "max_speakers": 4}


def test_stereo_wav_is_downmixed(fake):
    run({"audio_base64": wav_b64(seconds=0.5, rate=44100, channels=2)})
    assert fake.calls[-1]["rate"] == 44100 and fake.calls[-1]["n"] == 22050


@pytest.mark.parametrize("inp, fragments", [
    ({}, ("'audio_base64' is a required property",)),
    ({"audio_base64": "***"}, ("input.audio_base64",)),
    ({"audio_base64": "no base64 here at all"}, ("input.audio_base64", "not valid base64")),
    ({"audio_base64": image_b64()}, ("input.audio_base64", "not a PCM WAV")),
    ({"audio_base64": b64(b"RIFF....WAVEfmt ")}, ("input.audio_base64", "not a PCM WAV")),
    ({"audio_base64": wav_b64(seconds=0.2, rate=4000)}, ("input.audio_base64", "4000 Hz")),
    ({"audio_base64": wav_b64(), "num_speakers": 0}, ("input.num_speakers",)),
    ({"audio_base64": wav_b64(), "num_speakers": "two"}, ("input.num_speakers", "expected integer, got string")),
    ({"audio_base64": wav_b64(), "min_speakers": 3, "max_speakers": 2}, ("min_speakers (3)", "max_speakers (2)")),
    ({"audio_base64": wav_b64(), "num_speakers": 5, "max_speakers": 2}, ("num_speakers (5) contradicts",)),
    ({"audio_base64": wav_b64(), "language": "en"}, ("'language' was unexpected",)),
])
def test_bad_input_returns_the_error_form(fake, inp, fragments):
    assert_error(run(inp), *fragments)
    assert fake.calls == []


def test_overlong_audio_is_rejected_before_the_model(fake, monkeypatch):
    monkeypatch.setattr(diar, "MAX_SECONDS", 1.0)
    assert_error(run({"audio_base64": wav_b64(seconds=2.0)}), "2.0 s of audio", "at most 1 s")
    assert fake.calls == []


class EmbeddingDiarizer(FakeDiarizer):
    """Two speakers with a 4-d embedding each, plus a NaN one for a speaker that has no turn left."""

    def diarize(self, audio, **bounds):
        turns = super().diarize(audio, **bounds)
        return diar.Diarization(turns, {"SPEAKER_00": [1.0, 0.0, 0.0, 0.0], "SPEAKER_01": [0.0, 0.5, 0.5, 0.0],
                                        "SPEAKER_09": [float("nan")] * 4})


def test_one_embedding_per_local_speaker():
    diar.MODEL.override(EmbeddingDiarizer())
    try:
        out = run({"audio_base64": wav_b64(seconds=2.0), "num_speakers": 2})
    finally:
        diar.MODEL.override(None)
    assert schemas.validate_output("diarization.output", out) == []
    assert [e["speaker"] for e in out["embeddings"]] == ["SPEAKER_00", "SPEAKER_01"]  # the zero-length SPEAKER_09 dropped
    assert out["embeddings"][1]["vector"] == [0.0, 0.5, 0.5, 0.0]


def test_a_diarizer_without_embeddings_keeps_the_old_output(fake):
    out = run({"audio_base64": wav_b64(seconds=1.0)})
    assert "embeddings" not in out and schemas.validate_output("diarization.output", out) == []


def test_embeddings_schema_rejects_a_vector_that_is_not_numbers():
    bad = {"segments": [], "embeddings": [{"speaker": "SPEAKER_00", "vector": ["x"]}]}
    assert schemas.validate_output("diarization.output", bad) != []


def test_deployables_and_build_secret():
    assert deploy.dockerfile_problems(HERE / "Dockerfile") == []
    assert deploy.requirements_problems(HERE / "requirements.txt") == []
    assert deploy.test_input_problems(HERE / "test_input.json", "diarization.input") == []
    text = (HERE / "Dockerfile").read_text()
    assert "--mount=type=secret,id=HF_TOKEN" in text  # the gated weights come through a build secret only
    readme = (HERE / "README.md").read_text()
    for needle in ("RUNPOD_DIARIZATION_ENDPOINT_ID", "RUNPOD_API_KEY", "docker build", "docker push", "USD", "--secret"):
        assert needle in readme


def test_test_input_runs_through_the_handler(fake):
    doc = json.loads((HERE / "test_input.json").read_text())
    out = diar.handler({"id": "local", **doc})
    assert schemas.validate_output("diarization.output", out) == [] and out["segments"]
