"""Test helpers shared by the handler folders' tests (never copied into an image)."""
