"""A model loaded lazily, once per worker process, with a seam for tests.

Loading happens on the first job rather than at import so that tests can import handler.py without the model
libraries, and so that a worker with concurrency > 1 does not load the weights twice (the lock).
"""
from __future__ import annotations

import threading
from typing import Callable, Generic, Optional, TypeVar

T = TypeVar("T")


class LazyModel(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._model: Optional[T] = None
        self._lock = threading.Lock()

    def get(self) -> T:
        model = self._model
        if model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._factory()
                model = self._model
        return model

    def override(self, model: Optional[T]) -> None:
        """Inject a model (tests, or a warm-up script); None forgets it so the factory runs again."""
        with self._lock:
            self._model = model

    @property
    def loaded(self) -> bool:
        return self._model is not None
