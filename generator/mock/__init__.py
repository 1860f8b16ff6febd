"""The spec-driven mock server (``python -m generator mock``)."""

from .server import MockError, MockOptions, MockServer, MockSpecError

__all__ = ["MockError", "MockOptions", "MockServer", "MockSpecError"]
