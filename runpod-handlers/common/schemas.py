"""The shared JSON Schema contracts (runpod-handlers/contracts/*.schema.json), loaded once and applied to job input.

The same files are used by the TypeScript client and the local emulator, so a handler validating against them
cannot drift from what the client sends. Inside an image the contracts sit at /app/contracts; override the location
with HANDLER_CONTRACTS_DIR.
"""
from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import InputError

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
               type(None): "null"}


def contracts_dir() -> Path:
    override = os.environ.get("HANDLER_CONTRACTS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "contracts"


@lru_cache(maxsize=None)
def load_schema(name: str) -> Dict[str, Any]:
    """`name` is the file stem without `.schema.json`, e.g. "yolo.input"."""
    path = contracts_dir() / f"{name}.schema.json"
    with path.open("r", encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def _path(parts: Iterable[Any], root: str = "input") -> str:
    out = root
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def describe(error: ValidationError, root: str = "input") -> str:
    """One short line naming the field and the problem. jsonschema's own messages embed repr(instance), which for a
    list of base64 images is megabytes long, so the common cases are phrased here without the value."""
    where = _path(error.absolute_path, root)
    kind = error.validator
    if kind == "required" or kind == "additionalProperties":
        return f"{where}: {error.message}"
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        return f"{where}: expected {expected}, got {_json_type(error.instance)}"
    if kind in ("maxItems", "minItems"):
        bound = "at most" if kind == "maxItems" else "at least"
        return f"{where}: has {len(error.instance)} items, {bound} {error.validator_value} allowed"
    if kind == "oneOf" and all(set(s) == {"required"} for s in error.validator_value):
        names = ", ".join(n for s in error.validator_value for n in s["required"])
        return f"{where}: exactly one of {names} is required"
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return f"{where}: must be {bound} {error.validator_value} characters"
    message = error.message
    return f"{where}: {message[:200]}{'…' if len(message) > 200 else ''}"


def validate(name: str, data: Any) -> None:
    """Raise InputError for the most relevant violation of schema `name`."""
    if not isinstance(data, Mapping):
        raise InputError(f"input: expected object, got {_json_type(data)}")
    errors: List[ValidationError] = sorted(validator(name).iter_errors(data), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        # Shallowest first: "images: too many items" is more useful than one complaint per item.
        raise InputError(describe(errors[0]))


def with_defaults(name: str, data: Mapping[str, Any], overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A copy of `data` with the schema's top-level defaults filled in (jsonschema validates, it never fills).
    `overrides` replaces a schema default where this deployment differs (e.g. the whisper model baked in)."""
    out = dict(data)
    for key, value in (overrides or {}).items():
        out.setdefault(key, copy.deepcopy(value))
    for key, prop in load_schema(name).get("properties", {}).items():
        if key not in out and isinstance(prop, dict) and "default" in prop:
            out[key] = copy.deepcopy(prop["default"])
    return out


def validate_output(name: str, data: Any) -> List[str]:
    """All violations of an output schema, as short lines (empty when valid). Used by tests and check tools."""
    return [describe(e, "output") for e in validator(name).iter_errors(data)]
