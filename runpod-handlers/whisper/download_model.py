"""Build step: download the faster-whisper model(s) into the image and transcribe one second of silence on CPU."""
from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="large-v3-turbo", help="comma-separated faster-whisper names")
    parser.add_argument("--out", default="/app/models")
    args = parser.parse_args()

    from faster_whisper import WhisperModel, download_model

    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        path = download_model(name, cache_dir=args.out)
        model = WhisperModel(name, device="cpu", compute_type="int8", download_root=args.out, local_files_only=True)
        segments, info = model.transcribe(np.zeros(16000, dtype=np.float32), vad_filter=True)
        list(segments)
        print(f"baked {name} at {path} (smoke test language={info.language})")


if __name__ == "__main__":
    main()
