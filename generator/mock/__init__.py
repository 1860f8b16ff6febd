"""The spec-driven mock server (``python -m generator mock``)."""

from .server import MockError, MockOptions, MockServer

__all__ = ["MockError", "MockOptions", "MockServer"]
