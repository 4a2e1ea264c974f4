"""whisper handler with a fake faster-whisper: official schema in/out, formats, options, URL input, bad input."""
from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from common import schemas
from testkit import deploy
from testkit.fakes import assert_error
from testkit.loader import load_module
from testkit.media import b64, wav_b64, wav_bytes

HERE = Path(__file__).resolve().parent
whisper = load_module("whisper")

OFFICIAL_TOP = {"segments", "detected_language", "transcription", "translation", "device", "model"}
OFFICIAL_SEGMENT = {"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
                    "compression_ratio", "no_speech_prob"}


class FakeWhisper:
    """Two segments with words; a translate pass answers in 'English'. Records every call's options and checks the
    audio file really exists while it is being read."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls = []
        self.delay_s = delay_s

    def transcribe(self, audio, **options):
        assert Path(audio).is_file() and Path(audio).stat().st_size > 44
        self.calls.append({"audio": audio, **options})
        time.sleep(self.delay_s)
        if options["task"] == "translate":
            return iter([whisper.Segment(0, 0, 0.0, 2.0, " Hello there.")]), whisper.Info("fr")
        words = options["word_timestamps"]
        segs = [
            whisper.Segment(0, 0, 0.0, 1.5, " Ask not what", [50364, 1029], 0.0, -0.2, 1.1, 0.01,
                            [whisper.Word(" Ask", 0.0, 0.4, 0.9), whisper.Word(" not", 0.4, 0.8, 0.9),
                             whisper.Word(" what", 0.8, 1.5, 0.8)] if words else None),
            whisper.Segment(1, 150, 1.5, 3725.25, " your country --> can do.", [1234], 0.2, -0.3, 1.2, 0.02,
                            [whisper.Word(" your", 1.5, 1.9, 0.9)] if words else None),
        ]
        return (s for s in segs), whisper.Info("en")  # a generator, like faster-whisper


class FakeBank:
    device = "cuda"

    def __init__(self, model) -> None:
        self.model = model

    def get(self, name):
        if name != "large-v3-turbo":
            raise KeyError(name)
        return self.model


@pytest.fixture()
def fake():
    model = FakeWhisper()
    whisper.MODEL.override(FakeBank(model))
    yield model
    whisper.MODEL.override(None)


def run(inp):
    return whisper.handler({"id": "t", "input": inp})


def test_output_is_exactly_the_official_shape(fake):
    out = run({"audio_base64": wav_b64(seconds=1.0)})
    assert schemas.validate_output("whisper.output", out) == []
    assert set(out) == OFFICIAL_TOP  # word_timestamps only when asked, as the official worker
    assert all(set(seg) == OFFICIAL_SEGMENT for seg in out["segments"])
    assert out["transcription"] == "Ask not what your country --> can do."
    assert out["detected_language"] == "en" and out["translation"] is None
    assert out["device"] == "cuda" and out["model"] == "large-v3-turbo"  # the baked default, not schema's "base"


def test_word_timestamps_and_vad_are_passed_and_flattened(fake):
    out = run({"audio_base64": wav_b64(), "word_timestamps": True, "enable_vad": True, "model": "turbo"})
    assert schemas.validate_output("whisper.output", out) == []
    assert out["word_timestamps"] == [{"word": " Ask", "start": 0.0, "end": 0.4}, {"word": " not", "start": 0.4, "end": 0.8},
                                      {"word": " what", "start": 0.8, "end": 1.5}, {"word": " your", "start": 1.5, "end": 1.9}]
    call = fake.calls[-1]
    assert call["vad_filter"] is True and call["word_timestamps"] is True and out["model"] == "turbo"


def test_official_options_map_to_faster_whisper(fake):
    run({"audio_base64": wav_b64(), "language": "de", "beam_size": 3, "best_of": 2, "patience": 2.0,
         "temperature": 0.2, "temperature_increment_on_fallback": 0.4, "suppress_tokens": "-1,50363",
         "initial_prompt": "Kennedy", "condition_on_previous_text": False, "logprob_threshold": -0.5,
         "no_speech_threshold": 0.5, "compression_ratio_threshold": 2.0})
    call = fake.calls[-1]
    assert call["task"] == "transcribe" and call["language"] == "de" and call["beam_size"] == 3
    assert call["best_of"] == 2 and call["patience"] == 2.0 and call["initial_prompt"] == "Kennedy"
    assert call["temperature"] == (0.2, 0.6, 1.0)
    assert call["suppress_tokens"] == [-1, 50363] and call["condition_on_previous_text"] is False
    assert call["log_prob_threshold"] == -0.5 and call["no_speech_threshold"] == 0.5
    assert call["compression_ratio_threshold"] == 2.0 and call["vad_filter"] is False
    run({"audio_base64": wav_b64(), "temperature_increment_on_fallback": 0})
    assert fake.calls[-1]["temperature"] == (0.0,)  # a zero step must not loop forever


def test_translate_runs_a_second_pass(fake):
    out = run({"audio_base64": wav_b64(), "translate": True})
    assert [c["task"] for c in fake.calls] == ["transcribe", "translate"]
    assert out["translation"] == "Hello there."


def test_srt_vtt_and_formatted_text(fake):
    srt = run({"audio_base64": wav_b64(), "transcription": "srt"})["transcription"]
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,500\nAsk not what\n\n2\n00:00:01,500 --> 01:02:05,250\n")
    assert "your country -> can do." in srt and srt.endswith("\n\n")
    vtt = run({"audio_base64": wav_b64(), "transcription": "vtt"})["transcription"]
    assert vtt.startswith("00:00:00.000 --> 00:00:01.500\nAsk not what\n\n")
    assert run({"audio_base64": wav_b64(), "transcription": "formatted_text"})["transcription"] == \
        "Ask not what\nyour country --> can do."


def test_other_containers_are_accepted_by_magic_bytes(fake):
    out = run({"audio_base64": b64(b"fLaC" + b"\0" * 200)})
    assert "segments" in out and fake.calls[-1]["audio"].endswith(".flac")


@pytest.fixture()
def http_audio():
    body = wav_bytes(seconds=0.5)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/a.wav":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_audio_url_is_downloaded(fake, http_audio):
    out = run({"audio": f"{http_audio}/a.wav"})
    assert schemas.validate_output("whisper.output", out) == []
    assert_error(run({"audio": f"{http_audio}/missing.wav"}), "input.audio", "HTTP 404")
    assert_error(run({"audio": "file:///etc/passwd"}), "input.audio", "http(s)")


@pytest.mark.parametrize("inp, fragments", [
    ({}, ("exactly one of audio, audio_base64",)),
    ({"audio": "http://x/a.wav", "audio_base64": wav_b64()}, ("exactly one of",)),
    ({"audio_base64": "%%%% not base64"}, ("input.audio_base64", "not valid base64")),
    ({"audio_base64": b64(b"this is plain text, no audio here")}, ("input.audio_base64", "not a recognised audio")),
    ({"audio_base64": b64(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")}, ("input.audio_base64", "not a PCM WAV")),
    ({"audio_base64": wav_b64(), "model": "large-v9"}, ("input.model", "'large-v9' is not served")),
    ({"audio_base64": wav_b64(), "beam_size": "five"}, ("input.beam_size", "expected integer")),
    ({"audio_base64": wav_b64(), "transcription": "docx"}, ("input.transcription",)),
    ({"audio_base64": wav_b64(), "suppress_tokens": "a,b"}, ("input.suppress_tokens",)),
    ({"audio_base64": wav_b64(), "diarize": True}, ("'diarize' was unexpected",)),
])
def test_bad_input_returns_the_error_form(fake, inp, fragments):
    assert_error(run(inp), *fragments)
    assert fake.calls == []


def test_model_failure_is_an_error_not_a_crash(fake, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("cuDNN failed")
    monkeypatch.setattr(fake, "transcribe", boom)
    out = assert_error(run({"audio_base64": wav_b64()}), "inference failed", "cuDNN failed")
    assert "refresh_worker" not in out


def test_async_handler_runs_jobs_concurrently():
    whisper.MODEL.override(FakeBank(FakeWhisper(delay_s=0.4)))
    try:
        job = {"id": "c", "input": {"audio_base64": wav_b64(seconds=0.2)}}

        async def both():
            return await asyncio.gather(whisper.async_handler(job), whisper.async_handler(job))
        started = time.perf_counter()
        outs = asyncio.run(both())
        elapsed = time.perf_counter() - started
    finally:
        whisper.MODEL.override(None)
    assert all("segments" in o for o in outs)
    assert elapsed < 0.75, f"two 0.4 s jobs took {elapsed:.2f} s: not concurrent"
    assert whisper.concurrency_modifier(1) == whisper.CONCURRENCY >= 1


def test_deployables():
    assert deploy.dockerfile_problems(HERE / "Dockerfile") == []
    assert deploy.requirements_problems(HERE / "requirements.txt") == []
    assert deploy.test_input_problems(HERE / "test_input.json", "whisper.input") == []
    readme = (HERE / "README.md").read_text()
    for needle in ("RUNPOD_WHISPER_ENDPOINT_ID", "RUNPOD_API_KEY", "docker build", "docker push", "USD",
                   "concurrency"):
        assert needle in readme


def test_test_input_runs_through_the_handler(fake):
    doc = json.loads((HERE / "test_input.json").read_text())
    out = whisper.handler({"id": "local", **doc})
    assert schemas.validate_output("whisper.output", out) == [] and "word_timestamps" in out
