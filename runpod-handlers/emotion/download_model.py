"""Build step: snapshot the facial-expression checkpoint into the image and classify one blank crop on CPU."""
from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="trpakov/vit-face-expression")
    parser.add_argument("--revision", default="main", help="pin a commit sha for reproducible images")
    parser.add_argument("--out", default="/app/models/vit-face-expression")
    args = parser.parse_args()

    from huggingface_hub import snapshot_download
    from PIL import Image
    from transformers import pipeline

    path = snapshot_download(args.model, revision=args.revision, local_dir=args.out,
                             allow_patterns=["*.json", "*.safetensors", "*.txt"])
    pipe = pipeline("image-classification", model=path, device=-1)
    labels = sorted(r["label"] for r in pipe(Image.new("RGB", (224, 224)), top_k=None))
    print(f"baked {args.model}@{args.revision} at {path}; labels {labels}")


if __name__ == "__main__":
    main()
