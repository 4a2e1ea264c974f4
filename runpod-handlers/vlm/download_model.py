"""Build step: bake Qwen2.5-VL-7B-Instruct into the worker-vllm image (the base image ships huggingface_hub), so
a cold start loads ~16 GB from local disk instead of downloading it."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="Qwen/Qwen2.5-VL-7B-Instruct")
    parser.add_argument("--revision", default="main", help="pin a commit sha for reproducible images")
    parser.add_argument("--out", default="/models/Qwen2.5-VL-7B-Instruct")
    args = parser.parse_args()

    from huggingface_hub import snapshot_download

    path = Path(snapshot_download(args.model, revision=args.revision, local_dir=args.out,
                                  allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja"]))
    config = json.loads((path / "config.json").read_text())
    size = sum(f.stat().st_size for f in path.glob("*.safetensors"))
    print(f"baked {args.model}@{args.revision} ({config.get('model_type')}, {size / 1e9:.1f} GB) at {path}")


if __name__ == "__main__":
    main()
