"""Shared helpers for the video-agent RunPod handlers.

Copied next to each handler.py in its Docker image (build context: runpod-handlers/), and importable from the
repository checkout through the small path shim at the top of each handler. Nothing here imports runpod or a model
library, so tests run with Debian's python3 alone.
"""
