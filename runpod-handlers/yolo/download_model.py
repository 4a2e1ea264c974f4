"""Build step: put the YOLO11 weights into the image (cold starts must not download) and smoke-test them on CPU."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="yolo11m.pt", help="ultralytics asset name, e.g. yolo11s.pt, yolo11m.pt")
    parser.add_argument("--out", default="/app/weights")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(out)  # ultralytics downloads a bare asset name into the working directory

    import numpy as np
    from ultralytics import YOLO

    model = YOLO(args.model)
    weights = out / args.model
    if not weights.is_file():
        raise SystemExit(f"expected {weights} after download")
    model.predict(np.zeros((64, 64, 3), dtype=np.uint8), device="cpu", verbose=False)
    print(f"baked {weights} ({weights.stat().st_size / 1e6:.1f} MB), {len(model.names)} classes")


if __name__ == "__main__":
    main()
