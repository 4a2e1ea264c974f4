"""Static checks of a handler folder's deployables (no Docker engine runs in CI, so Dockerfiles are linted).

Each check returns a list of problems (empty = fine) so tests can also prove the checks reject bad files.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import List, Tuple

from common import schemas

SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSW(OR)?D|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)", re.IGNORECASE)
PINNED_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(\[[A-Za-z0-9_,.\-]+\])?==[A-Za-z0-9_.+!\-]+(\s*;.+)?$")

Instruction = Tuple[str, str]


def parse_dockerfile(text: str) -> List[Instruction]:
    """(KEYWORD, arguments) per instruction; line continuations joined, comments dropped."""
    out: List[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            out.append((keyword.upper(), args.strip()))
    if pending.strip():
        keyword, _, args = pending.strip().partition(" ")
        out.append((keyword.upper(), args.strip()))
    return out


def _image_ref(from_args: str) -> Tuple[str, str]:
    tokens = [t for t in from_args.split() if not t.startswith("--")]
    ref = tokens[0] if tokens else ""
    alias = tokens[2] if len(tokens) >= 3 and tokens[1].lower() == "as" else ""
    return ref, alias


def check_base_images(instructions: List[Instruction]) -> List[str]:
    problems: List[str] = []
    stages: List[str] = []
    froms = [args for kw, args in instructions if kw == "FROM"]
    if not froms:
        return ["no FROM instruction"]
    for args in froms:
        ref, alias = _image_ref(args)
        if ref in stages:
            pass  # an earlier build stage, pinned where it was defined
        elif "$" in ref:
            problems.append(f"FROM {ref}: base image from a build argument cannot be verified as pinned")
        elif "@sha256:" in ref:
            pass
        else:
            last = ref.rsplit("/", 1)[-1]
            tag = last.split(":", 1)[1] if ":" in last else ""
            if not tag:
                problems.append(f"FROM {ref}: base image has no tag (pin a version tag or a digest)")
            elif tag == "latest":
                problems.append(f"FROM {ref}: 'latest' is not a pin (use a version tag or a digest)")
        if alias:
            stages.append(alias)
    return problems


def _shell_commands(run_args: str) -> List[List[str]]:
    body = re.sub(r"--mount=\S+\s*", "", run_args)
    commands = []
    for part in re.split(r"&&|\|\||;|\|", body):
        try:
            tokens = shlex.split(part)
        except ValueError:
            tokens = part.split()
        if tokens:
            commands.append(tokens)
    return commands


def check_requirements_install(instructions: List[Instruction]) -> List[str]:
    """requirements.txt copied in and installed with `pip install -r`; no unpinned extra `pip install pkg`."""
    problems: List[str] = []
    copied = any(kw in ("COPY", "ADD") and "requirements.txt" in args for kw, args in instructions)
    installed = False
    for kw, args in instructions:
        if kw != "RUN":
            continue
        for tokens in _shell_commands(args):
            if "pip" not in " ".join(tokens[:4]) or "install" not in tokens:
                continue
            rest = tokens[tokens.index("install") + 1:]
            skip_next = False
            for i, tok in enumerate(rest):
                if skip_next:
                    skip_next = False
                    continue
                if tok in ("-r", "--requirement"):
                    if i + 1 < len(rest) and rest[i + 1].endswith("requirements.txt"):
                        installed = True
                    skip_next = True
                elif tok in ("-c", "--constraint", "--index-url", "--extra-index-url", "-i", "--target", "-t"):
                    skip_next = True
                elif tok.startswith("-"):
                    continue
                elif "==" not in tok:
                    problems.append(f"RUN pip install {tok}: not pinned with ==")
    if not copied:
        problems.append("requirements.txt is never copied into the image")
    if not installed:
        problems.append("no RUN pip install -r requirements.txt")
    return problems


def check_cmd(instructions: List[Instruction]) -> List[str]:
    cmds = [args for kw, args in instructions if kw == "CMD"]
    if not cmds:
        return ["no CMD"]
    try:
        argv = json.loads(cmds[-1])
    except json.JSONDecodeError:
        return [f"CMD {cmds[-1]}: use the exec form [\"python\", \"-u\", \"handler.py\"] (signals reach python)"]
    if not (isinstance(argv, list) and argv and "python" in str(argv[0]) and str(argv[-1]).endswith("handler.py")):
        return [f"CMD {cmds[-1]}: expected python running handler.py"]
    return []


def check_no_secrets(instructions: List[Instruction]) -> List[str]:
    """Secret-looking ENV keys or ARG names: both end up in the image config or history. Use a build secret
    (RUN --mount=type=secret) at build time and the endpoint's environment at run time."""
    problems: List[str] = []
    for kw, args in instructions:
        if kw == "ENV":
            if "=" in args.split()[0]:
                keys = [tok.split("=", 1)[0] for tok in shlex.split(args) if "=" in tok]
            else:
                keys = [args.split()[0]]
            problems += [f"ENV {k}: secrets must not be baked into the image" for k in keys if SECRET_NAME.search(k)]
        elif kw == "ARG":
            name = args.split("=", 1)[0].strip()
            if SECRET_NAME.search(name):
                problems.append(f"ARG {name}: build args are kept in the image history; use a build secret")
    return problems


def check_weights_baked(instructions: List[Instruction], script: str = "download_model.py") -> List[str]:
    if any(kw == "RUN" and script in args for kw, args in instructions):
        return []
    return [f"no RUN of {script}: weights would be downloaded at cold start"]


def dockerfile_problems(path: Path, *, require_cmd: bool = True) -> List[str]:
    instructions = parse_dockerfile(path.read_text(encoding="utf-8"))
    problems = check_base_images(instructions) + check_requirements_install(instructions) + \
        check_no_secrets(instructions) + check_weights_baked(instructions)
    if require_cmd:
        problems += check_cmd(instructions)
    return problems


def requirements_problems(path: Path) -> List[str]:
    problems = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        if not PINNED_REQUIREMENT.match(text):
            problems.append(f"{path.name}:{n}: '{text}' is not pinned with ==")
    return problems


def test_input_problems(path: Path, schema_name: str) -> List[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) != {"input"}:
        return [f"{path.name}: expected exactly {{\"input\": {{...}}}}"]
    try:
        schemas.validate(schema_name, doc["input"])
    except ValueError as exc:
        return [f"{path.name}: {exc}"]
    return []
