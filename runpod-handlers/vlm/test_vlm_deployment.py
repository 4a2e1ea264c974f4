"""vlm: check_reply.py against worker-vllm outputs, the request we send (test_input.json), env file, Dockerfile."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from common import schemas
from testkit import deploy
from testkit.loader import load_module

HERE = Path(__file__).resolve().parent
check_reply = load_module("vlm", "check_reply.py")
REPLY = {"description": "A player scores; the crowd cheers.", "clip_worthy_score": 0.92,
         "tags": ["goal", "football"], "emotions": ["joy"]}


def completion(content, finish_reason="stop"):
    """A worker-vllm non-streamed output: a one-element list holding an OpenAI chat.completion."""
    return [{"id": "chatcmpl-1", "object": "chat.completion", "model": "Qwen/Qwen2.5-VL-7B-Instruct",
             "choices": [{"index": 0, "finish_reason": finish_reason,
                          "message": {"role": "assistant", "content": content}}],
             "usage": {"prompt_tokens": 812, "completion_tokens": 41, "total_tokens": 853}}]


def test_valid_output_yields_the_reply():
    reply, problems = check_reply.check(completion(json.dumps(REPLY)))
    assert problems == [] and reply == REPLY


def test_markdown_fenced_json_is_accepted():
    reply, problems = check_reply.check(completion("```json\n" + json.dumps(REPLY) + "\n```"))
    assert problems == [] and reply["clip_worthy_score"] == 0.92


def test_a_whole_runpod_status_response_is_unwrapped():
    status = {"id": "j1", "status": "COMPLETED", "executionTime": 3100, "output": completion(json.dumps(REPLY))}
    assert check_reply.check(status)[1] == []


@pytest.mark.parametrize("result, fragment", [
    ({"choices": []}, "output: expected array"),  # a bare completion, not worker-vllm's list
    ([], "output"),
    ([{"model": "m", "choices": [{"message": {}}]}], "'content' is a required property"),
    (completion("The frames show a goal."), "not JSON"),
    (completion(json.dumps({**REPLY, "clip_worthy_score": 1.7})), "reply.clip_worthy_score"),
    (completion(json.dumps({"description": "x", "tags": []})), "'clip_worthy_score' is a required property"),
    (completion(json.dumps({**REPLY, "tags": "goal"})), "reply.tags: expected array"),
    (completion(None), "empty reply"),
    (completion('{"description": "A play', finish_reason="length"), "finish_reason=length"),
    (completion(json.dumps(["not", "an", "object"])), "reply: expected object"),
])
def test_bad_outputs_are_reported(result, fragment):
    reply, problems = check_reply.check(result)
    assert any(fragment in p for p in problems), problems


def test_cli_exit_codes(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(completion(json.dumps(REPLY))))
    bad.write_text(json.dumps(completion("no json")))
    ok = subprocess.run([sys.executable, str(HERE / "check_reply.py"), str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout) == REPLY
    ko = subprocess.run([sys.executable, str(HERE / "check_reply.py"), "-"], input=bad.read_text(),
                        capture_output=True, text=True)
    assert ko.returncode == 1 and "not JSON" in ko.stderr


def _env_file():
    pairs = {}
    for line in (HERE / "endpoint.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_request_we_send_matches_the_contract_and_the_deployment():
    assert deploy.test_input_problems(HERE / "test_input.json", "vlm.input") == []
    inp = json.loads((HERE / "test_input.json").read_text())["input"]
    env = _env_file()
    oi = inp["openai_input"]
    assert inp["openai_route"] == "/v1/chat/completions" and oi["stream"] is False
    assert oi["model"] == env["OPENAI_SERVED_MODEL_NAME_OVERRIDE"] == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert oi["max_tokens"] >= 64  # vLLM's default of 16 would truncate every reply
    images = [p for m in oi["messages"] if isinstance(m["content"], list) for p in m["content"] if p["type"] == "image_url"]
    assert images and all(p["image_url"]["url"].startswith("data:image/jpeg;base64,") for p in images)
    assert len(images) <= json.loads(env["LIMIT_MM_PER_PROMPT"])["image"]


def test_env_file_has_no_secrets_and_the_required_settings():
    env = _env_file()
    for key in ("MODEL_NAME", "MAX_MODEL_LEN", "LIMIT_MM_PER_PROMPT", "MAX_CONCURRENCY", "GPU_MEMORY_UTILIZATION"):
        assert key in env, key
    assert int(env["MAX_MODEL_LEN"]) >= 4096
    assert not [k for k in env if deploy.SECRET_NAME.search(k)]


def test_dockerfile_pins_worker_vllm_and_bakes_the_weights():
    instructions = deploy.parse_dockerfile((HERE / "Dockerfile").read_text())
    assert deploy.check_base_images(instructions) == []
    assert deploy.check_no_secrets(instructions) == []
    assert deploy.check_weights_baked(instructions) == []
    [(_, base)] = [i for i in instructions if i[0] == "FROM"]
    assert base.startswith("runpod/worker-v1-vllm:v")
    env_line = " ".join(args for kw, args in instructions if kw == "ENV")
    for key, value in _env_file().items():  # the image's defaults and the env file say the same
        assert f"{key}={value}" in env_line or f"{key}='{value}'" in env_line, key
    assert deploy.requirements_problems(HERE / "requirements.txt") == []


def test_readme_documents_the_request():
    readme = (HERE / "README.md").read_text()
    for needle in ("RUNPOD_VLM_ENDPOINT_ID", "RUNPOD_API_KEY", "openai_route", "openai_input", "max_tokens",
                   "image_url", "data:image/jpeg;base64,", "vlm.reply", "check_reply.py", "USD", "docker push",
                   "runpod/worker-v1-vllm:v2.7.0stable-cuda12.1.0"):
        assert needle in readme, needle
    assert schemas.load_schema("vlm.reply")["required"] == ["description", "clip_worthy_score", "tags"]
