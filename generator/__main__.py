"""``python -m generator``: the command line (``generator.cli``)."""

from .cli import run

run()
