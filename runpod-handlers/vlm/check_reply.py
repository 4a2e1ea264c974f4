"""Validate a worker-vllm result for the `vlm` endpoint: the output against contracts/vlm.output.schema.json, then
the model's JSON reply (choices[0].message.content) against contracts/vlm.reply.schema.json.

    python check_reply.py result.json        # a job's `output`, or the whole /runsync or /status response
    curl ... | python check_reply.py -       # from stdin
Exit 0 and the parsed reply on stdout when valid; exit 1 and one problem per line on stderr otherwise.
There is no handler.py of ours for vLLM: the official worker serves the model, this is the contract check.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

_HERE = Path(__file__).resolve().parent
for _root in (_HERE, _HERE.parent):
    if (_root / "common").is_dir():
        if str(_root) not in sys.path:
            sys.path.insert(0, str(_root))
        break

from common import schemas  # noqa: E402

# Qwen2.5-VL often wraps JSON in a markdown fence even when asked not to; accept exactly that, nothing looser.
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL | re.IGNORECASE)


def unwrap(result: Any) -> Any:
    """A RunPod job response ({"status": ..., "output": [...]}) -> its output; anything else is returned as is."""
    if isinstance(result, dict) and "output" in result and ("status" in result or "id" in result):
        return result["output"]
    return result


def parse_reply(content: str) -> Any:
    match = _FENCE.match(content)
    return json.loads(match.group(1) if match else content)


def check(result: Any) -> Tuple[Dict[str, Any], List[str]]:
    """(reply, problems): the parsed reply object (empty dict when unusable) and every problem found."""
    output = unwrap(result)
    problems = schemas.validate_output("vlm.output", output)
    if problems:
        return {}, problems
    choice = output[0]["choices"][0]
    content = choice["message"]["content"]
    if choice.get("finish_reason") == "length":
        problems.append("output[0].choices[0]: reply cut off at max_tokens (finish_reason=length); raise max_tokens")
    if not content:
        return {}, problems + ["output[0].choices[0].message.content: empty reply"]
    try:
        reply = parse_reply(content)
    except json.JSONDecodeError as exc:
        return {}, problems + [f"output[0].choices[0].message.content: not JSON ({exc.msg} at char {exc.pos})"]
    problems += [p.replace("output", "reply", 1) for p in schemas.validate_output("vlm.reply", reply)]
    return (reply if isinstance(reply, dict) else {}), problems


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.stdin.read() if argv[1] == "-" else Path(argv[1]).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"input is not JSON: {exc}", file=sys.stderr)
        return 1
    reply, problems = check(doc)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(json.dumps(reply, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
