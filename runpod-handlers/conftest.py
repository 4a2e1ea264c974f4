"""pytest setup for the RunPod handler tests: runpod-handlers/ on sys.path so `common` and `testkit` import."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
