"""Build step: download the gated pyannote pipeline (and its segmentation/embedding models) into the image's HF cache,
then diarize two seconds of noise on CPU. The Hugging Face token comes from the HF_TOKEN environment variable of
this one RUN step (fed from a BuildKit secret); it is never written to the image."""
from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipeline", default="pyannote/speaker-diarization-3.1")
    args = parser.parse_args()

    token = os.environ.get("HF_TOKEN", "").strip()
    if not token:
        sys.exit("HF_TOKEN build secret missing: docker build --secret id=HF_TOKEN,env=HF_TOKEN ... "
                 "(and accept the terms of pyannote/speaker-diarization-3.1 and pyannote/segmentation-3.0)")

    import torch
    from pyannote.audio import Pipeline

    pipeline = Pipeline.from_pretrained(args.pipeline, use_auth_token=token)
    if pipeline is None:
        sys.exit(f"could not load {args.pipeline}: are its terms accepted for this token?")
    noise = torch.randn(1, 32000) * 0.01
    pipeline({"waveform": noise, "sample_rate": 16000})
    print(f"baked {args.pipeline} into {os.environ.get('HF_HOME', '~/.cache/huggingface')}")


if __name__ == "__main__":
    main()
