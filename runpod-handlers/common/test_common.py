"""common/ (schemas, media, job wrapper, lazy loading) and testkit/deploy's Dockerfile checks on bad files."""
from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from common import media, schemas
from common.errors import InputError
from common.job import run_job
from common.lazy import LazyModel
from testkit import deploy
from testkit.media import image_b64, wav_bytes

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("yolo", "whisper", "vlm", "emotion", "diarization")


def test_every_contract_is_a_valid_2020_12_schema():
    names = sorted(p.name[: -len(".schema.json")] for p in (ROOT / "contracts").glob("*.schema.json"))
    assert len(names) == 11
    for name in names:
        assert schemas.load_schema(name)["$schema"].endswith("2020-12/schema")


def test_error_messages_are_short_even_for_huge_payloads():
    with pytest.raises(InputError) as err:
        schemas.validate("yolo.input", {"images": ["A" * 100_000] * 65})
    assert str(err.value) == "input.images: has 65 items, at most 64 allowed"
    with pytest.raises(InputError, match=r"^input: expected object, got array$"):
        schemas.validate("yolo.input", [1])


def test_defaults_fill_only_missing_keys_and_overrides_win_over_schema_defaults():
    out = schemas.with_defaults("whisper.input", {"audio": "http://x", "beam_size": 2}, {"model": "turbo"})
    assert out["beam_size"] == 2 and out["model"] == "turbo" and out["enable_vad"] is False


def test_decode_base64_accepts_data_urls_and_line_breaks_but_nothing_else():
    raw = b"hello world!"
    enc = base64.b64encode(raw).decode()
    assert media.decode_base64(enc, "f") == raw
    assert media.decode_base64("data:image/png;base64," + enc[:8] + "\n" + enc[8:], "f") == raw
    for bad in ("hello world", enc[:-1], "", "====" ):
        with pytest.raises(InputError):
            media.decode_base64(bad, "f")
    with pytest.raises(InputError, match="at most 4 allowed"):
        media.decode_base64(enc, "f", max_bytes=4)


def test_decode_image_limits_pixels_before_decoding():
    img = media.decode_image(image_b64(30, 20, fmt="PNG"), "f")
    assert img.size == (30, 20) and img.mode == "RGB"
    with pytest.raises(InputError, match="600x600 pixels"):
        media.decode_image(image_b64(600, 600, fmt="PNG"), "f", max_pixels=100_000)
    gif = base64.b64encode(base64.b64decode("R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=")).decode()
    with pytest.raises(InputError, match="unsupported image format GIF"):
        media.decode_image(gif, "f")


def test_decode_wav_formats():
    audio = media.decode_wav(wav_bytes(seconds=0.25, rate=8000, channels=2), "f", max_duration_s=10)
    assert audio.sample_rate == 8000 and audio.samples.shape == (2000,) and audio.duration_s == 0.25
    assert audio.samples.dtype.name == "float32" and 0.25 < float(abs(audio.samples).max()) <= 0.31
    assert media.sniff_audio_format(wav_bytes()) == "wav"
    assert media.sniff_audio_format(b"OggS" + b"\0" * 10) == "ogg"
    assert media.sniff_audio_format(b"hello") is None


def test_run_job_never_raises():
    def process(inp):
        raise KeyError("boom")
    assert run_job({"input": {"faces": ["abcd"]}}, "emotion.input", process)["error"].startswith("inference failed")
    assert run_job(None, "emotion.input", process) == {"error": "job has no input object"}
    assert run_job({"input": {"faces": ["abcd"]}}, "emotion.input", lambda inp: {"ok": inp["faces"]}) == {"ok": ["abcd"]}


def test_lazy_model_loads_once_under_concurrency():
    calls = []
    gate = threading.Event()

    def factory():
        calls.append(1)
        gate.wait(1)
        return object()
    lazy = LazyModel(factory)
    got = []
    threads = [threading.Thread(target=lambda: got.append(lazy.get())) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1


GOOD_DOCKERFILE = """
FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
COPY x/requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt \\
    && pip install extra==1.0
RUN --mount=type=secret,id=HF_TOKEN python /app/download_model.py
CMD ["python", "-u", "/app/handler.py"]
"""


def test_dockerfile_linter_accepts_a_good_file():
    assert deploy.check_base_images(deploy.parse_dockerfile(GOOD_DOCKERFILE)) == []
    ins = deploy.parse_dockerfile(GOOD_DOCKERFILE)
    assert deploy.check_requirements_install(ins) + deploy.check_cmd(ins) + deploy.check_no_secrets(ins) + \
        deploy.check_weights_baked(ins) == []


@pytest.mark.parametrize("replace, add, fragment", [
    ("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", None, None),
    ("FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "FROM python:latest", "'latest' is not a pin"),
    ("FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "FROM localhost:5000/python", "no tag"),
    ("FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "FROM ${BASE}", "cannot be verified"),
    ("-r /app/requirements.txt", "ultralytics", "ultralytics: not pinned"),
    ("extra==1.0", "extra>=1.0", "extra>=1.0: not pinned"),
    ('CMD ["python", "-u", "/app/handler.py"]', "CMD python handler.py", "exec form"),
    ('CMD ["python", "-u", "/app/handler.py"]', "", "no CMD"),
    ("RUN --mount=type=secret,id=HF_TOKEN python /app/download_model.py", "ENV HF_TOKEN=hf_abc", "ENV HF_TOKEN"),
    ("RUN --mount=type=secret,id=HF_TOKEN python /app/download_model.py", "ARG RUNPOD_API_KEY", "ARG RUNPOD_API_KEY"),
    ("RUN --mount=type=secret,id=HF_TOKEN python /app/download_model.py", "RUN true", "no RUN of download_model.py"),
])
def test_dockerfile_linter_rejects_bad_files(tmp_path, replace, add, fragment):
    text = GOOD_DOCKERFILE if add is None else GOOD_DOCKERFILE.replace(replace, add)
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    problems = deploy.dockerfile_problems(path)
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in p for p in problems), problems


def test_requirements_linter(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\nrunpod==1.12.0\npyannote.audio==3.3.2\nhuggingface_hub[hf_xet]==0.26.5\n"
                    "torch>=2.0\nnumpy\n-e .\n")
    assert deploy.requirements_problems(path) == [
        "requirements.txt:5: 'torch>=2.0' is not pinned with ==",
        "requirements.txt:6: 'numpy' is not pinned with ==",
        "requirements.txt:7: '-e .' is not pinned with ==",
    ]


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_folder_is_deployable(folder):
    base = ROOT / folder
    for name in ("Dockerfile", "requirements.txt", "test_input.json", "README.md", "download_model.py"):
        assert (base / name).is_file(), f"{folder}/{name}"
    assert (base / ("check_reply.py" if folder == "vlm" else "handler.py")).is_file()
    assert list(base.glob("test_*.py")), f"{folder} has no tests"
    schema = "vlm.input" if folder == "vlm" else f"{folder}.input"
    assert deploy.test_input_problems(base / "test_input.json", schema) == []
    assert deploy.requirements_problems(base / "requirements.txt") == []
    if folder != "vlm":  # vlm inherits worker-vllm's CMD and installs nothing (checked in its own test)
        assert deploy.dockerfile_problems(base / "Dockerfile") == []
        text = (base / "handler.py").read_text()
        assert "import runpod" in text.split('if __name__ == "__main__":', 1)[1]
        assert "import runpod" not in text.split('if __name__ == "__main__":', 1)[0]
